import Foundation
import Logging

/// A swift-log handler writing one line per event, as logfmt (`key=value`) or JSON.
///
/// Metadata whose key names a secret (password, token, secret, authorization, cookie, key)
/// is replaced by `[redacted]` before formatting — a second line of defence; the code
/// already never logs such values.
public struct StructuredLogHandler: LogHandler {
    public enum Format: String, Sendable { case text, json }

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let format: Format
    private let sink: @Sendable (String) -> Void

    /// - Parameter sink: receives each formatted line (without the newline).
    public init(label: String, level: Logger.Level, format: Format, sink: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.sink = sink
    }

    /// A handler writing to standard error.
    public static func standardError(label: String, level: Logger.Level, format: Format) -> StructuredLogHandler {
        StructuredLogHandler(label: label, level: level, format: format) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var fields: [(String, String)] = [
            ("ts", Self.timestamp()), ("level", event.level.rawValue), ("logger", label), ("msg", "\(event.message)"),
        ]
        for key in merged.keys.sorted() {
            let value = Self.isSensitive(key) ? "[redacted]" : "\(merged[key].map { "\($0)" } ?? "")"
            fields.append((key, value))
        }
        sink(format == .json ? Self.json(fields) : Self.logfmt(fields))
    }

    static func isSensitive(_ key: String) -> Bool {
        let lower = key.lowercased()
        return ["password", "token", "secret", "authorization", "cookie", "api_key", "apikey"].contains { lower.contains($0) }
    }

    static func logfmt(_ fields: [(String, String)]) -> String {
        fields.map { key, value in
            let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0.isNewline }
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            return "\(key)=" + (needsQuotes ? "\"\(escaped)\"" : escaped)
        }.joined(separator: " ")
    }

    static func json(_ fields: [(String, String)]) -> String {
        var object: [String: String] = [:]
        for (key, value) in fields { object[key] = value }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    private static func timestamp() -> String {
        Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
