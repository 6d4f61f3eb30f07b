import Foundation
import TextKit

/// A BEIR-format folder: `corpus.jsonl` ({"_id","title","text"}), `queries.jsonl`
/// ({"_id","text"}) and `qrels/<split>.tsv` (query-id, corpus-id, score; with a header line).
struct BEIRDataset {
    struct Document {
        var id: String
        var title: String
        var text: String
    }

    var documents: [Document]
    var queries: [String: String]
    /// query id → (document id → relevance grade) for the chosen split.
    var qrels: [String: [String: Int]]

    init(directory: String, split: String) throws {
        let folder = URL(fileURLWithPath: directory)
        documents = []
        let corpus = try LineReader(path: folder.appendingPathComponent("corpus.jsonl").path)
        while let line = corpus.next() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let id = object["_id"].map({ "\($0)" }) else { continue }
            documents.append(Document(id: id, title: object["title"] as? String ?? "", text: object["text"] as? String ?? ""))
        }
        queries = [:]
        let queryLines = try LineReader(path: folder.appendingPathComponent("queries.jsonl").path)
        while let line = queryLines.next() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let id = object["_id"].map({ "\($0)" }), let text = object["text"] as? String else { continue }
            queries[id] = text
        }
        qrels = [:]
        let qrelLines = try LineReader(path: folder.appendingPathComponent("qrels/\(split).tsv").path)
        while let line = qrelLines.next() {
            let fields = line.split(separator: "\t").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 3, let grade = Int(fields[2]) else { continue }   // skips the header
            qrels[fields[0], default: [:]][fields[1]] = grade
        }
        guard !documents.isEmpty, !qrels.isEmpty else { throw CLIError("\(directory) has no corpus or no \(split) qrels") }
    }

    /// A short, stable fingerprint of the corpus (names the embedding cache).
    var fingerprint: String {
        let summary = "\(documents.count)|" + documents.map { "\($0.id):\($0.title.count):\($0.text.count)" }.joined(separator: ",")
        return String(ContentHash.sha256(summary).prefix(16))
    }
}
