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
                             "401": { "$ref": "#/components/responses/Error" } } } }
          }
        }
        """
    }
}
