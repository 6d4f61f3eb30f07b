import ArgumentParser
import Foundation
import NexNumerics
import VectorIndex

/// `nextraction bench index`: flat and IVF search on the files of
/// `../shared/bench/make_vectors.py`, measured exactly as `faiss_peer.py` measures FAISS, with
/// the peer run on the same files in the same run (`--peer`).
struct BenchIndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Vector search: flat and IVF build time, batch QPS, single-query latency, recall@10 (vs FAISS with --peer).",
        discussion: """
            DIR holds base.fvecs, query.fvecs and groundtruth.ivecs (python3 ../shared/bench/make_vectors.py
            --n 100000 --q 1000 --d 384 --seed 7 --out DIR). Definitions follow ../shared/bench/README.md:
            k = 10; batch QPS = Q / median time of one call over all queries; latency = median over the first
            --lat-queries single-query calls after 10 warm-ups; IVF nlist = round(4·√N), trained on
            base[:64·nlist] with 10 spherical k-means iterations. The peer runs in .build/venv-faiss.
            """
    )

    @Option(help: ArgumentHelp("Folder with base.fvecs, query.fvecs, groundtruth.ivecs.", valueName: "dir"))
    var data: String

    @Option(help: ArgumentHelp("Thread counts, comma-separated.", valueName: "list"))
    var threads = "1,2"

    @Option(help: ArgumentHelp("IVF nprobe values, comma-separated.", valueName: "list"))
    var nprobes = "1,4,8,16,32,64"

    @Option(help: "Repetitions of each batch search (median).")
    var reps = 3

    @Option(name: .customLong("lat-queries"), help: "Single queries timed for latency.")
    var latencyQueries = 200

    @Flag(help: "Also run FAISS (faiss_peer.py) on the same files and print ratios.")
    var peer = false

    @Flag(name: .customLong("peer-hnsw"), help: "With --peer, also build hnswlib (slow).")
    var peerHNSW = false

    @Flag(help: "Print one JSON object (faiss_peer.py's structure) as the last line.")
    var json = false

    static let k = 10

    func run() async throws {
        try CPUFeatures.check()
        BLASRuntime.setThreads(1)
        let threadCounts = threads.split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
        let probeCounts = nprobes.split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
        guard !threadCounts.isEmpty, !probeCounts.isEmpty else { throw ValidationError("--threads and --nprobes need positive numbers") }
        let (dataset, loadTiming) = try Timing.measure { try BenchDataset(directory: data) }
        BenchSupport.progress("N=\(dataset.base.rows) Q=\(dataset.queries.rows) d=\(dataset.base.cols) loaded in \(String(format: "%.1f", loadTiming.wall)) s")

        var flat: [String: Any] = [:]
        var ivf: [String: Any] = [:]
        var persist: [String: Any] = [:]
        for count in threadCounts {
            let (flatResult, flatIndex) = try measureFlat(dataset, threads: count)
            flat[String(count)] = flatResult
            BenchSupport.progress("[T=\(count)] flat: \(String(format: "%.0f", flatResult["qps"] as? Double ?? 0)) QPS")
            let (ivfResult, ivfIndex) = try measureIVF(dataset, threads: count, probes: probeCounts)
            ivf[String(count)] = ivfResult
            BenchSupport.progress("[T=\(count)] ivf trained in \(String(format: "%.1f", ivfResult["train_s"] as? Double ?? 0)) s")
            if count == threadCounts.last {
                persist = try measurePersistence(flat: flatIndex, ivf: ivfIndex)
            }
        }
        var ours: [String: Any] = [
            "N": dataset.base.rows, "Q": dataset.queries.rows, "d": dataset.base.cols, "k": Self.k,
            "load_s": loadTiming.wall, "flat": flat, "ivf": ivf, "persist": persist,
            "env": ["blas": BLASRuntime.configuration, "engine": "NexTraction VectorIndex", "nproc": Parallel.processorCount],
            "reps": reps, "lat_queries": latencyQueries,
        ]
        var peerResult: [String: Any]?
        if peer { peerResult = try runPeer() }
        print(BenchIndexReport(ours: ours, peer: peerResult).render())
        if json {
            ours["peer"] = peerResult ?? NSNull()
            try BenchSupport.printJSON(ours)
        }
    }

    // MARK: - Measurements

    private func measureFlat(_ dataset: BenchDataset, threads: Int) throws -> ([String: Any], FlatIndex) {
        var index = FlatIndex(dimension: dataset.base.cols)
        let (_, add) = try Timing.measure { try index.add(dataset.base, ids: dataset.ids) }
        let parameters = SearchParameters(threads: threads)
        let (results, batch) = try Timing.median(reps) { try index.search(dataset.queries, k: Self.k, parameters: parameters) }
        let latency = try measureLatency(dataset) { try index.search($0, k: Self.k, parameters: parameters) }
        var result: [String: Any] = ["add_s": add.wall, "recall10": dataset.recall(results)]
        result.merge(batchFigures(batch, queries: dataset.queries.rows)) { $1 }
        result.merge(latency) { $1 }
        return (result, index)
    }

    private func measureIVF(_ dataset: BenchDataset, threads: Int, probes: [Int]) throws -> ([String: Any], IVFIndex) {
        let n = dataset.base.rows, d = dataset.base.cols
        let nlist = IVFIndex.defaultListCount(for: n)
        let trainingCount = min(n, IVFIndex.trainingSize(nlist: nlist))
        var index = IVFIndex(dimension: d, nlist: nlist)
        index.kmeans.threads = threads
        let sample = Matrix(rows: trainingCount, cols: d, storage: Array(dataset.base.storage[0..<(trainingCount * d)]))
        let (_, train) = try Timing.measure { try index.train(sample) }
        let (_, add) = try Timing.measure { try index.add(dataset.base, ids: dataset.ids) }
        let sizes = index.listSizes.sorted()
        let qualityCount = min(n, 100_000)
        let quality = Matrix(rows: qualityCount, cols: d, storage: Array(dataset.base.storage[0..<(qualityCount * d)]))
        let bestScores = try index.nearestLists(quality, threads: threads).scores
        var perProbe: [String: Any] = [:]
        for nprobe in probes {
            let parameters = SearchParameters(nprobe: nprobe, threads: threads)
            let (results, batch) = try Timing.median(reps) { try index.search(dataset.queries, k: Self.k, parameters: parameters) }
            var figures: [String: Any] = ["recall10": dataset.recall(results), "ndis_per_query": results.scannedPerQuery]
            figures.merge(batchFigures(batch, queries: dataset.queries.rows)) { $1 }
            figures.merge(try measureLatency(dataset) { try index.search($0, k: Self.k, parameters: parameters) }) { $1 }
            perProbe[String(nprobe)] = figures
        }
        let result: [String: Any] = [
            "nlist": nlist, "ntrain": trainingCount, "kmeans_niter": index.kmeans.iterations, "spherical": true,
            "train_s": train.wall, "train_cpu_util": train.utilization, "train_cpu_s": train.cpu,
            "add_s": add.wall, "add_cpu_util": add.utilization, "add_cpu_s": add.cpu,
            "list_min": sizes.first ?? 0, "list_median": sizes.isEmpty ? 0 : Double(sizes[sizes.count / 2]),
            "list_max": sizes.last ?? 0, "empty_lists": sizes.filter { $0 == 0 }.count,
            "mean_centroid_ip": Double(bestScores.reduce(0, +)) / Double(max(bestScores.count, 1)),
            "nprobe": perProbe,
        ]
        return (result, index)
    }

    private func batchFigures(_ timing: Timing, queries: Int) -> [String: Any] {
        ["batch_s": timing.wall, "qps": Double(queries) / timing.wall, "cpu_util": timing.utilization,
         "batch_cpu_s": timing.cpu, "qps_per_cpu_s": Double(queries) / max(timing.cpu, 1e-9)]
    }

    /// Median / p90 wall and median CPU milliseconds of single-query searches.
    private func measureLatency(_ dataset: BenchDataset, _ search: (Matrix) throws -> SearchResults) throws -> [String: Any] {
        let count = min(latencyQueries, dataset.queries.rows)
        let single = (0..<count).map { Matrix(rows: 1, cols: dataset.queries.cols, storage: dataset.queries.row($0)) }
        for query in single.prefix(10) { _ = try search(query) }
        var walls: [Double] = [], cpus: [Double] = []
        for query in single {
            let (_, timing) = try Timing.measure { try search(query) }
            walls.append(timing.wall * 1000)
            cpus.append(timing.cpu * 1000)
        }
        return ["lat_med_ms": BenchSupport.percentile(walls, 0.5), "lat_p90_ms": BenchSupport.percentile(walls, 0.9),
                "lat_cpu_med_ms": BenchSupport.percentile(cpus, 0.5)]
    }

    /// Save both indexes as generation files and time opening them (mmap + full checksum).
    private func measurePersistence(flat: FlatIndex, ivf: IVFIndex) throws -> [String: Any] {
        let directory = URL(fileURLWithPath: data).appendingPathComponent("nextraction-index")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var result: [String: Any] = [:]
        for (name, index) in [("flat", AnyVectorIndex.flat(flat)), ("ivf", AnyVectorIndex.ivf(ivf))] {
            let path = directory.appendingPathComponent("\(name).nxi").path
            let (bytes, save) = try Timing.measure { try IndexFile.write(index, to: path) }
            let (_, open) = try Timing.measure { _ = try IndexFile.load(path) }
            let (_, openUnverified) = try Timing.measure { _ = try IndexFile.load(path, verifyChecksum: false) }
            result[name] = ["save_s": save.wall, "open_s": open.wall, "open_no_checksum_s": openUnverified.wall, "bytes": bytes]
            try? FileManager.default.removeItem(atPath: path)
        }
        return result
    }

    private func runPeer() throws -> [String: Any] {
        guard let shared = BenchSupport.sharedDirectory else {
            throw CLIError("--peer needs ../shared/bench/faiss_peer.py next to the repository")
        }
        let environment = PeerEnvironment(name: "venv-faiss", packages: ["numpy", "faiss-cpu", "hnswlib"])
        try environment.prepare()
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("faiss-peer-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: output) }
        BenchSupport.progress("running FAISS on the same files …")
        _ = try environment.runScript(
            shared.appendingPathComponent("bench/faiss_peer.py").path,
            arguments: ["--data", data, "--json", output.path, "--threads", threads, "--nprobes", nprobes,
                        "--reps", String(reps), "--lat-queries", String(latencyQueries),
                        "--hnsw-build-threads", peerHNSW ? "1,2" : "none"],
            lastLineJSON: false
        )
        guard let object = try JSONSerialization.jsonObject(with: Data(contentsOf: output)) as? [String: Any] else {
            throw CLIError("faiss_peer.py wrote no JSON object")
        }
        return object
    }
}

