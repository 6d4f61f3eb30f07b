import Foundation

/// Every route with its operation: parameters, body, success and the errors it can give.
extension OpenAPIDocument {
    static func paths() -> JSON {
        let sse = "text/event-stream"
        let operations: [(String, String, Operation)] = [
            ("/health", "get", Operation(summary: "Liveness", protected: false,
                                         success: ("200", "Alive", jsonContent(ref("Status"))))),
            ("/ready", "get", Operation(summary: "Readiness (database reachable, embedding model loaded)", protected: false,
                                        success: ("200", "Ready", jsonContent(ref("Status"))),
                                        otherResponses: ["503": ["description": "Not ready: the database cannot be reached or the model is missing",
                                                                 "content": jsonContent(ref("Status"))]])),
            ("/metrics", "get", Operation(summary: "Prometheus metrics", protected: false,
                                          success: ("200", "Prometheus text exposition", ["text/plain": ["schema": string]]))),
            ("/openapi.json", "get", Operation(summary: "This document", protected: false,
                                               success: ("200", "OpenAPI 3.1", jsonContent(["type": "object"])))),
            ("/auth/register", "post", Operation(
                summary: "Create an account and a session", protected: false, body: jsonContent(ref("Credentials")),
                success: ("201", "Created", jsonContent(ref("Session"))),
                errors: [409: "The email is taken (in any case)", 422: "Invalid email, or a password that is too short, too long or holds NUL",
                         429: "Too many registrations from this address; see Retry-After"])),
            ("/auth/login", "post", Operation(
                summary: "Start a session", protected: false, body: jsonContent(ref("Credentials")),
                success: ("200", "Signed in", jsonContent(ref("Session"))),
                errors: [401: "Wrong email or password (the same answer for both)",
                         429: "Too many failed logins for this account or from this address; see Retry-After"])),
            ("/auth/logout", "post", Operation(summary: "Revoke the presented session token", success: ("204", "Revoked", nil),
                                               errors: [400: "Called with an API key (revoke it with DELETE /auth/keys/{id})"])),
            ("/auth/me", "get", Operation(summary: "The signed-in user", success: ("200", "User", jsonContent(ref("Me"))))),
            ("/auth/keys", "post", Operation(
                summary: "Create an API key (the key is in this response only)", body: jsonContent(ref("KeyRequest")),
                success: ("201", "Created", jsonContent(ref("CreatedAPIKey"))),
                errors: [403: "Called with an API key: keys are managed with a login session",
                         409: "The account has 50 keys already", 422: "Empty name, no or unknown scope, expiry out of range"])),
            ("/auth/keys", "get", Operation(
                summary: "The user's API keys (never the keys themselves)",
                success: ("200", "Keys", jsonContent(object(["keys": array(ref("APIKey"))], required: ["keys"]))),
                errors: [403: "Called with an API key: keys are managed with a login session"])),
            ("/auth/keys/{id}", "delete", Operation(
                summary: "Revoke an API key (at once, on every server)", parameters: [pathParameter("id")],
                success: ("204", "Revoked", nil),
                errors: [403: "Called with an API key: keys are managed with a login session", 404: "No such key of this user"])),
            ("/ingest", "post", Operation(
                summary: "Queue a crawl of a site into a collection", body: jsonContent(ref("IngestRequest")),
                success: ("202", "Queued", jsonContent(ref("JobAccepted"))),
                errors: [422: "Invalid URL (scheme, host, a literal private address), collection name or limits",
                         503: "The embedding model is not loaded"])),
            ("/jobs", "get", Operation(summary: "The user's jobs, newest first",
                                       success: ("200", "Jobs", jsonContent(array(ref("Job")))))),
            ("/jobs/{id}", "get", Operation(summary: "One job with live progress", parameters: [pathParameter("id")],
                                            success: ("200", "Job", jsonContent(ref("Job"))), errors: [404: "No such job of this user"])),
            ("/jobs/{id}/pages", "get", Operation(
                summary: "The job's per-URL log (fetched, unchanged, skipped, failed, removed, with reasons)",
                parameters: [pathParameter("id"), queryParameter("offset", ["type": "integer", "minimum": 0, "maximum": Int(Int32.max), "default": 0]),
                             queryParameter("limit", integer(1...500, default: 100)),
                             queryParameter("status", strings(["fetched", "unchanged", "skipped", "failed", "removed"]))],
                success: ("200", "One page of the log", jsonContent(ref("JobPages"))), errors: [404: "No such job of this user"])),
            ("/jobs/{id}", "delete", Operation(summary: "Clear a finished job and its page log from the list (its pages stay)",
                                               parameters: [pathParameter("id")], success: ("204", "Cleared", nil),
                                               errors: [404: "No such job of this user", 409: "The job is still queued or running"])),
            ("/jobs/{id}/cancel", "post", Operation(summary: "Cancel a queued or running job", parameters: [pathParameter("id")],
                                                    success: ("202", "Cancellation requested", jsonContent(ref("Job"))),
                                                    errors: [404: "No such job of this user"])),
            ("/collections/{name}/sync", "post", Operation(
                summary: "Re-sync every source of the collection now (incremental: unchanged pages are not re-embedded, gone ones removed)",
                parameters: [pathParameter("name")],
                success: ("202", "Jobs queued", jsonContent(object(["job_ids": array(string)], required: ["job_ids"]))),
                errors: [404: "No such collection of this user", 409: "The collection has no source yet", 503: "The embedding model is not loaded"])),
            ("/collections/{name}/documents", "post", Operation(
                summary: "Upload documents into a collection (PDF, DOCX, Markdown, HTML, text; type decided by content): "
                    + "the readable files are queued as one job, each file is accepted or rejected with its reason",
                parameters: [pathParameter("name")],
                body: ["multipart/form-data": ["schema": object(["files": array(["type": "string", "contentMediaType": "application/octet-stream"])],
                                                                required: ["files"])]],
                success: ("202", "Queued (PDF pages are cited as upload:file.pdf#page=N, other files as upload:name)",
                          jsonContent(object([
                              "job_id": string, "status": string,
                              "files": array(object([
                                  "name": string, "type": strings(["pdf", "docx", "markdown", "html", "text"]), "bytes": integer,
                                  "status": strings(["accepted", "rejected"]),
                                  "error": object(["code": string, "message": string], required: ["code", "message"]),
                              ], required: ["name", "bytes", "status"])),
                          ], required: ["job_id", "status", "files"]))),
                errors: [400: "A malformed multipart body", 413: "The request is over NEX_MAX_UPLOAD_TOTAL",
                         415: "Not multipart/form-data",
                         422: "No file parts, more than 20, a bad collection name, or no file that can be read (each reason given)",
                         503: "The embedding model is not loaded"])),
            ("/collections/{name}/files/{file}", "delete", Operation(
                summary: "Remove an uploaded file (all its pages) from the collection and its index (the name percent-encoded)",
                parameters: [pathParameter("name"), pathParameter("file")], success: ("204", "Removed", nil),
                errors: [404: "No such collection of this user, or no uploaded file of that name in it"])),
            ("/collections/{name}/chunks/{id}", "get", Operation(
                summary: "A passage (a citation's or source's chunk_id) in its page's context: the chunk with its neighbours",
                parameters: [pathParameter("name"), pathParameter("id"), queryParameter("around", integer(0...5, default: 1))],
                success: ("200", "The passage", jsonContent(object([
                    "url": string, "title": string, "chunk_id": integer,
                    "chunks": array(object(["chunk_id": integer, "heading": string, "text": string, "target": boolean],
                                           required: ["chunk_id", "heading", "text", "target"])),
                ], required: ["url", "title", "chunk_id", "chunks"]))),
                errors: [404: "No such collection of this user, or no such chunk in it"])),
            ("/conversations", "get", Operation(
                summary: "The user's conversations, most recently used first",
                parameters: [queryParameter("limit", integer(1...200, default: 50))],
                success: ("200", "Conversations", jsonContent(array(ref("Conversation")))))),
            ("/conversations/{id}", "get", Operation(summary: "A conversation with its turns (question, answer, citations, sources)",
                                                     parameters: [pathParameter("id")],
                                                     success: ("200", "Conversation", jsonContent(ref("ConversationDetail"))),
                                                     errors: [404: "No such conversation of this user"])),
            ("/conversations/{id}", "delete", Operation(summary: "Delete a conversation", parameters: [pathParameter("id")],
                                                        success: ("204", "Deleted", nil), errors: [404: "No such conversation of this user"])),
            ("/collections", "get", Operation(summary: "The user's collections with document and chunk counts",
                                              success: ("200", "Collections", jsonContent(array(ref("Collection")))))),
            ("/collections/{name}", "delete", Operation(
                summary: "Delete a collection with its documents and index (the name percent-encoded)", parameters: [pathParameter("name")],
                success: ("204", "Deleted", nil), errors: [404: "No such collection of this user"])),
            ("/ask", "post", Operation(
                summary: "Answer a question from a collection, with citations and source pages",
                body: jsonContent(ref("AskRequest")),
                success: ("200", "The answer as JSON, or with `stream: true` or `Accept: text/event-stream` a stream of server-sent "
                          + "events: `sources` (the pages), `citations`, `answer` (text deltas), then `done` (the whole Answer object)",
                          ["application/json": ["schema": ref("Answer")], sse: ["schema": ["type": "string", "description": "SSE frames"]]]),
                errors: [404: "No such collection or conversation of this user",
                         409: "`precision_mismatch`: the collection was embedded in another precision than the server's (NEX_EMBED_PRECISION)",
                         422: "Empty or too long question, top_k or mode out of range",
                         429: "Too many questions per minute, or the generation quota is used up; see Retry-After",
                         503: "The embedding model is not loaded"])),
            ("/search", "get", Operation(
                summary: "Ranked chunks, page by page, with dense, lexical and fused scores",
                parameters: [queryParameter("q", ["type": "string", "minLength": 1, "maxLength": 2000], required: true),
                             queryParameter("collection", ["type": "string", "default": "default"]),
                             queryParameter("k", integer(1...100, default: 10))],
                success: ("200", "Results", jsonContent(ref("SearchResults"))),
                errors: [404: "No such collection of this user",
                         409: "`precision_mismatch`: the collection was embedded in another precision than the server's (NEX_EMBED_PRECISION)",
                         429: "Too many questions per minute; see Retry-After", 503: "The embedding model is not loaded"])),
            ("/plans", "post", Operation(
                summary: "Store a validated plan (a JSON body, or the first file of a multipart/form-data upload)",
                body: ["application/json": ["schema": ref("Plan")],
                       "multipart/form-data": ["schema": object(["file": ["type": "string", "contentMediaType": "application/json"]])]],
                success: ("201", "Stored", jsonContent(ref("PlanCreated"))),
                errors: [400: "The body or the upload is not a JSON plan", 422: "The plan is invalid (ids, unknown dependencies, cycles, sizes)"])),
            ("/plans", "get", Operation(summary: "The user's plans", success: ("200", "Plans", jsonContent(array(ref("PlanSummary")))))),
            ("/plans/{id}", "get", Operation(summary: "One plan, with its body", parameters: [pathParameter("id")],
                                             success: ("200", "Plan", jsonContent(ref("PlanSummary"))), errors: [404: "No such plan of this user"])),
            ("/plans/{id}", "delete", Operation(summary: "Delete a plan", parameters: [pathParameter("id")],
                                                success: ("204", "Deleted", nil), errors: [404: "No such plan of this user"])),
            ("/execute", "post", Operation(
                summary: "Run a plan (by plan_id or inline) with the proto or prod workflow", body: jsonContent(ref("ExecuteRequest")),
                success: ("202", "Started", jsonContent(ref("ExecutionAccepted"))),
                errors: [404: "No such plan of this user", 422: "Neither or both of plan_id and plan, an invalid plan or workflow",
                         429: "The generation quota is used up; see Retry-After", 503: "No LLM provider is configured"])),
            ("/executions", "get", Operation(summary: "The user's executions, newest first",
                                             success: ("200", "Executions", jsonContent(array(ref("Execution")))))),
            ("/executions/{id}", "get", Operation(summary: "Status, per-step stage outputs, sources and metrics", parameters: [pathParameter("id")],
                                                  success: ("200", "Execution", jsonContent(ref("Execution"))),
                                                  errors: [404: "No such execution of this user"])),
            ("/executions/{id}/events", "get", Operation(
                summary: "Progress as server-sent events", parameters: [pathParameter("id")],
                success: ("200", "A stream of `state` events (the Execution's state object as JSON) ending with `done`",
                          [sse: ["schema": ["type": "string", "description": "SSE frames"]]]),
                errors: [404: "No such execution of this user"])),
            ("/v1/models", "get", Operation(
                summary: "OpenAI-compatible: the caller's collections as models (nextraction/<collection>)",
                success: ("200", "Models", jsonContent(object(["object": strings(["list"]), "data": array(ref("OpenAIModel"))],
                                                              required: ["object", "data"]))))),
            ("/v1/models/{model}", "get", Operation(
                summary: "OpenAI-compatible: one model", parameters: [pathParameter("model")],
                success: ("200", "Model", jsonContent(ref("OpenAIModel"))), errors: [404: "No such collection of this user (model_not_found)"])),
            ("/v1/chat/completions", "post", Operation(
                summary: "OpenAI-compatible chat: the last user message answered from the model's collection, with [n] markers, "
                    + "the sources listed after the answer, and the full citations and sources as extra fields. Errors in OpenAI's shape "
                    + "({\"error\": {\"message\", \"type\", \"param\", \"code\"}})",
                body: jsonContent(ref("ChatCompletionRequest")),
                success: ("200", "A chat.completion, or with `stream: true` chat.completion.chunk events (`data:` lines) ending with "
                          + "`data: [DONE]`; the last chunk carries citations and sources",
                          ["application/json": ["schema": ref("ChatCompletion")], sse: ["schema": ["type": "string", "description": "SSE frames"]]]),
                errors: [404: "No such collection of this user (model_not_found)",
                         422: "No messages, a last message that is not the user's, an empty or too long question, an unknown role",
                         429: "Too many questions per minute, or the generation quota is used up; see Retry-After",
                         503: "The embedding model is not loaded"])),
            ("/mcp", "post", Operation(
                summary: "Model Context Protocol over Streamable HTTP (stateless, JSON responses): a JSON-RPC request or notification. "
                    + "Tools: list_collections, search, ask, job_status, and ingest for keys with the write scope. "
                    + "Send Accept: application/json, text/event-stream",
                body: ["application/json": ["schema": ["type": "object", "description": "A JSON-RPC 2.0 message"]]],
                success: ("200", "The JSON-RPC response", jsonContent(["type": "object"])),
                otherResponses: mcpResponses(["202": "A notification, accepted", "400": "Not a JSON-RPC message",
                                              "403": "A browser Origin that is not allowed (NEX_MCP_ALLOWED_ORIGINS)",
                                              "406": "The Accept header does not include application/json",
                                              "415": "The body is not application/json",
                                              "421": "A Host that is not allowed on a loopback-bound server (NEX_MCP_ALLOWED_HOSTS)"]))),
            ("/mcp", "get", Operation(summary: "No server-to-client stream in stateless mode",
                                      success: ("405", "Method not allowed (JSON-RPC error body)", jsonContent(["type": "object"])),
                                      otherResponses: mcpResponses(["403": "A browser Origin that is not allowed",
                                                                    "406": "The Accept header lacks text/event-stream",
                                                                    "421": "A Host that is not allowed"]))),
            ("/mcp", "delete", Operation(summary: "No sessions to end in stateless mode",
                                         success: ("405", "Method not allowed (JSON-RPC error body)", jsonContent(["type": "object"])),
                                         otherResponses: mcpResponses(["403": "A browser Origin that is not allowed",
                                                                       "421": "A Host that is not allowed"]))),
            ("/quota", "get", Operation(summary: "Generations used and left", success: ("200", "Quota", jsonContent(ref("Quota"))))),
            ("/providers", "get", Operation(summary: "Configured LLM providers and their circuit states",
                                            success: ("200", "Providers", jsonContent(array(ref("Provider")))))),
        ]
        var paths: JSON = [:]
        for (path, method, operation) in operations {
            var item = paths[path] as? JSON ?? [:]
            item[method] = operation.build()
            paths[path] = item
        }
        return paths
    }
}
