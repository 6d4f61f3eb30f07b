/// The OpenAPI 3.1 description served at `/openapi.json`. Kept beside the routes and
/// updated with them; `OpenAPITests` checks that every documented path answers.
enum OpenAPIDocument {
    static func json(version: String) -> String {
        """
        {
          "openapi": "3.1.0",
          "info": {
            "title": "NexTraction",
            "version": "\(version)",
            "description": "Self-hosted retrieval-augmented question answering. Errors always have the shape {\\"error\\": {\\"code\\", \\"message\\"}}."
          },
          "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" } },
            "schemas": {
              "Error": {
                "type": "object", "required": ["error"],
                "properties": { "error": { "type": "object", "required": ["code", "message"],
                  "properties": { "code": { "type": "string" }, "message": { "type": "string" } } } }
              },
              "Credentials": {
                "type": "object", "required": ["email", "password"],
                "properties": { "email": { "type": "string", "format": "email" },
                                "password": { "type": "string", "minLength": 8, "maxLength": 72 } }
              },
              "Session": {
                "type": "object", "required": ["user", "token", "expires_at"],
                "properties": {
                  "user": { "type": "object", "properties": { "id": { "type": "integer" }, "email": { "type": "string" } } },
                  "token": { "type": "string" },
                  "expires_at": { "type": "string", "format": "date-time" }
                }
              },
              "IngestRequest": {
                "type": "object", "required": ["url"],
                "properties": { "url": { "type": "string", "format": "uri" }, "collection": { "type": "string", "default": "default" },
                                "domain": { "type": "string" }, "max_pages": { "type": "integer", "default": 50 },
                                "max_depth": { "type": "integer", "default": 3 },
                                "include": { "type": "array", "items": { "type": "string" } },
                                "exclude": { "type": "array", "items": { "type": "string" } } }
              },
              "Job": {
                "type": "object",
                "properties": { "id": { "type": "string" }, "status": { "enum": ["queued", "running", "completed", "failed", "cancelled"] },
                                "collection": { "type": "string" }, "url": { "type": "string" },
                                "progress": { "type": "object", "properties": {
                                  "discovered": { "type": "integer" }, "fetched": { "type": "integer" }, "indexed": { "type": "integer" },
                                  "skipped": { "type": "integer" }, "failed": { "type": "integer" }, "chunks": { "type": "integer" },
                                  "unchanged": { "type": "integer" }, "removed": { "type": "integer" } } },
                                "created_at": { "type": "string", "format": "date-time" }, "started_at": { "type": "string", "format": "date-time" },
                                "finished_at": { "type": "string", "format": "date-time" }, "error": { "type": "string" },
                                "attempts": { "type": "integer" }, "max_pages": { "type": "integer" }, "max_depth": { "type": "integer" } }
              },
              "Collection": {
                "type": "object",
                "properties": { "name": { "type": "string" }, "documents": { "type": "integer" }, "chunks": { "type": "integer" },
                                "created_at": { "type": "string", "format": "date-time" } }
              },
              "AskRequest": {
                "type": "object", "required": ["question"],
                "properties": { "question": { "type": "string", "minLength": 1, "maxLength": 2000 },
                                "collection": { "type": "string", "default": "default" },
                                "top_k": { "type": "integer", "default": 5, "minimum": 1, "maximum": 20 },
                                "stream": { "type": "boolean", "default": false },
                                "mode": { "enum": ["auto", "extractive"], "default": "auto" } }
              },
              "Answer": {
                "type": "object", "required": ["answer", "answerable", "citations", "sources", "timings", "mode", "confidence"],
                "properties": {
                  "answer": { "type": "string" }, "answerable": { "type": "boolean" },
                  "mode": { "enum": ["extractive", "llm"] }, "confidence": { "type": "number" },
                  "abstention": { "type": "object", "description": "Why the question was not answered (only when answerable is false)",
                                  "properties": { "code": { "enum": ["no_sources", "no_passage", "low_similarity", "term_not_in_collection",
                                                                     "term_not_in_sources"] },
                                                  "message": { "type": "string" } } },
                  "citations": { "type": "array", "description": "What the answer quotes, numbered as its [n] markers", "items": { "type": "object", "properties": {
                    "n": { "type": "integer" }, "url": { "type": "string" }, "title": { "type": "string" },
                    "heading": { "type": "string" }, "snippet": { "type": "string" }, "score": { "type": "number" },
                    "chunk_id": { "type": "integer" } } } },
                  "sources": { "type": "array", "description": "The top pages behind the answer (or the closest pages when it abstains), best first",
                    "items": { "type": "object", "properties": {
                    "rank": { "type": "integer" }, "url": { "type": "string" }, "title": { "type": "string" },
                    "heading": { "type": "string" }, "passage": { "type": "string" }, "score": { "type": "number" },
                    "chunk_id": { "type": "integer" } } } },
                  "timings": { "type": "object", "properties": { "embed_ms": { "type": "number" }, "search_ms": { "type": "number" },
                                                                 "answer_ms": { "type": "number" }, "total_ms": { "type": "number" } } }
                }
              },
              "Plan": {
                "type": "object", "required": ["title", "steps"],
                "properties": { "title": { "type": "string" }, "steps": { "type": "array", "maxItems": 50, "items": { "type": "object",
                  "required": ["id", "prompt"],
                  "properties": { "id": { "type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$" }, "title": { "type": "string" },
                                  "prompt": { "type": "string" }, "depends_on": { "type": "array", "items": { "type": "string" } },
                                  "context": { "type": "object", "properties": { "collection": { "type": "string" }, "query": { "type": "string" },
                                                                                 "top_k": { "type": "integer" } } },
                                  "max_tokens": { "type": "integer" } } } } }
              },
              "Me": {
                "type": "object", "required": ["id", "email", "created_at"],
                "properties": { "id": { "type": "integer" }, "email": { "type": "string" },
                                "created_at": { "type": "string", "format": "date-time" } }
              }
            },
            "responses": {
              "Error": { "description": "Error", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
            }
          },
          "paths": {
            "/health": { "get": { "summary": "Liveness", "responses": { "200": { "description": "Alive" } } } },
            "/ready": { "get": { "summary": "Readiness (database reachable)",
              "responses": { "200": { "description": "Ready" }, "503": { "description": "Not ready" } } } },
            "/metrics": { "get": { "summary": "Prometheus metrics", "responses": { "200": { "description": "Text exposition" } } } },
            "/auth/register": { "post": { "summary": "Create an account and a session",
              "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Credentials" } } } },
              "responses": { "201": { "description": "Created", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Session" } } } },
                             "400": { "$ref": "#/components/responses/Error" }, "409": { "$ref": "#/components/responses/Error" },
                             "413": { "$ref": "#/components/responses/Error" }, "422": { "$ref": "#/components/responses/Error" } } } },
            "/auth/login": { "post": { "summary": "Start a session",
              "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Credentials" } } } },
              "responses": { "200": { "description": "Signed in", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Session" } } } },
                             "401": { "$ref": "#/components/responses/Error" },
                             "429": { "description": "Too many failed logins; see Retry-After", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } } } },
            "/auth/logout": { "post": { "summary": "Revoke the presented token", "security": [{ "bearer": [] }],
              "responses": { "204": { "description": "Revoked" }, "401": { "$ref": "#/components/responses/Error" } } } },
            "/auth/me": { "get": { "summary": "The signed-in user", "security": [{ "bearer": [] }],
              "responses": { "200": { "description": "User", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Me" } } } },
                             "401": { "$ref": "#/components/responses/Error" } } } },
            "/ingest": { "post": { "summary": "Queue a crawl of a site into a collection", "security": [{ "bearer": [] }],
              "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/IngestRequest" } } } },
              "responses": { "202": { "description": "Queued: {job_id, status}" }, "401": { "$ref": "#/components/responses/Error" },
                             "422": { "$ref": "#/components/responses/Error" } } } },
            "/jobs": { "get": { "summary": "The user's jobs, newest first", "security": [{ "bearer": [] }],
              "responses": { "200": { "description": "Jobs", "content": { "application/json": { "schema": { "type": "array", "items": { "$ref": "#/components/schemas/Job" } } } } } } } },
            "/jobs/{id}": { "get": { "summary": "One job with live progress", "security": [{ "bearer": [] }],
              "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
              "responses": { "200": { "description": "Job", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Job" } } } },
                             "404": { "$ref": "#/components/responses/Error" } } } },
            "/jobs/{id}/pages": { "get": { "summary": "The job's per-URL log (fetched, unchanged, skipped, failed, removed, with reasons)", "security": [{ "bearer": [] }],
              "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } },
                             { "name": "offset", "in": "query", "schema": { "type": "integer" } },
                             { "name": "limit", "in": "query", "schema": { "type": "integer", "maximum": 500 } },
                             { "name": "status", "in": "query", "schema": { "type": "string" } }],
              "responses": { "200": { "description": "{pages, total, offset, limit}" }, "404": { "$ref": "#/components/responses/Error" } } } },
            "/jobs/{id}/cancel": { "post": { "summary": "Cancel a queued or running job", "security": [{ "bearer": [] }],
              "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
              "responses": { "202": { "description": "Cancellation requested" }, "404": { "$ref": "#/components/responses/Error" } } } },
            "/collections": { "get": { "summary": "The user's collections with document and chunk counts", "security": [{ "bearer": [] }],
              "responses": { "200": { "description": "Collections", "content": { "application/json": { "schema": { "type": "array", "items": { "$ref": "#/components/schemas/Collection" } } } } } } } },
            "/ask": { "post": { "summary": "Answer a question from a collection, with citations and source pages (SSE with stream: true or Accept: text/event-stream: events sources, citations, answer, done)", "security": [{ "bearer": [] }],
              "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AskRequest" } } } },
              "responses": { "200": { "description": "Answer", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Answer" } },
                                                                         "text/event-stream": { "schema": { "type": "string" } } } },
                             "401": { "$ref": "#/components/responses/Error" }, "404": { "$ref": "#/components/responses/Error" },
                             "422": { "$ref": "#/components/responses/Error" }, "429": { "$ref": "#/components/responses/Error" } } } },
            "/search": { "get": { "summary": "Ranked chunks with dense, lexical and fused scores", "security": [{ "bearer": [] }],
              "parameters": [{ "name": "q", "in": "query", "required": true, "schema": { "type": "string" } },
                             { "name": "collection", "in": "query", "schema": { "type": "string", "default": "default" } },
                             { "name": "k", "in": "query", "schema": { "type": "integer", "default": 10 } }],
              "responses": { "200": { "description": "{results: [{rank, chunk_id, url, title, heading, text, dense, lexical, fused}], timings}" },
                             "404": { "$ref": "#/components/responses/Error" }, "422": { "$ref": "#/components/responses/Error" },
                             "429": { "$ref": "#/components/responses/Error" } } } },
            "/plans": {
              "post": { "summary": "Store a validated plan (JSON body or multipart/form-data file)", "security": [{ "bearer": [] }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Plan" } },
                                                                "multipart/form-data": { "schema": { "type": "object" } } } },
                "responses": { "201": { "description": "{plan_id, title, steps}" }, "400": { "$ref": "#/components/responses/Error" },
                               "422": { "$ref": "#/components/responses/Error" } } },
              "get": { "summary": "The user's plans", "security": [{ "bearer": [] }], "responses": { "200": { "description": "[{plan_id, title, steps, created_at}]" } } } },
            "/plans/{id}": {
              "get": { "summary": "One plan", "security": [{ "bearer": [] }],
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": { "200": { "description": "{plan_id, title, steps, created_at, plan}" }, "404": { "$ref": "#/components/responses/Error" } } },
              "delete": { "summary": "Delete a plan", "security": [{ "bearer": [] }],
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": { "204": { "description": "Deleted" }, "404": { "$ref": "#/components/responses/Error" } } } },
            "/execute": { "post": { "summary": "Run a plan (by plan_id or inline) with the proto or prod workflow", "security": [{ "bearer": [] }],
              "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object",
                "properties": { "plan_id": { "type": "string" }, "plan": { "$ref": "#/components/schemas/Plan" },
                                "workflow": { "enum": ["proto", "prod"], "default": "proto" } } } } } },
              "responses": { "202": { "description": "{execution_id, status}" }, "404": { "$ref": "#/components/responses/Error" },
                             "422": { "$ref": "#/components/responses/Error" }, "429": { "$ref": "#/components/responses/Error" },
                             "503": { "$ref": "#/components/responses/Error" } } } },
            "/executions": { "get": { "summary": "The user's executions, newest first", "security": [{ "bearer": [] }],
              "responses": { "200": { "description": "[{execution_id, plan_id, workflow, status, error, created_at, finished_at}]" } } } },
            "/executions/{id}": { "get": { "summary": "Status, per-step stage outputs, sources and metrics", "security": [{ "bearer": [] }],
              "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
              "responses": { "200": { "description": "{execution_id, status, state: {steps, metrics}}" }, "404": { "$ref": "#/components/responses/Error" } } } },
            "/executions/{id}/events": { "get": { "summary": "Progress as server-sent events (state, then done)", "security": [{ "bearer": [] }],
              "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
              "responses": { "200": { "description": "text/event-stream" }, "404": { "$ref": "#/components/responses/Error" } } } },
            "/quota": { "get": { "summary": "Generations used and left", "security": [{ "bearer": [] }],
              "responses": { "200": { "description": "{limit, used, remaining}" } } } },
            "/providers": { "get": { "summary": "Configured LLM providers with masked keys and circuit states", "security": [{ "bearer": [] }],
              "responses": { "200": { "description": "[{name, model, base_url, roles, key, circuit}]" } } } },
            "/collections/{name}": { "delete": { "summary": "Delete a collection with its documents and index", "security": [{ "bearer": [] }],
              "parameters": [{ "name": "name", "in": "path", "required": true, "schema": { "type": "string" } }],
              "responses": { "204": { "description": "Deleted" }, "404": { "$ref": "#/components/responses/Error" } } } }
          }
        }
        """
    }
}