/// The vectors, queries and ground truth of a make_vectors.py data set.
struct BenchDataset {
    let base: Matrix
    let queries: Matrix
    let truth: [[Int64]]
    var ids: [Int64] { (0..<Int64(base.rows)).map { $0 } }

    init(directory: String) throws {
        let folder = URL(fileURLWithPath: directory)
        base = try VectorFiles.readFloats(folder.appendingPathComponent("base.fvecs").path)
        queries = try VectorFiles.readFloats(folder.appendingPathComponent("query.fvecs").path)
        let gt = try VectorFiles.readInts(folder.appendingPathComponent("groundtruth.ivecs").path)
        truth = (0..<gt.rows).map { row in (0..<BenchIndexCommand.k).map { Int64(gt.values[row * gt.dimension + $0]) } }
        guard truth.count == queries.rows, base.cols == queries.cols else {
            throw CLIError("\(directory): ground truth and queries do not match")
        }
    }

    /// recall@10 = mean |found ∩ truth| / 10 (−1 never matches).
    func recall(_ results: SearchResults) -> Double {
        var hits = 0
        for query in 0..<results.queryCount {
            let found = Set(results.ids(of: query).prefix(BenchIndexCommand.k))
            hits += truth[query].filter { found.contains($0) }.count
        }
        return Double(hits) / Double(results.queryCount * BenchIndexCommand.k)
    }
}
