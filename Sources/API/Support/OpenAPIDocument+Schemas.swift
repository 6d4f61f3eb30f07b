import Foundation

/// The document's component schemas (request and response bodies), in `OpenAPIDocument`'s vocabulary.
extension OpenAPIDocument {
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
                "attempts": integer, "max_pages": ["type": "integer", "description": "The page limit of a crawl; an upload's number of files"],
                "max_depth": integer,
                "kind": ["type": "string", "enum": ["ingest", "upload"], "description": "A crawl, or uploaded files (url is then empty)"],
                "files": array(string),
            ], required: ["id", "status", "collection", "url", "progress", "created_at", "attempts", "max_pages", "max_depth", "kind"]),
            "JobPages": object([
                "pages": array(object([
                    "url": string, "status": strings(["fetched", "unchanged", "skipped", "failed", "removed"]), "reason": string,
                    "detail": string, "http_status": integer, "depth": integer, "chunks": integer, "at": dateTime,
                ], required: ["url", "status", "chunks", "at"])),
                "total": integer, "offset": integer, "limit": integer,
            ], required: ["pages", "total", "offset", "limit"]),
            "Collection": object(["name": string, "documents": integer, "chunks": integer, "created_at": dateTime,
                                  "sources": array(object(["url": string, "refresh_every": number, "last_sync_at": dateTime,
                                                           "next_sync_at": dateTime, "last_job_id": string], required: ["url"])),
                                  "files": array(object(["name": string, "pages": integer], required: ["name", "pages"]))],
                                 required: ["name", "documents", "chunks", "created_at", "sources", "files"]),
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
}
