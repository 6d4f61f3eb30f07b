import Foundation
import NexNumerics

extension BenchEmbedCommand {
    /// The comparisons the table ends with: ours against the peer a user would pick instead.
    static let comparisons = [("ours_int8", "ort_int8"), ("ours_fp32", "ort_fp32"), ("ours_fp32", "pytorch"), ("ours_int8", "ours_fp32")]

    func report(engines: [Engine], peak: [Int: Double], documents: Int, tokens: Int, queries: Int,
                ourRSS: Double, peerVersions: [String: Any]?) -> String {
        var table = TextTable(["threads", "engine", "docs/s", "tokens/s", "GFLOP/s", "% sgemm peak", "query p50 ms", "query p95 ms"])
        let threadCounts = Set(engines.flatMap(\.figures.keys)).sorted()
        let byKey = Dictionary(uniqueKeysWithValues: engines.map { ($0.key, $0) })
        for count in threadCounts {
            for engine in engines {
                guard let f = engine.figures[count] else { continue }
                table.add(["\(count)", engine.label, String(format: "%.1f", f.docsPerSecond), String(format: "%.0f", f.tokensPerSecond),
                           String(format: "%.1f", f.gflops), String(format: "%.0f%%", 100 * f.gflops / (peak[count] ?? .infinity)),
                           String(format: "%.2f", f.queryP50), String(format: "%.2f", f.queryP95)])
            }
            for (mine, theirs) in Self.comparisons {
                guard let a = byKey[mine]?.figures[count], let b = byKey[theirs]?.figures[count] else { continue }
                table.add(["\(count)", "ratio \(mine) / \(theirs)", String(format: "%.2f×", a.docsPerSecond / b.docsPerSecond),
                           String(format: "%.2f×", a.tokensPerSecond / b.tokensPerSecond), "", "",
                           String(format: "%.2f×", b.queryP50 / a.queryP50), String(format: "%.2f×", b.queryP95 / a.queryP95)])
            }
        }
        let rss = ["ours (both precisions loaded) \(String(format: "%.0f", ourRSS)) MiB"]
            + engines.compactMap { engine in engine.rss.map { "\(engine.key) \(String(format: "%.0f", $0)) MiB" } }
        var lines = [
            "Embedding benchmark: all-MiniLM-L6-v2, \(documents) documents (\(tokens) tokens, ≤ 256 each), \(queries) queries ≤ 16 tokens",
            "",
            table.render(),
            "",
            "sgemm peak (1536³, our split over single-threaded BLAS): "
                + peak.keys.sorted().map { "\($0) thread(s) \(String(format: "%.1f", peak[$0] ?? 0)) GFLOP/s" }.joined(separator: ", "),
            "BLAS: \(BLASRuntime.configuration)",
            "peak RSS: " + rss.joined(separator: ", "),
        ]
        if let peerVersions {
            lines.append("peers: " + peerVersions.keys.sorted().map { "\($0) \(peerVersions[$0] ?? "")" }.joined(separator: ", "))
        }
        lines.append("ratios: tokens/s ours/peer; query latency peer/ours (higher is better for the first)")
        return lines.joined(separator: "\n")
    }

    /// `{"engines": {key: {"threads": {"1": figures…}, "peak_rss_mb"}}, "ratio_tokens_per_s":
    /// {"ours_int8/ort_int8": {"1": r, "2": r}, …}, "ratio_query_p50": {…}, …}`.
    func jsonReport(engines: [Engine], peak: [Int: Double], threadCounts: [Int], ourRSS: Double, tokens: Int) -> [String: Any] {
        let byKey = Dictionary(uniqueKeysWithValues: engines.map { ($0.key, $0) })
        var result: [String: Any] = ["tokens": tokens, "peak_rss_mb": BenchSupport.round(ourRSS, 0),
                                     "sgemm_gflops": Dictionary(uniqueKeysWithValues: threadCounts.map { (String($0), BenchSupport.round(peak[$0] ?? 0, 1)) })]
        result["engines"] = Dictionary(uniqueKeysWithValues: engines.map { engine -> (String, Any) in
            var object: [String: Any] = ["threads": Dictionary(uniqueKeysWithValues: threadCounts.compactMap { count in
                engine.figures[count].map { (String(count), $0.json) }
            })]
            object["peak_rss_mb"] = engine.rss.map { BenchSupport.round($0, 0) } ?? NSNull()
            return (engine.key, object)
        })
        var tokensRatio: [String: Any] = [:], latencyRatio: [String: Any] = [:]
        for (mine, theirs) in Self.comparisons {
            var perThread: [String: Any] = [:], perThreadLatency: [String: Any] = [:]
            for count in threadCounts {
                guard let a = byKey[mine]?.figures[count], let b = byKey[theirs]?.figures[count] else { continue }
                perThread[String(count)] = BenchSupport.round(a.tokensPerSecond / b.tokensPerSecond, 3)
                perThreadLatency[String(count)] = BenchSupport.round(b.queryP50 / a.queryP50, 3)
            }
            if !perThread.isEmpty {
                tokensRatio["\(mine)/\(theirs)"] = perThread
                latencyRatio["\(theirs)/\(mine)"] = perThreadLatency
            }
        }
        result["ratio_tokens_per_s"] = tokensRatio
        result["ratio_query_p50"] = latencyRatio
        return result
    }
}
