import Foundation

/// The OpenAPI 3.1 description served at `/openapi.json`, built beside the routes and
/// updated with them. Every operation lists its success body and every error the server
/// can give it: 401 on every protected route, 400/413/422 wherever a body or a parameter is
/// read, 429 where a limit applies. `HTTPBasicsTests` checks that every documented path
/// answers; `make test` runs schemathesis against it.
enum OpenAPIDocument {
    typealias JSON = [String: Any]

    static func json(version: String) -> String {
        let document: JSON = [
            "openapi": "3.1.0",
            "info": [
                "title": "NexTraction",
                "version": version,
                "description": "Self-hosted retrieval-augmented question answering. Errors always have the shape "
                    + "{\"error\": {\"code\", \"message\"}}. Protected operations take `Authorization: Bearer <token>` "
                    + "with a session token from /auth/register or /auth/login, or an API key (`nex_…`) from POST /auth/keys; "
                    + "a key's scopes limit it to reading (`read`) or also changing data (`write`).",
            ] as JSON,
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT or nex_ API key"]],
                "schemas": schemas,
            ] as JSON,
            "paths": paths(),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: Schema helpers

    static var string: JSON { ["type": "string"] }
    static var integer: JSON { ["type": "integer"] }
    static var number: JSON { ["type": "number"] }
    static var boolean: JSON { ["type": "boolean"] }
    static var dateTime: JSON { ["type": "string", "format": "date-time"] }

    static func object(_ properties: JSON, required: [String] = [], description: String? = nil) -> JSON {
        var schema: JSON = ["type": "object", "properties": properties]
        if !required.isEmpty { schema["required"] = required }
        if let description { schema["description"] = description }
        return schema
    }

    static func array(_ items: JSON, maxItems: Int? = nil) -> JSON {
        var schema: JSON = ["type": "array", "items": items]
        if let maxItems { schema["maxItems"] = maxItems }
        return schema
    }

    static func ref(_ name: String) -> JSON { ["$ref": "#/components/schemas/\(name)"] }
    static func strings(_ values: [String]) -> JSON { ["type": "string", "enum": values] }
    static func integer(_ range: ClosedRange<Int>, default value: Int? = nil) -> JSON {
        var schema: JSON = ["type": "integer", "minimum": range.lowerBound, "maximum": range.upperBound]
        if let value { schema["default"] = value }
        return schema
    }

    // MARK: Schemas

    static var schemas: JSON {
        let progress = object([
            "discovered": integer, "fetched": integer, "indexed": integer, "skipped": integer, "failed": integer,
            "chunks": integer, "unchanged": integer, "removed": integer,
        ])
        let citation = object([
            "n": integer, "url": string, "title": string, "heading": string, "snippet": string, "score": number, "chunk_id": integer,
        ], required: ["n", "url", "title", "heading", "snippet", "score", "chunk_id"])
        let source = object([
            "rank": integer, "url": string, "title": string, "heading": string, "passage": string, "score": number, "chunk_id": integer,
        ], required: ["rank", "url", "title", "heading", "passage", "score", "chunk_id"])
        let timings = object(["embed_ms": number, "search_ms": number, "answer_ms": number, "total_ms": number],
                             required: ["embed_ms", "search_ms", "answer_ms", "total_ms"])
        let verdict = object(["n": integer, "sentence": string, "score": number, "reason": string], required: ["n", "sentence"])
        let stale: [String: any Sendable] = ["type": "boolean",
                                             "description": "The index was still catching up with pages another server just stored (answered after a 2 s wait)"]
        let stepSummary = object(["id": string, "title": string, "depends_on": array(string)], required: ["id", "title", "depends_on"])
        let metrics = object(["wall_seconds": number, "prompt_tokens": integer, "completion_tokens": integer, "cost": number,
                              "provider_calls": integer, "cache_hits": integer, "retries": integer])
        let stage = object(["stage": strings(["fast", "build", "check"]), "provider": string, "model": string, "output": string,
                            "prompt_tokens": integer, "completion_tokens": integer, "cost": number, "seconds": number,
                            "retries": integer, "cache": strings(["none", "exact", "semantic"])])
        let step = object(["id": string, "title": string, "depends_on": array(string), "status": string, "stages": array(stage),
                           "output": string, "sources": array(object(["n": integer, "url": string, "title": string, "heading": string])),
                           "prompt": string, "error": string, "started_at": number, "finished_at": number, "metrics": metrics])
        return [
            "Error": object(["error": object(["code": string, "message": string], required: ["code", "message"])], required: ["error"]),
            "Credentials": object([
                "email": ["type": "string", "format": "email", "maxLength": 254],
                "password": ["type": "string", "minLength": 8, "maxLength": 72,
                             "description": "8 characters to 72 bytes (bcrypt's limit), no NUL character"],
            ], required: ["email", "password"]),
            "Session": object([
                "user": object(["id": integer, "email": string], required: ["id", "email"]), "token": string, "expires_at": dateTime,
            ], required: ["user", "token", "expires_at"]),
            "KeyRequest": object([
                "name": ["type": "string", "minLength": 1, "maxLength": 100],
                "scopes": ["type": "array", "items": strings(["read", "write"]), "minItems": 1, "default": ["read"]],
                "expires_in": ["oneOf": [["type": "number", "minimum": 60], ["type": "string"]],
                               "description": "Seconds, or a number with s, m, h or d (`90d`); omitted: the key does not expire"],
            ], required: ["name"]),
            "APIKey": object(["id": integer, "name": string, "prefix": string, "scopes": array(strings(["read", "write"])),
                              "created_at": dateTime, "last_used_at": dateTime, "expires_at": dateTime],
                             required: ["id", "name", "prefix", "scopes", "created_at"]),
            "CreatedAPIKey": object(["key": ["type": "string", "description": "The key (`nex_…`): shown this once, stored only as a hash"],
                                     "id": integer, "name": string, "prefix": string, "scopes": array(strings(["read", "write"])),
                                     "created_at": dateTime, "expires_at": dateTime],
                                    required: ["key", "id", "name", "prefix", "scopes", "created_at"]),
            "OpenAIModel": object(["id": ["type": "string", "description": "nextraction/<collection>"], "object": strings(["model"]),
                                   "created": integer, "owned_by": string], required: ["id", "object", "created", "owned_by"]),
            "ChatCompletionRequest": object([
                "model": ["type": "string", "description": "nextraction/<collection> (GET /v1/models lists them)"],
                "messages": ["type": "array", "minItems": 1, "maxItems": 100, "items": object([
                    "role": strings(["system", "developer", "user", "assistant", "tool"]),
                    "content": ["oneOf": [string, array(object(["type": string, "text": string], required: ["type"]))]],
                ], required: ["role", "content"]), "description": "The last one is the user's question; earlier turns are context"],
                "stream": ["type": "boolean", "default": false],
                "nextraction": object(["mode": strings(["auto", "extractive"]), "top_k": integer(1...20, default: 5)],
                                      description: "NexTraction's own options (other OpenAI parameters are accepted and ignored)"),
            ], required: ["model", "messages"]),
            "ChatCompletion": object([
                "id": string, "object": strings(["chat.completion"]), "created": integer, "model": string,
                "choices": array(object([
                    "index": integer, "message": object(["role": strings(["assistant"]), "content": string], required: ["role", "content"]),
                    "finish_reason": string,
                ], required: ["index", "message", "finish_reason"])),
                "usage": object(["prompt_tokens": integer, "completion_tokens": integer, "total_tokens": integer],
                                required: ["prompt_tokens", "completion_tokens", "total_tokens"]),
                "citations": ["type": "array", "items": citation, "description": "What the answer quotes, numbered as its [n] markers"],
                "sources": ["type": "array", "items": source, "description": "The top pages behind the answer (or the closest ones)"],
                "answerable": boolean, "mode": strings(["extractive", "llm"]), "stale": stale,
                "abstention": object(["code": string, "message": string], required: ["code", "message"]),
                "searched_question": ["type": "string", "description": "What was searched: a follow-up made standalone with the earlier turns"],
            ], required: ["id", "object", "created", "model", "choices", "usage", "citations", "sources", "answerable"]),
            "Me": object(["id": integer, "email": string, "created_at": dateTime], required: ["id", "email", "created_at"]),
            "Status": object(["status": string, "version": string, "database": string, "error": string,
                              "model": ["type": "string", "enum": ["ok", "missing"], "description": "The embedding model (readiness needs it)"],
                              "web": ["type": "string", "enum": ["ok", "missing", "off"],
                                      "description": "The web UI folder: ok, missing (NEX_WEB_DIR names no folder: / answers 404) or off"]],
                             required: ["status", "version"]),
            "IngestRequest": object([
                "url": ["type": "string", "format": "uri", "description": "http or https; not a private address unless the server allows it"],
                "collection": ["type": "string", "default": "default", "pattern": "^[\\p{L}\\p{N} ._-]{1,64}$"],
                "domain": string, "max_pages": ["type": "integer", "minimum": 1, "default": 50],
                "max_depth": integer(0...20, default: 3), "include": array(string), "exclude": array(string),
                "refresh_every": ["oneOf": [["type": "number"], ["type": "string"]],
                                  "description": "Re-sync the site this often: seconds or `24h`, `7d` (15 min to a year); 0 stops it; absent keeps the source's schedule"],
            ], required: ["url"]),
            "JobAccepted": object(["job_id": string, "status": strings(["queued"])], required: ["job_id", "status"]),
            "Job": object([
                "id": string, "status": strings(["queued", "running", "completed", "failed", "cancelled"]),
                "collection": string, "url": string, "progress": progress,
                "created_at": dateTime, "started_at": dateTime, "finished_at": dateTime,
                "error": ["type": "string", "description": "Why the job failed (connection, DNS, TLS, HTTP status, robots.txt unreachable…)"],
                "attempts": integer, "max_pages": integer, "max_depth": integer,
            ], required: ["id", "status", "collection", "url", "progress", "created_at", "attempts", "max_pages", "max_depth"]),
            "JobPages": object([
                "pages": array(object([
                    "url": string, "status": strings(["fetched", "unchanged", "skipped", "failed", "removed"]), "reason": string,
                    "detail": string, "http_status": integer, "depth": integer, "chunks": integer, "at": dateTime,
                ], required: ["url", "status", "chunks", "at"])),
                "total": integer, "offset": integer, "limit": integer,
            ], required: ["pages", "total", "offset", "limit"]),
            "Collection": object(["name": string, "documents": integer, "chunks": integer, "created_at": dateTime,
                                  "sources": array(object(["url": string, "refresh_every": number, "last_sync_at": dateTime,
                                                           "next_sync_at": dateTime, "last_job_id": string], required: ["url"]))],
                                 required: ["name", "documents", "chunks", "created_at", "sources"]),
            "AskRequest": object([
                "question": ["type": "string", "minLength": 1, "maxLength": 2000],
                "collection": ["type": "string", "default": "default"],
                "top_k": integer(1...20, default: 5),
                "stream": ["type": "boolean", "default": false],
                "mode": ["type": "string", "enum": ["auto", "extractive"], "default": "auto"],
                "collections": ["type": "array", "items": string, "minItems": 1, "maxItems": 10,
                                "description": "Several collections at once (instead of collection): the answer comes from the one whose passages are closest to the question"],
                "conversation_id": ["type": "string",
                                    "description": "Ask in this conversation (its earlier turns are the context; the answer is added to it), or `new` to start one"],
            ], required: ["question"]),
            "Answer": object([
                "answer": string, "answerable": boolean,
                "mode": strings(["extractive", "llm"]), "confidence": number,
                "abstention": object(["code": strings(["no_sources", "no_passage", "low_similarity", "term_not_in_collection",
                                                       "term_not_in_sources"]), "message": string],
                                     required: ["code", "message"], description: "Why the question was not answered (only when answerable is false)"),
                "citations": ["type": "array", "items": citation, "description": "What the answer quotes, numbered as its [n] markers"],
                "sources": ["type": "array", "items": source,
                            "description": "The top pages behind the answer (or the closest pages when it abstains), best first"],
                "timings": timings,
                "citation_check": object(["threshold": number, "checked": integer, "kept": array(verdict), "dropped": array(verdict)],
                                         description: "LLM answers: which cited sentences the check kept and dropped"),
                "usage": object(["provider": string, "model": string, "prompt_tokens": integer, "completion_tokens": integer,
                                 "estimated": boolean, "cost": number, "first_token_ms": number, "llm_ms": number],
                                description: "LLM answers: what the answer cost"),
                "fallback_reason": ["type": "string", "description": "Why an LLM answer fell back to extractive"],
                "stale": stale,
                "searched_question": ["type": "string", "description": "What was searched: a follow-up made standalone with the conversation"],
                "conversation_id": ["type": "string", "description": "The conversation the turn was added to (when asked in one)"],
                "collection": ["type": "string", "description": "The collection the answer comes from"],
            ], required: ["answer", "answerable", "citations", "sources", "timings", "mode", "confidence", "stale"]),
            "Conversation": object(["id": string, "title": string, "turns": integer, "created_at": dateTime, "updated_at": dateTime],
                                   required: ["id", "title", "turns", "created_at", "updated_at"]),
            "ConversationDetail": object([
                "id": string, "title": string, "turns": array(object([
                    "question": string, "collection": string, "answer": string, "answerable": boolean, "mode": string,
                    "citations": array(citation), "sources": array(source), "searched_question": string, "created_at": dateTime,
                ], required: ["question", "collection", "answer", "answerable", "mode", "citations", "sources", "created_at"])),
                "created_at": dateTime, "updated_at": dateTime,
            ], required: ["id", "title", "turns", "created_at", "updated_at"]),
            "SearchResults": object([
                "results": array(object(["rank": integer, "chunk_id": integer, "url": string, "title": string, "heading": string,
                                         "text": string, "dense": number, "lexical": number, "fused": number],
                                        required: ["rank", "chunk_id", "url", "title", "heading", "text", "fused"])),
                "timings": timings,
                "stale": stale,
            ], required: ["results", "timings", "stale"]),
            "Plan": object([
                "title": ["type": "string", "minLength": 1, "maxLength": 200],
                "steps": ["type": "array", "minItems": 1, "maxItems": 50, "items": object([
                    "id": ["type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$"], "title": string,
                    "prompt": ["type": "string", "minLength": 1, "maxLength": 20_000], "depends_on": array(string),
                    "context": object(["collection": string, "query": string, "top_k": integer], required: ["collection"]),
                    "max_tokens": integer,
                ], required: ["id", "prompt"])],
            ], required: ["title", "steps"]),
            "PlanCreated": object(["plan_id": string, "title": string, "steps": array(stepSummary)], required: ["plan_id", "title", "steps"]),
            "PlanSummary": object(["plan_id": string, "title": string, "steps": integer, "created_at": dateTime, "plan": ref("Plan")],
                                  required: ["plan_id", "title", "steps", "created_at"]),
            "ExecuteRequest": object([
                "plan_id": string, "plan": ref("Plan"), "workflow": ["type": "string", "enum": ["proto", "prod"], "default": "proto"],
            ], description: "Exactly one of plan_id and plan"),
            "ExecutionAccepted": object(["execution_id": string, "status": string], required: ["execution_id", "status"]),
            "Execution": object([
                "execution_id": string, "plan_id": string, "workflow": strings(["proto", "prod"]),
                "status": strings(["queued", "running", "completed", "failed"]), "error": string,
                "created_at": dateTime, "finished_at": dateTime,
                "state": object(["id": string, "title": string, "workflow": string, "status": string, "error": string,
                                 "steps": array(step), "metrics": metrics], description: "Per-step stage outputs, sources and metrics"),
            ], required: ["execution_id", "workflow", "status", "created_at"]),
            "Quota": object(["limit": integer, "used": integer, "remaining": integer], required: ["limit", "used", "remaining"]),
            "Provider": object(["name": string, "model": string, "roles": string, "circuit": strings(["closed", "open", "half-open"])],
                               required: ["name", "model", "roles", "circuit"]),
        ]
    }

    // MARK: Operations

    /// One operation; the errors every such operation can give are added by `build()`.
    struct Operation {
        var summary: String
        var protected = true
        var parameters: [JSON] = []
        var body: JSON?
        var success: (status: String, description: String, content: JSON?)
        /// Further errors: status → when.
        var errors: [Int: String] = [:]
        /// Responses that are not errors of the usual shape: status → response object.
        var otherResponses: JSON = [:]

        func build() -> JSON {
            var errors = self.errors
            if protected {
                errors[401] = "Missing, malformed, expired or revoked token or API key"
                errors[403] = errors[403] ?? "An API key without the scope (read or write) this operation needs"
            }
            if body != nil { errors[507] = "The server's disk is full; nothing was changed" }
            if body != nil {
                errors[400] = errors[400] ?? "The body is not valid JSON"
                errors[413] = "The body is larger than NEX_MAX_BODY"
                errors[422] = errors[422] ?? "The JSON is not what this operation takes (a missing field, a wrong type, a value out of range)"
            }
            if !parameters.isEmpty {
                errors[400] = errors[400] ?? "A parameter holds an invalid percent-encoding or a control character"
                if parameters.contains(where: { $0["in"] as? String == "query" }) {
                    errors[422] = errors[422] ?? "A query parameter is malformed or out of range"
                }
            }
            var responses: JSON = [:]
            var success: JSON = ["description": self.success.description]
            if let content = self.success.content { success["content"] = content }
            responses[self.success.status] = success
            for (status, description) in errors {
                var response: JSON = ["description": description, "content": OpenAPIDocument.jsonContent(OpenAPIDocument.ref("Error"))]
                if status == 429 || status == 503 {
                    response["headers"] = ["Retry-After": ["description": "Seconds to wait", "schema": ["type": "integer"]]]
                }
                responses[String(status)] = response
            }
            responses.merge(otherResponses) { _, other in other }
            var operation: JSON = ["summary": summary, "responses": responses]
            if protected { operation["security"] = [["bearer": [String]()]] }
            if !parameters.isEmpty { operation["parameters"] = parameters }
            if let body { operation["requestBody"] = ["required": true, "content": body] }
            return operation
        }
    }

    static func jsonContent(_ schema: JSON) -> JSON { ["application/json": ["schema": schema]] }

    /// Responses of the MCP transport: JSON-RPC error bodies, not the API's error shape.
    static func mcpResponses(_ descriptions: [String: String]) -> JSON {
        var responses: JSON = [:]
        for (status, description) in descriptions {
            responses[status] = status == "202" ? ["description": description]
                : ["description": description, "content": jsonContent(["type": "object"])]
        }
        return responses
    }

    static func pathParameter(_ name: String) -> JSON {
        ["name": name, "in": "path", "required": true, "schema": ["type": "string", "minLength": 1]]
    }

    static func queryParameter(_ name: String, _ schema: JSON, required: Bool = false) -> JSON {
        ["name": name, "in": "query", "required": required, "schema": schema]
    }

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
                errors: [404: "No such collection or conversation of this user", 422: "Empty or too long question, top_k or mode out of range",
                         429: "Too many questions per minute, or the generation quota is used up; see Retry-After",
                         503: "The embedding model is not loaded"])),
            ("/search", "get", Operation(
                summary: "Ranked chunks, page by page, with dense, lexical and fused scores",
                parameters: [queryParameter("q", ["type": "string", "minLength": 1, "maxLength": 2000], required: true),
                             queryParameter("collection", ["type": "string", "default": "default"]),
                             queryParameter("k", integer(1...100, default: 10))],
                success: ("200", "Results", jsonContent(ref("SearchResults"))),
                errors: [404: "No such collection of this user", 429: "Too many questions per minute; see Retry-After",
                         503: "The embedding model is not loaded"])),
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
