import Foundation

/// Typed reads of environment variables; empty values count as unset.
struct EnvironmentReader {
    let values: [String: String]

    init(_ values: [String: String]) { self.values = values }

    func string(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigError.invalid(name: name, value: text, expected: "a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func bool(_ name: String) throws -> Bool? {
        guard let text = string(name)?.lowercased() else { return nil }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigError.invalid(name: name, value: text, expected: "1/0, true/false, yes/no or on/off")
        }
    }

    func list(_ name: String) -> [String]? {
        string(name).map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }

    /// Seconds, or a number with a unit: `s`, `m`, `h`, `d` (e.g. `90m`, `24h`).
    func duration(_ name: String) throws -> TimeInterval? {
        guard let text = string(name) else { return nil }
        guard let value = Self.parseDuration(text) else {
            throw ConfigError.invalid(name: name, value: text, expected: "seconds or a number with s, m, h or d")
        }
        return value
    }

    /// Bytes, or a number with a unit: `KiB`, `MiB`, `GiB` (also `K`, `M`, `G`, `KB`, `MB`).
    func byteCount(_ name: String) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Self.parseByteCount(text) else {
            throw ConfigError.invalid(name: name, value: text, expected: "bytes or a number with KiB, MiB or GiB")
        }
        return value
    }

    static func parseDuration(_ text: String) -> TimeInterval? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        let lower = text.lowercased()
        for (suffix, factor) in units where lower.hasSuffix(suffix) {
            guard let number = Double(lower.dropLast(suffix.count)), number >= 0 else { return nil }
            return number * factor
        }
        guard let seconds = Double(lower), seconds >= 0 else { return nil }
        return seconds
    }

    static func parseByteCount(_ text: String) -> Int? {
        let units: [(String, Int)] = [
            ("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30),
            ("kb", 1 << 10), ("mb", 1 << 20), ("gb", 1 << 30),
            ("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30),
        ]
        let lower = text.lowercased()
        for (suffix, factor) in units where lower.hasSuffix(suffix) {
            guard let number = Double(lower.dropLast(suffix.count)), number >= 0 else { return nil }
            return Int(number * Double(factor))
        }
        guard let bytes = Int(lower), bytes >= 0 else { return nil }
        return bytes
    }
}
