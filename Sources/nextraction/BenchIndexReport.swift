import Foundation

/// Prints `bench index` results in the layout of `faiss_peer.py`'s tables, ours and the
/// peer's rows side by side with their ratios.
struct BenchIndexReport {
    let ours: [String: Any]
    let peer: [String: Any]?

    private func number(_ object: Any?, _ key: String) -> Double {
        guard let dictionary = object as? [String: Any] else { return .nan }
        if let value = dictionary[key] as? Double { return value }
        if let value = dictionary[key] as? Int { return Double(value) }
        return .nan
    }

    private func entry(_ root: [String: Any]?, _ section: String, _ threads: String) -> [String: Any]? {
        (root?[section] as? [String: Any])?[threads] as? [String: Any]
    }

    func render() -> String {
        var lines: [String] = []
        let n = number(ours, "N"), q = number(ours, "Q"), d = number(ours, "d")
        lines.append("== N=\(Int(n)) Q=\(Int(q)) d=\(Int(d)) k=10 ==  (QPS/cpu = queries per process-CPU-second; 1q = single query)")
        let threads = ((ours["flat"] as? [String: Any])?.keys.sorted { Int($0) ?? 0 < Int($1) ?? 0 }) ?? []

        var flat = TextTable(["Flat IP", "thr", "add_s", "batch_s", "QPS", "QPS/cpu", "cpu_util", "1q_ms", "1q_cpu_ms", "R@10"])
        for t in threads {
            for (name, root) in [("NexTraction", ours), ("FAISS", peer)] {
                guard let r = entry(root, "flat", t) else { continue }
                flat.add([name, t, f(r, "add_s", 2), f(r, "batch_s", 3), f(r, "qps", 0), f(r, "qps_per_cpu_s", 0),
                          f(r, "cpu_util", 2), f(r, "lat_med_ms", 3), f(r, "lat_cpu_med_ms", 3), f(r, "recall10", 4)])
            }
            if let a = entry(ours, "flat", t), let b = entry(peer, "flat", t) {
                flat.add(["ratio ours/FAISS", t, "", "", ratio(a, b, "qps"), ratio(a, b, "qps_per_cpu_s"), "",
                          inverse(a, b, "lat_med_ms"), inverse(a, b, "lat_cpu_med_ms"), ""])
            }
        }
        lines += ["", flat.render()]

        for t in threads {
            guard let mine = entry(ours, "ivf", t) else { continue }
            let theirs = entry(peer, "ivf", t)
            var header = "IVF-Flat thr=\(t) nlist=\(Int(number(mine, "nlist"))) ntrain=\(Int(number(mine, "ntrain")))"
            header += "  NexTraction: train \(f(mine, "train_s", 1))s (cpu \(f(mine, "train_cpu_s", 1))s) add \(f(mine, "add_s", 1))s"
            header += ", lists min/med/max \(Int(number(mine, "list_min")))/\(Int(number(mine, "list_median")))/\(Int(number(mine, "list_max")))"
            header += ", mean centroid IP \(f(mine, "mean_centroid_ip", 4))"
            if let theirs {
                header += "\n  FAISS: train \(f(theirs, "train_s", 1))s (cpu \(f(theirs, "train_cpu_s", 1))s) add \(f(theirs, "add_s", 1))s"
                header += ", lists min/med/max \(Int(number(theirs, "list_min")))/\(Int(number(theirs, "list_median")))/\(Int(number(theirs, "list_max")))"
                header += ", mean centroid IP \(f(theirs, "mean_centroid_ip", 4))"
                let ourBuild = number(mine, "train_s") + number(mine, "add_s")
                let theirBuild = number(theirs, "train_s") + number(theirs, "add_s")
                header += "\n  train+add ours/FAISS: \(String(format: "%.2f×", ourBuild / theirBuild)) (target ≤ 1.5×)"
            }
            lines += ["", header]
            var table = TextTable(["nprobe", "engine", "R@10", "ndis/q", "QPS", "QPS/cpu", "1q_ms", "1q_cpu_ms", "QPS ours/FAISS"])
            let probes = ((mine["nprobe"] as? [String: Any])?.keys.sorted { Int($0) ?? 0 < Int($1) ?? 0 }) ?? []
            for p in probes {
                let a = (mine["nprobe"] as? [String: Any])?[p] as? [String: Any]
                let b = (theirs?["nprobe"] as? [String: Any])?[p] as? [String: Any]
                for (name, r) in [("NexTraction", a), ("FAISS", b)] {
                    guard let r else { continue }
                    table.add([p, name, f(r, "recall10", 4), f(r, "ndis_per_query", 0), f(r, "qps", 0), f(r, "qps_per_cpu_s", 0),
                               f(r, "lat_med_ms", 3), f(r, "lat_cpu_med_ms", 3),
                               name == "FAISS" && a != nil ? ratio(a ?? [:], r, "qps") : ""])
                }
            }
            lines.append(table.render())
        }
        if let persist = ours["persist"] as? [String: Any] {
            lines.append("")
            for kind in ["flat", "ivf"] {
                guard let p = persist[kind] as? [String: Any] else { continue }
                lines.append("persist \(kind): \(String(format: "%.0f", number(p, "bytes") / 1_048_576)) MiB, save \(f(p, "save_s", 2))s, "
                             + "open (mmap + full checksum) \(f(p, "open_s", 3))s, open without checksum \(f(p, "open_no_checksum_s", 4))s")
            }
        }
        if let env = ours["env"] as? [String: Any] { lines.append("BLAS: \(env["blas"] ?? "")") }
        if let peerEnv = peer?["env"] as? [String: Any] {
            lines.append("peer: faiss \(peerEnv["faiss"] ?? "?") (\(peerEnv["faiss_opts"] ?? "")), load average \(peerEnv["loadavg_start"] ?? "")")
        }
        return lines.joined(separator: "\n")
    }

    private func f(_ object: [String: Any], _ key: String, _ digits: Int) -> String {
        let value = number(object, key)
        return value.isNaN ? "-" : String(format: "%.\(digits)f", value)
    }

    private func ratio(_ a: [String: Any], _ b: [String: Any], _ key: String) -> String {
        String(format: "%.2f×", number(a, key) / number(b, key))
    }

    /// For latencies: the peer's over ours (above 1 means we are faster).
    private func inverse(_ a: [String: Any], _ b: [String: Any], _ key: String) -> String {
        String(format: "%.2f× faster", number(b, key) / number(a, key))
    }
}
