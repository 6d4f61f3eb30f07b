@testable import HTTPKit
import Testing

@Suite("SSRF address classification")
struct AddressClassifierTests {
    @Test("loopback, private, link-local, multicast, unspecified and reserved addresses are not public",
          arguments: [
            "127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
            "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "239.1.1.1", "255.255.255.255",
            "198.18.0.1", "192.0.2.5", "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
            "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "2002:7f00:1::", "2001:db8::1", "[::1]",
          ])
    func notPublic(address: String) {
        #expect(AddressClassifier.parse(address) != nil, "\(address) should parse")
        #expect(!AddressClassifier.isPublic(address))
    }

    @Test("global unicast addresses are public", arguments: [
        "8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "93.184.216.34",
        "2606:4700:4700::1111", "2a00:1450:4001:80b::200e", "::ffff:8.8.8.8",
    ])
    func isPublic(address: String) {
        #expect(AddressClassifier.isPublic(address))
    }

    @Test("malformed text does not parse (and so is never public)", arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "a.b.c.d", "1::2::3", "12345::", "localhost",
    ])
    func malformed(text: String) {
        #expect(AddressClassifier.parse(text) == nil)
        #expect(!AddressClassifier.isPublic(text))
    }
}

@Suite("HTTP client address policy")
struct AddressPolicyTests {
    @Test("publicOnly refuses a loopback IP, and a public-looking name resolved to loopback, before connecting")
    func refusesLoopback() async throws {
        let client = try HTTPClient(userAgent: "test")
        // Port 9 (discard) has no listener: a refusal here proves the guard ran first.
        for request in [
            HTTPClient.Request(url: "http://127.0.0.1:9/", addressPolicy: .publicOnly),
            HTTPClient.Request(url: "http://docs.public-site.example:9/", addressPolicy: .publicOnly,
                               resolveOverrides: ["docs.public-site.example:9:127.0.0.1"]),
            HTTPClient.Request(url: "http://[::1]:9/", addressPolicy: .publicOnly),
        ] {
            await #expect(throws: HTTPClientError.blockedAddress(request.url.contains("::1") ? "::1" : "127.0.0.1")) {
                try await client.execute(request)
            }
        }
        // Without the policy the same request gets as far as connecting (and is refused by the OS).
        await #expect(throws: HTTPClientError.self) {
            try await client.execute(.init(url: "http://127.0.0.1:9/", addressPolicy: .any))
        }
        do {
            _ = try await client.execute(.init(url: "http://127.0.0.1:9/", addressPolicy: .any))
        } catch let error as HTTPClientError {
            #expect(error != .blockedAddress("127.0.0.1"))
        }
    }

    @Test("non-HTTP schemes are refused")
    func schemes() async throws {
        let client = try HTTPClient(userAgent: "test")
        await #expect(throws: HTTPClientError.self) { try await client.execute(.init(url: "file:///etc/passwd")) }
        await #expect(throws: HTTPClientError.self) { try await client.execute(.init(url: "gopher://127.0.0.1/")) }
    }

    @Test("hosts that are literally private, in every form the resolver reads, are recognised before any lookup")
    func literalHosts() {
        for host in ["127.0.0.1", "127.1", "2130706433", "0x7f000001", "0x7f.1", "017700000001", "10.1", "0", "localhost", "LOCALHOST.",
                     "db.localhost", "::1", "[::1]", "[::ffff:192.168.0.1]", "169.254.169.254", "0xa9.0xfe.0xa9.0xfe"] {
            #expect(AddressClassifier.isLiterallyPrivate(host: host), "\(host)")
        }
        for host in ["8.8.8.8", "134744072", "0x08080808", "example.com", "localhost.example.com", "[2606:4700::1111]", "1.1"] {
            #expect(!AddressClassifier.isLiterallyPrivate(host: host), "\(host)")
        }
        #expect(AddressClassifier.parseLegacyIPv4("1.2.3.256") == nil && AddressClassifier.parseLegacyIPv4("4294967296") == nil)
    }
}
