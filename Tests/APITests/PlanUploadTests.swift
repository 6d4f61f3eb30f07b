import Foundation
import HTTPKit
import TestSupport
import Testing

/// Plan uploads that need no language model: JSON and multipart bodies, validation errors,
/// privacy, and the refusal to execute when no provider is configured.
@Suite("Plan uploads")
struct PlanUploadTests {
    static let plan = #"{"title": "Two steps", "steps": [{"id": "a", "prompt": "Say hi."}, {"id": "b", "prompt": "Say bye.", "depends_on": ["a"]}]}"#

    @Test("a multipart file upload is stored like a JSON body; invalid plans are 422; execution without a provider is 503")
    func uploads() async throws {
        try await withTestServer { api, _ in
            let alice = try await api.registered(email: "uploader@example.com")
            let boundary = "----nextraction-test-boundary"
            let multipart = "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"plan.json\"\r\n"
                + "Content-Type: application/json\r\n\r\n\(Self.plan)\r\n--\(boundary)--\r\n"
            let uploaded = try await alice.request("POST", "/plans", rawBody: Data(multipart.utf8),
                                                   headers: [.init("Content-Type", "multipart/form-data; boundary=\(boundary)")])
            #expect(uploaded.status == 201, "\(uploaded.text)")
            #expect(uploaded.string("title") == "Two steps")
            let id = try #require(uploaded.string("plan_id"))
            let shown = try await alice.get("/plans/\(id)")
            #expect(shown.value("plan.steps") as? [[String: Any]] != nil && shown.value("steps") as? Int == 2)
            #expect(try await alice.get("/plans").jsonArray?.count == 1)

            let broken = try await alice.request("POST", "/plans", rawBody: Data(#"{"title": "x", "steps": [{"id": "a"}]}"#.utf8))
            #expect(broken.status == 422 && broken.errorCode == "invalid_plan" && broken.text.contains("prompt"))
            let empty = try await alice.request("POST", "/plans", rawBody: Data("--x--".utf8),
                                                headers: [.init("Content-Type", "multipart/form-data; boundary=x")])
            #expect(empty.status == 400 && empty.errorCode == "invalid_upload")

            // No provider configured here: running is refused clearly, and the quota is untouched.
            let run = try await alice.post("/execute", json: ["plan_id": id, "workflow": "prod"])
            #expect(run.status == 503 && run.errorCode == "no_llm_provider")
            #expect(try await alice.post("/execute", json: ["plan_id": id, "workflow": "fast"]).status == 422)
            #expect(try await alice.get("/quota").value("used") as? Int == 0)
            #expect(try await alice.get("/providers").jsonArray?.isEmpty == true)
        }
    }
}
