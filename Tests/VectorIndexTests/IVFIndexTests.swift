import NexNumerics
import Testing
import VectorIndex

@Suite("IVF index")
struct IVFIndexTests {
    /// 20k seeded clustered vectors (d = 64, 100 clusters, noise 0.5 per axis), 200 queries, nlist = 4·√N ≈ 566.
    static let base = clusteredVectors(count: 20_000, dimension: 64, clusters: 100, spread: 0.5, seed: 11)
    static let queries = clusteredVectors(count: 200, dimension: 64, clusters: 100, spread: 0.5, seed: 12)

    func trained() throws -> (IVFIndex, FlatIndex) {
        let ids = (0..<Int64(Self.base.rows)).map { $0 }
        var ivf = IVFIndex(dimension: 64, nlist: IVFIndex.defaultListCount(for: Self.base.rows))
        try ivf.train(Self.base)
        try ivf.add(Self.base, ids: ids)
        var flat = FlatIndex(dimension: 64)
        try flat.add(Self.base, ids: ids)
        return (ivf, flat)
    }

    @Test("recall@10 against flat on a seeded clustered set: nprobe 1 ≈ 0.225, nprobe 16 ≈ 0.923, all lists = 1.0")
    func recallAgainstFlat() throws {
        let (ivf, flat) = try trained()
        #expect(ivf.nlist == 566)
        let truth = try flat.search(Self.queries, k: 10, parameters: .init())
        let exact = (0..<truth.queryCount).map { Array(truth.ids(of: $0)) }
        let r1 = recall(try ivf.search(Self.queries, k: 10, parameters: SearchParameters(nprobe: 1)), truth: exact, k: 10)
        let r16 = recall(try ivf.search(Self.queries, k: 10, parameters: SearchParameters(nprobe: 16)), truth: exact, k: 10)
        let all = recall(try ivf.search(Self.queries, k: 10, parameters: SearchParameters(nprobe: ivf.nlist)), truth: exact, k: 10)
        // Expected values measured on this seeded set; small slack for BLAS rounding on other CPUs.
        #expect(abs(r1 - 0.225) < 0.03, "nprobe 1 recall \(r1)")
        #expect(abs(r16 - 0.923) < 0.02, "nprobe 16 recall \(r16)")
        #expect(all == 1.0)
        // More probes scan more vectors.
        let scanned1 = try ivf.search(Self.queries, k: 10, parameters: SearchParameters(nprobe: 1)).scannedPerQuery
        let scanned16 = try ivf.search(Self.queries, k: 10, parameters: SearchParameters(nprobe: 16)).scannedPerQuery
        #expect(scanned1 < scanned16 && scanned16 < Double(Self.base.rows))
    }

    @Test("single-query and batched searches agree, with 1 and 2 threads")
    func singleMatchesBatch() throws {
        let (ivf, _) = try trained()
        let batch = try ivf.search(Self.queries, k: 10, parameters: SearchParameters(nprobe: 8, threads: 2))
        for q in stride(from: 0, to: 200, by: 37) {
            let single = try ivf.search(Matrix(rows: 1, cols: 64, storage: Self.queries.row(q)), k: 10,
                                        parameters: SearchParameters(nprobe: 8, threads: 1))
            #expect(Array(single.ids(of: 0)) == Array(batch.ids(of: q)))
        }
    }

    @Test("adding before training throws; remove works across segments; k > count pads")
    func lifecycle() throws {
        var ivf = IVFIndex(dimension: 64, nlist: 8)
        #expect(throws: VectorIndexError.notTrained) { try ivf.add(Self.queries, ids: (0..<200).map { Int64($0) }) }
        #expect(throws: VectorIndexError.trainingSetTooSmall(vectors: 4, needed: 8)) {
            try ivf.train(Matrix(rows: 4, cols: 64, storage: Array(Self.queries.storage[0..<256])))
        }
        try ivf.train(Self.queries)
        try ivf.add(Self.queries, ids: (0..<200).map { Int64($0) })
        try ivf.add(Matrix(rows: 1, cols: 64, storage: Self.queries.row(0)), ids: [1000])
        #expect(ivf.count == 201 && ivf.listSizes.reduce(0, +) == 201)
        #expect(try ivf.remove([0, 1000, 5]) == 3)
        let result = try ivf.search(Matrix(rows: 1, cols: 64, storage: Self.queries.row(0)), k: 300, parameters: SearchParameters(nprobe: 8))
        let found = result.ids.filter { $0 >= 0 }
        #expect(found.count == 198)
        #expect(!found.contains(0) && !found.contains(1000) && !found.contains(5))
        #expect(result.ids.suffix(102).allSatisfy { $0 == -1 })
        #expect(throws: VectorIndexError.dimensionMismatch(expected: 64, got: 3)) {
            try ivf.search(Matrix(rows: 1, cols: 3, storage: [1, 0, 0]), k: 1, parameters: .init())
        }
    }

    @Test("spherical k-means finds well-separated clusters and repairs empty clusters")
    func kmeans() throws {
        // Three tight groups of points around orthogonal axes.
        let points = clusteredVectors(count: 600, dimension: 3, clusters: 3, spread: 0.05, seed: 5)
        var kmeans = SphericalKMeans(clusters: 3)
        kmeans.iterations = 15
        let result = try kmeans.train(points)
        #expect(result.objective.last ?? 0 > 0.99)
        #expect(result.objective.last ?? 0 >= result.objective.first ?? 1)
        // More clusters than distinct directions: empty clusters get split off, none stays empty.
        let many = try SphericalKMeans(clusters: 12).train(points)
        for row in 0..<12 { #expect(abs(Vector.norm(many.centroids.row(row)) - 1) < 1e-4) }
    }
}
