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
}
