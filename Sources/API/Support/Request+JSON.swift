import Foundation
import Hummingbird
import NIOCore

extension Request {
    /// The whole body, at most `limit` bytes (413 beyond).
    func collectBody(limit: Int) async throws -> Data {
        do {
            return Data(try await body.collect(upTo: limit).readableBytesView)
        } catch is NIOTooManyBytesError {
            throw APIError.payloadTooLarge(limit: limit)
        }
    }

    /// Collects the body (at most `limit` bytes) and decodes it as JSON.
    ///
    /// Errors: 413 past the limit; 400 `invalid_json` when the bytes are not JSON; 422
    /// `invalid_request` when the JSON is not what the route takes (a missing field, a wrong
    /// type, a number out of range). Messages are ours: Foundation's wording never leaks.
    func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int) async throws -> T {
        let data = try await collectBody(limit: limit)
        guard !data.isEmpty else {
            throw APIError.badRequest("request body is empty; expected a JSON object", code: "invalid_json")
        }
        // Syntax first (400), then shape (422): a number like 1e30 is valid JSON that does
        // not fit the field.
        guard let parsed = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw APIError.badRequest("request body is not valid JSON", code: "invalid_json")
        }
        guard parsed is [String: Any] else {
            throw APIError.unprocessable("request body must be a JSON object", code: "invalid_request")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch DecodingError.keyNotFound(let key, let context) {
            throw APIError.unprocessable("missing field \"\(Self.path(context.codingPath + [key]))\"", code: "invalid_request")
        } catch DecodingError.valueNotFound(_, let context) {
            throw APIError.unprocessable("field \"\(Self.path(context.codingPath))\" must not be null", code: "invalid_request")
        } catch DecodingError.typeMismatch(let expected, let context) {
            throw APIError.unprocessable("field \"\(Self.path(context.codingPath))\" must be \(Self.kind(expected))", code: "invalid_request")
        } catch DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty {
            throw APIError.unprocessable("field \"\(Self.path(context.codingPath))\" is out of range or malformed", code: "invalid_request")
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.unprocessable("request body is not what this route takes", code: "invalid_request")
        }
    }

    /// How a field's expected type is named in messages.
    private static func kind(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is [Any].Type: return "an array"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "of another type"
        }
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
}

extension Response {
    /// A JSON response with `status`, encoded with ISO-8601 dates.
    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONCoding.encoder.encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The API's JSON conventions: ISO-8601 dates, stable key order.
enum JSONCoding {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
