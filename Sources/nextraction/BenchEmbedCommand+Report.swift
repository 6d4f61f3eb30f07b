import Foundation
import NexNumerics

extension BenchEmbedCommand {
    func report(
        ours: [Int: Figures], peer: [Int: Figures], peak: [Int: Double], documents: Int, tokens: Int, queries: Int,
        ourRSS: Double, peerRSS: Double?, peerVersions: [String: Any]?
    ) -> String {
        var table = TextTable(["threads", "engine", "docs/s", "tokens/s", "GFLOP/s", "% sgemm peak", "query p50 ms", "query p95 ms"])
        func cells(_ f: Figures, _ count: Int) -> [String] {
            [String(format: "%.1f", f.docsPerSecond), String(format: "%.0f", f.tokensPerSecond), String(format: "%.1f", f.gflops),
             String(format: "%.0f%%", 100 * f.gflops / (peak[count] ?? .infinity)),
             String(format: "%.2f", f.queryP50), String(format: "%.2f", f.queryP95)]
        }
        for count in ours.keys.sorted() {
            guard let mine = ours[count] else { continue }
            table.add(["\(count)", "NexTraction (Swift, BLAS)"] + cells(mine, count))
            if let theirs = peer[count] {
                table.add(["\(count)", "sentence-transformers (PyTorch)"] + cells(theirs, count))
                table.add(["\(count)", "ratio ours/peer",
                           String(format: "%.2f×", mine.docsPerSecond / theirs.docsPerSecond),
                           String(format: "%.2f×", mine.tokensPerSecond / theirs.tokensPerSecond),
                           String(format: "%.2f×", mine.gflops / theirs.gflops), "",
                           String(format: "%.2f×", theirs.queryP50 / mine.queryP50),
                           String(format: "%.2f×", theirs.queryP95 / mine.queryP95)])
            }
        }
        var lines = [
            "Embedding benchmark: all-MiniLM-L6-v2, \(documents) documents (\(tokens) tokens, ≤ 256 each), \(queries) queries ≤ 16 tokens",
            "",
            table.render(),
            "",
            "sgemm peak (1536³, our split over single-threaded BLAS): "
                + peak.keys.sorted().map { "\($0) thread(s) \(String(format: "%.1f", peak[$0] ?? 0)) GFLOP/s" }.joined(separator: ", "),
            "BLAS: \(BLASRuntime.configuration)",
            "peak RSS: ours \(String(format: "%.0f", ourRSS)) MiB" + (peerRSS.map { String(format: ", peer %.0f MiB", $0) } ?? ""),
        ]
        if let peerVersions {
            lines.append("peer: " + peerVersions.keys.sorted().map { "\($0) \(peerVersions[$0] ?? "")" }.joined(separator: ", "))
        }
        lines.append("query latency ratios are peer/ours (higher is better for us)")
        return lines.joined(separator: "\n")
    }

    func jsonReport(
        ours: [Int: Figures], peer: [Int: Figures], peak: [Int: Double], threadCounts: [Int],
        ourRSS: Double, peerRSS: Double?, tokens: Int
    ) -> [String: Any] {
        let top = threadCounts.max() ?? 1
        func entry(_ figures: Figures?, count: Int) -> [String: Any] {
            var object = figures?.json ?? [:]
            object["sgemm_gflops"] = BenchSupport.round(peak[count] ?? 0, 1)
            return object
        }
        var result = entry(ours[top], count: top)
        result["threads_used"] = top
        result["tokens"] = tokens
        result["peak_rss_mb"] = BenchSupport.round(ourRSS, 0)
        result["threads"] = Dictionary(uniqueKeysWithValues: threadCounts.map { (String($0), entry(ours[$0], count: $0)) })
        if peer.isEmpty {
            result["peer"] = NSNull()
        } else {
            var peerObject = entry(peer[top], count: top)
            peerObject["threads"] = Dictionary(uniqueKeysWithValues: threadCounts.compactMap { count in
                peer[count].map { (String(count), entry($0, count: count)) }
            })
            peerObject["peak_rss_mb"] = peerRSS.map { BenchSupport.round($0, 0) } ?? NSNull()
            result["peer"] = peerObject
            result["ratio_tokens_per_s"] = Dictionary(uniqueKeysWithValues: threadCounts.compactMap { count -> (String, Any)? in
                guard let a = ours[count], let b = peer[count] else { return nil }
                return (String(count), BenchSupport.round(a.tokensPerSecond / b.tokensPerSecond, 3))
            })
        }
        return result
    }
}
