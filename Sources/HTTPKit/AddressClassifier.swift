import Foundation

/// Classifies IP addresses for the SSRF guard: which ones are globally routable unicast.
///
/// Ranges follow the IANA special-purpose registries (RFC 6890 and successors). IPv4-mapped
/// and IPv4-compatible IPv6 addresses, 6to4 and NAT64 are judged by the IPv4 address inside.
public enum AddressClassifier {
    /// Whether a raw address (4 bytes IPv4 or 16 bytes IPv6) is public unicast.
    public static func isPublic(_ bytes: [UInt8]) -> Bool {
        switch bytes.count {
        case 4: return isPublicIPv4(bytes)
        case 16: return isPublicIPv6(bytes)
        default: return false
        }
    }

    /// Whether a textual IPv4 or IPv6 address is public unicast (false when it does not parse).
    public static func isPublic(_ address: String) -> Bool {
        guard let bytes = parse(address) else { return false }
        return isPublic(bytes)
    }

    static func isPublicIPv4(_ b: [UInt8]) -> Bool {
        switch (b[0], b[1]) {
        case (0, _): return false                          // "this network", unspecified
        case (10, _): return false                         // private
        case (100, 64...127): return false                 // carrier-grade NAT
        case (127, _): return false                        // loopback
        case (169, 254): return false                      // link-local (incl. cloud metadata)
        case (172, 16...31): return false                  // private
        case (192, 0) where b[2] == 0 || b[2] == 2: return false   // IETF protocol, TEST-NET-1
        case (192, 88) where b[2] == 99: return false      // 6to4 relay anycast
        case (192, 168): return false                      // private
        case (198, 18...19): return false                  // benchmarking
        case (198, 51) where b[2] == 100: return false     // TEST-NET-2
        case (203, 0) where b[2] == 113: return false      // TEST-NET-3
        case (224...239, _): return false                  // multicast
        case (240...255, _): return false                  // reserved, broadcast
        default: return true
        }
    }

    static func isPublicIPv6(_ b: [UInt8]) -> Bool {
        let first10Zero = b[0..<10].allSatisfy { $0 == 0 }
        if first10Zero && b[10] == 0xFF && b[11] == 0xFF {
            return isPublicIPv4(Array(b[12..<16]))         // ::ffff:a.b.c.d (mapped)
        }
        if b[0..<12].allSatisfy({ $0 == 0 }) {
            return false                                   // ::, ::1, ::a.b.c.d (deprecated)
        }
        if b[0] == 0x00, b[1] == 0x64, b[2] == 0xFF, b[3] == 0x9B {
            return isPublicIPv4(Array(b[12..<16]))         // 64:ff9b::/96 NAT64
        }
        if b[0] == 0x20, b[1] == 0x02 {
            return isPublicIPv4(Array(b[2..<6]))           // 2002::/16 6to4
        }
        if b[0] == 0xFF { return false }                   // multicast
        if b[0] == 0xFE && (b[1] & 0xC0) == 0x80 { return false }  // fe80::/10 link-local
        if b[0] == 0xFE && (b[1] & 0xC0) == 0xC0 { return false }  // fec0::/10 site-local
        if (b[0] & 0xFE) == 0xFC { return false }          // fc00::/7 unique local
        if b[0] == 0x20, b[1] == 0x01, b[2] == 0x0D, b[3] == 0xB8 { return false }  // documentation
        if b[0] == 0x01, b[1] == 0x00, b[2..<8].allSatisfy({ $0 == 0 }) { return false }  // discard
        return (b[0] & 0xE0) == 0x20                       // only 2000::/3 is global unicast
    }

    /// Whether a URL's host is, literally, a non-public address: an IP literal in any form the
    /// resolver accepts ("127.0.0.1", "[::1]", "2130706433", "0x7f.1", "127.1") or a name that
    /// is local by definition ("localhost", "*.localhost", RFC 6761). Other names can only be
    /// judged once resolved, when they are fetched.
    public static func isLiterallyPrivate(host rawHost: String) -> Bool {
        var host = rawHost.lowercased()
        if host.hasSuffix(".") { host.removeLast() }
        if host == "localhost" || host.hasSuffix(".localhost") { return true }
        if let bytes = parse(host) ?? parseLegacyIPv4(host) { return !isPublic(bytes) }
        return false
    }

    /// IPv4 in the forms `inet_aton` accepts besides dotted quads: 1 to 4 parts, each decimal,
    /// octal (leading 0) or hex (0x), the last filling the remaining bytes.
    static func parseLegacyIPv4(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var values: [UInt64] = []
        for part in parts {
            let lower = part.lowercased()
            let value: UInt64?
            if lower.hasPrefix("0x") { value = lower.count > 2 ? UInt64(lower.dropFirst(2), radix: 16) : 0 }
            else if lower.hasPrefix("0"), lower.count > 1 { value = UInt64(lower.dropFirst(), radix: 8) }
            else { value = UInt64(lower, radix: 10) }
            guard let value else { return nil }
            values.append(value)
        }
        let leading = values.dropLast()
        guard leading.allSatisfy({ $0 <= 0xFF }), let last = values.last, last < (UInt64(1) << (8 * (5 - values.count))) else { return nil }
        var bytes = leading.map { UInt8($0) }
        for shift in stride(from: 8 * (4 - values.count), through: 0, by: -8) { bytes.append(UInt8((last >> UInt64(shift)) & 0xFF)) }
        return bytes
    }

    /// Parses dotted IPv4 or IPv6 text (with `::` compression and a trailing IPv4 part).
    public static func parse(_ text: String) -> [UInt8]? {
        var address = text
        if address.hasPrefix("["), address.hasSuffix("]") { address = String(address.dropFirst().dropLast()) }
        if let zone = address.firstIndex(of: "%") { address = String(address[..<zone]) }
        if !address.contains(":") { return parseIPv4(address) }
        return parseIPv6(address)
    }

    static func parseIPv4(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes = [UInt8]()
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let value = UInt8(part) else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    static func parseIPv6(_ text: String) -> [UInt8]? {
        var tail: [UInt8] = []
        var body = Substring(text)
        if let lastColon = body.lastIndex(of: ":"), body[body.index(after: lastColon)...].contains(".") {
            guard let v4 = parseIPv4(String(body[body.index(after: lastColon)...])) else { return nil }
            tail = v4
            body = body[...lastColon]
            if body.hasSuffix("::") == false { body = body.dropLast() }
        }
        let halves = body.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out = [UInt16]()
            for g in s.split(separator: ":", omittingEmptySubsequences: false) {
                guard !g.isEmpty, g.count <= 4, let v = UInt16(g, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        let rest = halves.count == 2 ? groups(halves[1]) : []
        guard let back = rest else { return nil }
        let total = 8 - tail.count / 2
        var words: [UInt16]
        if halves.count == 2 {
            guard head.count + back.count < total else { return nil }
            words = head + [UInt16](repeating: 0, count: total - head.count - back.count) + back
        } else {
            guard head.count == total else { return nil }
            words = head
        }
        var bytes = [UInt8]()
        for word in words { bytes.append(UInt8(word >> 8)); bytes.append(UInt8(word & 0xFF)) }
        return bytes + tail
    }
}
