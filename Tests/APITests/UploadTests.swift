import API
import Foundation
import HTTPKit
import TestSupport
import Testing

/// Uploaded documents over real HTTP with the real model: PDFs printed by Chromium (one
/// encrypted by qpdf, one cut short), Markdown with code and a table, a DOCX built here, plain
/// text — each answered with its page or heading, the unreadable ones refused one by one.
@Suite("Document uploads")
struct UploadTests {
    static let boundary = "----nextraction-upload-boundary"

    static func multipart(_ files: [(name: String, type: String, bytes: Data)]) -> Data {
        var body = Data()
        for file in files {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"files\"; filename=\"\(file.name)\"\r\n".utf8))
            body.append(Data("Content-Type: \(file.type)\r\n\r\n".utf8))
            body.append(file.bytes)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return body
    }

    static func upload(_ api: APIClient, _ collection: String, _ files: [(name: String, type: String, bytes: Data)]) async throws -> APIClient.Reply {
        try await api.request("POST", "/collections/\(collection)/documents", rawBody: multipart(files),
                              headers: [.init("Content-Type", "multipart/form-data; boundary=\(boundary)")])
    }

    static func handbook() throws -> Data {
        try DocumentFixtures.docx(title: "Lighthouse Keeper Handbook", body: """
            <w:p><w:pPr><w:pStyle w:val="berschrift1"/></w:pPr><w:r><w:t>Supplies kept at the lighthouse</w:t></w:r></w:p>
            <w:p><w:r><w:t>The store room holds what the keeper needs through a winter without a supply boat.</w:t></w:r></w:p>
            <w:tbl><w:tr><w:tc><w:p><w:r><w:t>Item</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Quantity</w:t></w:r></w:p></w:tc></w:tr>
            <w:tr><w:tc><w:p><w:r><w:t>Lamp oil</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>40 litres</w:t></w:r></w:p></w:tc></w:tr>
            <w:tr><w:tc><w:p><w:r><w:t>Spare wicks</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>12 boxes</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
            """)
    }

    @Test("readable files go in and are answered with their page or heading; encrypted, truncated and mistyped ones get their own error")
    func uploads() async throws {
        if let missing = DocumentFixtures.pdfToolsMissing {
            print("skipping the upload test: \(missing)")
            return
        }
        let directory = try TemporaryDirectory()
        let pdf = try DocumentFixtures.printPDF("harbor-manual.html", into: directory)
        let encrypted = try DocumentFixtures.encrypt(pdf, into: directory)
        try await withTestServer(configure: { config in
            config.maxUploadBytes = 200_000
        }, embedder: try TestModel.embedder()) { api, _ in
            let alice = try await api.registered(email: "uploads@example.com")
            let files: [(name: String, type: String, bytes: Data)] = [
                ("harbor-manual.pdf", "application/pdf", pdf),
                ("locked.pdf", "application/pdf", encrypted),
                ("cut-short.pdf", "application/pdf", pdf.prefix(pdf.count * 2 / 3)),
                ("not-really.pdf", "application/pdf", Data("plain words".utf8)),
                ("huge.txt", "text/plain", Data(String(repeating: "tide ", count: 50_000).utf8)),
                ("pump-notes.md", "text/markdown", try DocumentFixtures.fixture("pump-notes.md")),
                ("handbook.docx", "application/octet-stream", try Self.handbook()),
                ("ferry.txt", "text/plain", try DocumentFixtures.fixture("ferry-timetable.txt")),
            ]
            let reply = try await Self.upload(alice, "manuals", files)
            #expect(reply.status == 202, "\(reply.text)")
            let views = try #require(reply.json?["files"] as? [[String: Any]])
            let outcome = Dictionary(uniqueKeysWithValues: views.map {
                ($0["name"] as? String ?? "", ($0["status"] as? String ?? "") + "/" + ((($0["error"] as? [String: Any])?["code"] as? String) ?? ($0["type"] as? String ?? "")))
            })
            #expect(outcome == ["harbor-manual.pdf": "accepted/pdf", "locked.pdf": "rejected/encrypted", "cut-short.pdf": "rejected/damaged",
                                "not-really.pdf": "rejected/type_mismatch", "huge.txt": "rejected/too_large", "pump-notes.md": "accepted/markdown",
                                "handbook.docx": "accepted/docx", "ferry.txt": "accepted/text"], "\(reply.text)")
            let job = try await waitForJob(alice, try #require(reply.string("job_id")))
            #expect(job.string("status") == "completed" && job.string("kind") == "upload", "\(job.text)")
            #expect(job.value("progress.fetched") as? Int == 4 && job.value("progress.indexed") as? Int == 5, "2 PDF pages + 3 files: \(job.text)")
            #expect(job.value("max_pages") as? Int == 4 && (job.value("files") as? [String])?.first == "harbor-manual.pdf")

            // Each file answers its question, cited at its page or under its heading.
            let questions: [(String, String, String, String)] = [
                ("How long do I hold the amber button to reset the photocell relay?", "upload:harbor-manual.pdf#page=2", "nine seconds", "Beacon does not flash"),
                ("What is the flow rate of pump B?", "upload:pump-notes.md", "310 litres per second", "Pump ratings"),
                ("How much lamp oil is kept in the store room?", "upload:handbook.docx", "40 litres", "Supplies kept at the lighthouse"),
                ("Do bicycles cost extra on the Kestrel ferry?", "upload:ferry.txt", "free", ""),
            ]
            for (question, url, term, heading) in questions {
                let answer = try await alice.post("/ask", json: ["question": question, "collection": "manuals"])
                let citations = (answer.json?["citations"] as? [[String: Any]]) ?? []
                let cited = citations.first { $0["url"] as? String == url }
                #expect(cited != nil, "\(question) → \(answer.text)")
                #expect((answer.string("answer") ?? "").contains(term), "\(question) → \(answer.string("answer") ?? "")")
                if !heading.isEmpty { #expect((cited?["heading"] as? String ?? "").contains(heading), "\(cited ?? [:])") }
            }

            // The same files again: nothing is embedded.
            let again = try await Self.upload(alice, "manuals", [files[0], files[5]])
            let second = try await waitForJob(alice, try #require(again.string("job_id")))
            #expect(second.string("status") == "completed" && second.value("progress.chunks") as? Int == 0
                    && second.value("progress.unchanged") as? Int == 3, "\(second.text)")
            let log = try await alice.get("/jobs/\(try #require(job.string("id")))/pages")
            #expect(log.status == 200 && (log.json?["total"] as? Int ?? 0) >= 5, "\(log.text)")

            // The collection lists its files; removing one removes all its pages from the answers.
            let listed = try #require((try await alice.get("/collections")).jsonArray?.first?["files"] as? [[String: Any]])
            #expect(listed.map { "\($0["name"] ?? "")/\($0["pages"] ?? "")" } == ["ferry.txt/1", "handbook.docx/1", "harbor-manual.pdf/2", "pump-notes.md/1"])
            #expect(try await alice.request("DELETE", "/collections/manuals/files/harbor-manual.pdf").status == 204)
            #expect(try await alice.request("DELETE", "/collections/manuals/files/harbor-manual.pdf").status == 404)
            let gone = try await alice.post("/ask", json: ["question": questions[0].0, "collection": "manuals"])
            #expect(!gone.text.contains("harbor-manual.pdf") && !(gone.string("answer") ?? "").contains("nine seconds"), "\(gone.text)")
        }
    }

    @Test("requests that are not uploads get a clear 4xx and queue nothing")
    func refusals() async throws {
        try await withTestServer(configure: { config in
            config.maxUploadRequestBytes = 100_000
        }, embedder: try TestModel.embedder()) { api, _ in
            let alice = try await api.registered(email: "refusals@example.com")
            let json = try await alice.request("POST", "/collections/c/documents", rawBody: Data("{}".utf8))
            #expect(json.status == 415 && json.errorCode == "unsupported_media_type", "\(json.text)")
            let noFiles = try await alice.request("POST", "/collections/c/documents",
                                                  rawBody: Data("--b\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--b--\r\n".utf8),
                                                  headers: [.init("Content-Type", "multipart/form-data; boundary=b")])
            #expect(noFiles.status == 422 && noFiles.errorCode == "no_files", "\(noFiles.text)")
            let malformed = try await alice.request("POST", "/collections/c/documents", rawBody: Data("--b\r\nno headers end".utf8),
                                                    headers: [.init("Content-Type", "multipart/form-data; boundary=b")])
            #expect(malformed.status == 400 && malformed.errorCode == "malformed_multipart", "\(malformed.text)")
            let big = try await Self.upload(alice, "c", [("big.txt", "text/plain", Data(repeating: 0x61, count: 150_000))])
            #expect(big.status == 413 && big.errorCode == "payload_too_large", "\(big.text)")
            let unreadable = try await Self.upload(alice, "c", [("photo.png", "image/png", Data([0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 1]))])
            #expect(unreadable.status == 422 && unreadable.errorCode == "no_readable_files" && unreadable.text.contains("photo.png"), "\(unreadable.text)")
            let badName = try await Self.upload(alice, "a/b", [("a.txt", "text/plain", Data("x".utf8))])
            #expect(badName.status == 404 || badName.status == 422, "\(badName.text)")
            #expect(try await alice.get("/jobs").jsonArray?.isEmpty == true, "no job was queued")
        }
    }
}
