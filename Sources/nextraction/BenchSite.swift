import Foundation
import Hummingbird
import Logging
import NexNumerics
import ServiceLifecycle

/// A generated website served on a loopback port for `bench ingest`: a home page linking to
/// `pages` article pages of a few kilobytes each (nav, header and footer boilerplate around
/// seven to twelve paragraphs of seeded pseudo-English under two or three headings).
struct BenchSite {
    let pages: Int

    static let words = """
        soil water root leaf light season garden plant seed grow flower fruit tree prune compost mulch frost \
        summer winter spring autumn shade sun bed border pot container drainage nitrogen potassium phosphorus \
        harvest yield variety cultivar pest aphid slug disease fungus mildew blight rot healthy strong young old \
        method careful regular deep shallow early late morning evening week month year temperature humidity \
        greenhouse cold warm dry wet heavy light sandy clay loam acid alkaline lime sulfur feed fertiliser
        """.split(separator: " ").map(String.init).filter { !$0.isEmpty }

    func html(for index: Int) -> String {
        var rng = SplitMix64(seed: UInt64(index) &* 7919 &+ 17)
        func sentence() -> String {
            let count = 8 + Int(rng.next() % 12)
            var words = (0..<count).map { _ in Self.words[Int(rng.next() % UInt64(Self.words.count))] }
            words[0] = words[0].capitalized
            return words.joined(separator: " ") + "."
        }
        func paragraph() -> String { "<p>" + (0..<(3 + Int(rng.next() % 4))).map { _ in sentence() }.joined(separator: " ") + "</p>" }
        var body = "<h1>Article \(index)</h1>" + paragraph()
        for section in 0..<(2 + Int(rng.next() % 2)) {
            body += "<h2>Section \(section + 1) of article \(index)</h2>"
            for _ in 0..<(2 + Int(rng.next() % 3)) { body += paragraph() }
        }
        let related = (1...5).map { "<a href='/articles/\((index + $0 * 37) % pages)'>related \($0)</a>" }.joined(separator: " ")
        return """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Article \(index)</title></head><body>
            <header><p>Bench Garden Site — subscribe to the newsletter</p></header>
            <nav><a href="/">Home</a> <a href="/articles/0">First</a> <a href="/articles/\(pages - 1)">Last</a></nav>
            <main>\(body)<p>\(related)</p></main><footer><p>Copyright Bench Garden Site</p></footer></body></html>
            """
    }

    var home: String {
        "<!doctype html><html><head><title>Bench site</title></head><body><main><h1>All articles</h1><p>An index of every article.</p><ul>"
            + (0..<pages).map { "<li><a href='/articles/\($0)'>Article \($0)</a></li>" }.joined() + "</ul></main></body></html>"
    }

    /// Serves the site until `body` returns; passes the base URL.
    func serve<T: Sendable>(_ body: @escaping @Sendable (String) async throws -> T) async throws -> T {
        let rendered = (0..<pages).map { html(for: $0) }
        let home = self.home
        let router = Router()
        router.get("/") { _, _ in Self.page(home) }
        router.get("/articles/:n") { _, context in
            guard let n = context.parameters.get("n", as: Int.self), rendered.indices.contains(n) else { throw HTTPError(.notFound) }
            return Self.page(rendered[n])
        }
        router.get("/robots.txt") { _, _ in Response(status: .notFound) }
        router.get("/sitemap.xml") { _, _ in Response(status: .notFound) }
        var logger = Logger(label: "bench-site")
        logger.logLevel = .error
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CLIError("bench site did not start") }
            let result = try await body("http://127.0.0.1:\(port)")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        }
    }

    static func page(_ html: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
