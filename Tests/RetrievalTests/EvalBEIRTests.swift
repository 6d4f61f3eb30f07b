import Foundation
import TestSupport
import Testing

@Suite("eval beir")
struct EvalBEIRTests {
    /// A five-document BEIR folder whose BM25 ranking is unambiguous.
    func makeFolder() throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory(prefix: "beir")
        let corpus = [
            ["_id": "d1", "title": "Zebra stripes", "text": "Zebras have black and white stripes. Zebra stripes deter biting flies."],
            ["_id": "d2", "title": "Giraffe necks", "text": "Giraffes have long necks to reach high leaves."],
            ["_id": "d3", "title": "Savanna animals", "text": "A zebra grazes on the savanna beside antelopes."],
            ["_id": "d4", "title": "Ocean tides", "text": "The moon pulls the oceans and causes tides twice a day."],
            ["_id": "d5", "title": "Volcanoes", "text": "Volcanoes erupt molten rock from deep below the crust."],
        ]
        let queries = [["_id": "q1", "text": "zebra stripes"], ["_id": "q2", "text": "ocean tides moon"], ["_id": "q9", "text": "unjudged"]]
        func lines(_ objects: [[String: String]]) throws -> String {
            try objects.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }.joined(separator: "\n") + "\n"
        }
        try lines(corpus).write(toFile: folder.appending("corpus.jsonl"), atomically: true, encoding: .utf8)
        try lines(queries).write(toFile: folder.appending("queries.jsonl"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: folder.appending("qrels"), withIntermediateDirectories: true)
        try "query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td3\t1\nq2\td4\t1\nq2\td5\t1\n"
            .write(toFile: folder.appending("qrels/test.tsv"), atomically: true, encoding: .utf8)
        return folder
    }

    @Test("BM25 metrics on a tiny folder equal the hand-computed values; dense and hybrid run too")
    func tinyFolder() throws {
        let folder = try makeFolder()
        let cache = try TemporaryDirectory(prefix: "beir-cache")
        let run = try runCLI(["eval", "beir", folder.path, "--split", "test", "--mode", "all", "--json", "--cache", cache.path,
                              "--model-dir", TestModel.directory])
        #expect(run.status == 0, "\(run.output)")
        let last = try #require(run.output.split(separator: "\n").last)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        let bm25 = try #require(report["bm25"] as? [String: Double])
        // q1 "zebra stripes": BM25 ranks d1 (grade 2) then d3 (grade 1): ideal order, nDCG 1, recall 1, RR 1.
        // q2 "ocean tides moon": only d4 matches; d5 (relevant) shares no word. DCG = 1/log2(2) = 1,
        //    ideal DCG = 1 + 1/log2(3), so nDCG = 1 / (1 + 1/log2 3); recall 1/2; RR 1.
        let q2 = 1 / (1 + 1 / log2(3.0))
        #expect(abs((bm25["ndcg@10"] ?? 0) - (1 + q2) / 2) < 1e-4, "\(bm25)")
        #expect(abs((bm25["recall@100"] ?? 0) - 0.75) < 1e-4)
        #expect(abs((bm25["mrr@10"] ?? 0) - 1.0) < 1e-4)
        #expect(report["queries"] as? Int == 2)
        for mode in ["dense", "hybrid"] {
            let scores = try #require(report[mode] as? [String: Double])
            // Five documents and 100 cut-off: dense retrieval returns them all.
            #expect(scores["recall@100"] == 1.0)
            #expect((scores["ndcg@10"] ?? 0) > 0.5)
        }
    }
}
