import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MCP
import NIOCore
import Retrieval
import Storage

/// `/mcp`: a Model Context Protocol server (the official Swift SDK) over Streamable HTTP, for
/// AI assistants and IDE agents, behind the same Bearer authentication as the REST API (an
/// API key, usually). Stateless: every POST is served by a fresh `MCP.Server` on a
/// `StatelessHTTPServerTransport`, so any replica can answer any request and tool handlers
/// act for exactly the caller. Tools: `list_collections`, `search`, `ask`, and for keys with
/// the write scope `ingest` and `job_status`... (`job_status` only reads: read scope).
struct MCPController {
    let dependencies: AppDependencies
    let gate: AskGate
    let asking: AskController
    let ingesting: IngestController
    let originPolicy: MCPOriginPolicy

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        // GET (a server-to-client stream) and DELETE (sessions) are answered 405 by the
        // stateless transport, as the specification allows.
        group.post("mcp", use: handle)
        group.get("mcp", use: handle)
        group.delete("mcp", use: handle)
    }

    @Sendable func handle(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try await request.body.collect(upTo: dependencies.config.maxBodyBytes)
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
        }
        // HTTP/1's Host arrives as the request's authority, not among its header fields.
        if let authority = request.head.authority { headers["Host"] = authority }
        let incoming = MCP.HTTPRequest(method: request.method.rawValue, headers: headers, body: Data(body.readableBytesView),
                                       path: request.uri.path)
        let transport = StatelessHTTPServerTransport(validationPipeline: StandardValidationPipeline(validators: [
            originPolicy, AcceptHeaderValidator(mode: .jsonOnly), ContentTypeValidator(), ProtocolVersionValidator(),
        ]))
        let server = MCP.Server(
            name: "NexTraction", version: dependencies.version,
            instructions: "Search and ask questions about the web sites and documents the user has ingested into collections. "
                + "Answers quote the pages and cite them with [n] markers; always pass the URLs on to the user.",
            capabilities: .init(tools: .init(listChanged: false))
        )
        await server.withMethodHandler(ListTools.self) { _ in ListTools.Result(tools: Self.tools(for: user)) }
        await server.withMethodHandler(CallTool.self) { parameters in await call(parameters, user: user, logger: context.logger) }
        try await server.start(transport: transport)
        let answer = await transport.handleRequest(incoming)
        await server.stop()
        await transport.disconnect()
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        let status = HTTPTypes.HTTPResponse.Status(code: answer.statusCode)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: answer.bodyData ?? Data())))
    }

    // MARK: Tools

    static func tools(for user: AuthenticatedUser) -> [Tool] {
        let collection: Value = ["type": "string", "description": "The collection's name (list_collections lists them)", "default": "default"]
        var tools = [
            Tool(name: "list_collections", title: "List collections",
                 description: "The user's collections (ingested sites and documents) with their page and chunk counts.",
                 inputSchema: ["type": "object", "properties": [:]], annotations: .init(readOnlyHint: true)),
            Tool(name: "search", title: "Search a collection",
                 description: "Ranked passages of a collection for a query, each with its page URL, title and heading.",
                 inputSchema: ["type": "object", "required": ["query"], "properties": [
                     "collection": collection, "query": ["type": "string", "description": "What to look for"],
                     "k": ["type": "integer", "minimum": 1, "maximum": 20, "default": 5],
                 ]], annotations: .init(readOnlyHint: true)),
            Tool(name: "ask", title: "Ask a collection",
                 description: "An answer grounded in the collection's pages, with [n] citations and the source pages; "
                     + "answerable is false (with the closest pages) when the pages do not cover the question.",
                 inputSchema: ["type": "object", "required": ["question"], "properties": [
                     "collection": collection, "question": ["type": "string"],
                     "mode": ["type": "string", "enum": ["auto", "extractive"], "default": "auto"],
                 ]], annotations: .init(readOnlyHint: true)),
            Tool(name: "job_status", title: "Ingest job status",
                 description: "Status and progress of an ingest job started with the ingest tool.",
                 inputSchema: ["type": "object", "required": ["job_id"], "properties": ["job_id": ["type": "string"]]],
                 annotations: .init(readOnlyHint: true)),
        ]
        if user.allows(.write) {
            tools.append(Tool(
                name: "ingest", title: "Ingest a web site",
                description: "Crawl a site into a collection (a background job; follow it with job_status).",
                inputSchema: ["type": "object", "required": ["url"], "properties": [
                    "url": ["type": "string", "description": "The start URL (http or https)"], "collection": collection,
                    "max_pages": ["type": "integer", "minimum": 1, "default": 50],
                    "max_depth": ["type": "integer", "minimum": 0, "maximum": 20, "default": 3],
                ]], annotations: .init(destructiveHint: false, openWorldHint: true)))
        }
        return tools
    }

    /// Runs a tool; what goes wrong in it (a missing collection, a bad URL, a missing scope)
    /// is a tool error the agent can read, not a protocol error.
    func call(_ parameters: CallTool.Parameters, user: AuthenticatedUser, logger: Logger) async -> CallTool.Result {
        let arguments = parameters.arguments ?? [:]
        do {
            switch parameters.name {
            case "list_collections": return try await listCollections(user)
            case "search": return try await search(arguments, user: user)
            case "ask": return try await ask(arguments, user: user)
            case "job_status": return try await jobStatus(arguments, user: user)
            case "ingest":
                try user.require(.write)
                return try await ingest(arguments, user: user)
            default: throw APIError.notFound("no tool named \(parameters.name)")
            }
        } catch let error as APIError {
            return Self.result(error.message, isError: true)
        } catch {
            let mapped = ErrorMiddleware<AppRequestContext>.map(error, request: nil)
            if mapped.status == .internalServerError { logger.error("MCP tool failed", metadata: ["error": "\(String(reflecting: error))"]) }
            return Self.result(mapped.message, isError: true)
        }
    }

    func listCollections(_ user: AuthenticatedUser) async throws -> CallTool.Result {
        let summaries = try await dependencies.database.collectionSummaries(userID: user.id)
        struct Item: Encodable { var name: String; var pages: Int; var chunks: Int }
        let items = summaries.map { Item(name: $0.name, pages: $0.documents, chunks: $0.chunks) }
        let text = items.isEmpty ? "No collections yet: ingest a site first."
            : items.map { "\($0.name): \($0.pages) pages, \($0.chunks) chunks" }.joined(separator: "\n")
        return Self.result(text, structured: try Self.value(["collections": items]))
    }

    func search(_ arguments: [String: Value], user: AuthenticatedUser) async throws -> CallTool.Result {
        let query = try Self.text(arguments, "query", limit: 2000)
        let k = try Self.integer(arguments, "k", in: 1...20, default: 5)
        let found = try await asking.search(query, collection: try Self.optionalText(arguments, "collection"), k: k, user: user)
        let text = found.results.isEmpty ? "Nothing found." : found.results.map { hit in
            "\(hit.rank). \(ChatCompletionsController.label(hit.title, hit.heading)) — \(hit.url)\n\(hit.text.prefix(600))"
        }.joined(separator: "\n\n")
        return Self.result(text, structured: try Self.value(found))
    }

    func ask(_ arguments: [String: Value], user: AuthenticatedUser) async throws -> CallTool.Result {
        let question = try Self.text(arguments, "question", limit: 2000)
        let mode = try Self.optionalText(arguments, "mode") ?? "auto"
        guard ["auto", "extractive"].contains(mode) else { throw APIError.unprocessable("mode must be auto or extractive") }
        let result = try await gate.answer(question, collection: try Self.optionalText(arguments, "collection"), topK: 5, mode: mode, user: user)
        return Self.result(ChatCompletionsController.content(result), structured: try Self.value(AskController.AskResponse(result)))
    }

    func ingest(_ arguments: [String: Value], user: AuthenticatedUser) async throws -> CallTool.Result {
        let input = IngestController.IngestRequest(
            url: try Self.text(arguments, "url", limit: 4096), collection: try Self.optionalText(arguments, "collection"),
            maxPages: try Self.integer(arguments, "max_pages", in: 1...1_000_000, default: 50),
            maxDepth: try Self.integer(arguments, "max_depth", in: 0...20, default: 3))
        let job = try await ingesting.queue(input, user: user)
        return Self.result("Queued ingest job \(job.id); call job_status with this id to follow it.",
                           structured: try Self.value(IngestController.Accepted(jobID: job.id, status: job.status)))
    }

    func jobStatus(_ arguments: [String: Value], user: AuthenticatedUser) async throws -> CallTool.Result {
        let id = try Self.text(arguments, "job_id", limit: 100)
        guard let job = try await dependencies.database.job(id: id, userID: user.id) else { throw APIError.notFound("job \(id) not found") }
        let view = try JobView(job)
        let text = "Job \(job.id): \(job.status); \(job.indexed) pages indexed, \(job.failed) failed, \(job.chunks) chunks"
            + (job.error.map { "; error: \($0)" } ?? "")
        return Self.result(text, structured: try Self.value(view))
    }

    /// A tool result: `text` for the model to read, `structured` as JSON for programs.
    static func result(_ text: String, structured: Value? = nil, isError: Bool? = nil) -> CallTool.Result {
        CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], structuredContent: structured, isError: isError)
    }

    // MARK: Arguments

    static func optionalText(_ arguments: [String: Value], _ name: String) throws -> String? {
        guard let value = arguments[name], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw APIError.unprocessable("\(name) must be a string") }
        return text
    }

    static func text(_ arguments: [String: Value], _ name: String, limit: Int) throws -> String {
        let text = (try optionalText(arguments, name) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.count <= limit else { throw APIError.unprocessable("\(name) must be 1 to \(limit) characters") }
        return text
    }

    static func integer(_ arguments: [String: Value], _ name: String, in range: ClosedRange<Int>, default value: Int) throws -> Int {
        guard let raw = arguments[name], !raw.isNull else { return value }
        guard let number = raw.intValue ?? raw.doubleValue.flatMap({ $0.rounded() == $0 ? Int(exactly: $0) : nil }), range.contains(number) else {
            throw APIError.unprocessable("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// An encodable value as MCP structured content (JSON, as the REST API would answer it).
    static func value(_ encodable: some Encodable) throws -> Value {
        try JSONDecoder().decode(Value.self, from: JSONCoding.encoder.encode(encodable))
    }
}

/// DNS-rebinding protection for `/mcp`: a browser's `Origin` must be a loopback origin or one
/// of `NEX_MCP_ALLOWED_ORIGINS` (or `NEX_CORS_ORIGINS`); the `Host` header must be a loopback
/// host or one of `NEX_MCP_ALLOWED_HOSTS` (or an allowed origin's host) when the server
/// listens on a loopback address only — the case DNS rebinding attacks. A server listening on
/// every interface is meant to be reached by its real name, so its Host is not checked.
struct MCPOriginPolicy: HTTPRequestValidator {
    let allowedOrigins: [String]
    let allowedHosts: [String]
    let checkHost: Bool

    init(config: AppConfig) {
        allowedOrigins = (config.mcpAllowedOrigins + config.corsOrigins).map { $0.lowercased() }
        allowedHosts = (config.mcpAllowedHosts + allowedOrigins.compactMap { URL(string: $0)?.host }).map { $0.lowercased() }
        checkHost = ["127.0.0.1", "localhost", "::1", "[::1]"].contains(config.host.lowercased())
    }

    static let loopbackHosts: Set<String> = ["127.0.0.1", "localhost", "[::1]", "::1"]

    /// `host[:port]` without the port.
    static func hostName(_ authority: String) -> String {
        if authority.hasPrefix("["), let end = authority.firstIndex(of: "]") { return String(authority[...end]) }
        return String(authority.split(separator: ":", maxSplits: 1).first ?? "")
    }

    func validate(_ request: MCP.HTTPRequest, context: HTTPValidationContext) -> MCP.HTTPResponse? {
        if let origin = request.header("Origin")?.lowercased() {
            let host = URL(string: origin)?.host.map { $0.contains(":") ? "[\($0)]" : $0 } ?? ""
            let allowed = Self.loopbackHosts.contains(host) || allowedOrigins.contains("*") || allowedOrigins.contains(origin)
            if !allowed {
                return .error(statusCode: 403, .invalidRequest("Forbidden: Origin \(origin) is not allowed; add it to NEX_MCP_ALLOWED_ORIGINS"))
            }
        }
        if checkHost, let authority = request.header("Host")?.lowercased() {
            let host = Self.hostName(authority)
            if !Self.loopbackHosts.contains(host), !allowedHosts.contains("*"), !allowedHosts.contains(host) {
                return .error(statusCode: 421, .invalidRequest("Misdirected Request: Host \(host) is not allowed; add it to NEX_MCP_ALLOWED_HOSTS"))
            }
        }
        return nil
    }
}
