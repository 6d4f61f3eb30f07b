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
    /// `invalid_request` when the JSON lacks a field or has one of the wrong type.
    func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int) async throws -> T {
        let data = try await collectBody(limit: limit)
        guard !data.isEmpty else {
            throw APIError.badRequest("request body is empty; expected a JSON object", code: "invalid_json")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw APIError.badRequest("request body is not valid JSON", code: "invalid_json")
        } catch DecodingError.keyNotFound(let key, _) {
            throw APIError.unprocessable("missing field \"\(key.stringValue)\"", code: "invalid_request")
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            throw APIError.unprocessable("field \"\(Self.path(context.codingPath))\" has the wrong type", code: "invalid_request")
        } catch DecodingError.dataCorrupted(let context) {
            throw APIError.unprocessable("field \"\(Self.path(context.codingPath))\" is invalid: \(context.debugDescription)", code: "invalid_request")
        } catch {
            throw APIError.badRequest("request body is not valid JSON", code: "invalid_json")
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
