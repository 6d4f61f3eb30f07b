import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Server-sent events (`text/event-stream`): the response headers and one
/// `event: NAME` / `data: JSON` block per event, for every streaming route.
enum ServerSentEvents {
    static var headers: HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        return headers
    }

    /// One unnamed event (`data:` only, as OpenAI's streams are) whose data is `value` as JSON.
    static func data(_ value: some Encodable) throws -> ByteBuffer {
        ByteBuffer(string: "data: \(String(decoding: try JSONCoding.encoder.encode(value), as: UTF8.self))\n\n")
    }

    /// One event whose data is `value` as JSON.
    static func event(_ name: String, _ value: some Encodable) throws -> ByteBuffer {
        ByteBuffer(string: "event: \(name)\ndata: \(String(decoding: try JSONCoding.encoder.encode(value), as: UTF8.self))\n\n")
    }
}
