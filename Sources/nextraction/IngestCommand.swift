import API
import ArgumentParser
import Foundation
import IndexStore
import Ingest
import Storage

/// `nextraction ingest URL`: crawls and indexes a site in this process, with live progress.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Crawl a site into a collection (in this process, with a progress bar).",
        discussion: "The job is recorded like one started over the API, so the web page shows it too."
    )

    @Argument(help: "The start URL (http or https).")
    var url: String

    @Option(help: "Collection to add the pages to.")
    var collection = "default"

    @Option(name: .customLong("max-pages"), help: "Most pages to fetch.")
    var maxPages = 50

    @Option(name: .customLong("max-depth"), help: "Most links away from the start page.")
    var maxDepth = 3

    @Option(help: "Crawl this domain and its subdomains (default: only the start URL's host).")
    var domain: String?

    @Option(help: ArgumentHelp("Only paths with this prefix (repeatable).", valueName: "prefix"))
    var include: [String] = []

    @Option(help: ArgumentHelp("Never paths with this prefix (repeatable).", valueName: "prefix"))
    var exclude: [String] = []

    @Option(help: ArgumentHelp("Seconds between requests to one host (default 0.5, or NEX_CRAWL_DELAY).", valueName: "seconds"))
    var delay: Double?

    @Flag(name: .customLong("allow-private"), help: "Allow loopback and private addresses (local sites, tests).")
    var allowPrivate = false

    @Option(help: "The account that owns the collection (default: the only account).")
    var user: String?

    @OptionGroup var data: DataOptions
    @OptionGroup var model: ModelOptions

    func validate() throws {
        guard maxPages >= 1 else { throw ValidationError("--max-pages must be at least 1") }
        guard (0...20).contains(maxDepth) else { throw ValidationError("--max-depth must be between 0 and 20") }
    }

    func run() async throws {
        let services = try await LocalServices(data: data, model: model, existing: false)
        let owner = try await services.user(email: user)
        let start: URL
        do {
            start = try IngestParameters.validate(url: url, allowPrivateHosts: allowPrivate || services.config.allowPrivateHosts)
            _ = try IngestParameters.validate(collection: collection)
        } catch let error as IngestError {
            throw ValidationError(error.description)
        }
        guard let ownerID = owner.id else { throw CLIError("account without id") }
        let parameters = IngestParameters(
            url: start.absoluteString, collection: collection, domain: domain, maxPages: min(maxPages, services.config.maxPagesLimit),
            maxDepth: maxDepth, include: include, exclude: exclude, politenessDelay: delay,
            allowPrivateHosts: allowPrivate || services.config.allowPrivateHosts
        )
        let record = try await services.database.ensureCollection(userID: ownerID, name: collection)
        guard let collectionID = record.id else { throw CLIError("collection without id") }
        let job = try await services.database.createJob(userID: ownerID, collectionID: collectionID, kind: "ingest", params: parameters.json())
        // The collection remembers its source (for re-syncs from the server), keeping any schedule it has.
        let schedule = try await services.database.sources(collectionID: collectionID).first { $0.url == parameters.url }?.refreshEvery
        try await services.database.recordSource(collectionID: collectionID, url: parameters.url, params: parameters.json(),
                                                 refreshEvery: schedule, jobID: job.id, at: Date())
        let progress = ProgressTracker(jobID: job.id)
        let pipeline = IngestPipeline(environment: try services.ingestEnvironment(logger: commandLogger()),
                                      collectionID: collectionID, parameters: parameters, progress: progress)
        let final = try await LocalJob(services: services, job: job, collectionID: collectionID, progress: progress)
            .run(display: ProgressDisplay(maxPages: parameters.maxPages)) { try await pipeline.run() }
        print("job \(job.id): \(final.indexed) pages indexed, \(final.unchanged) unchanged, \(final.skipped) skipped, "
              + "\(final.failed) failed, \(final.removed) removed; \(final.chunks) chunks embedded into \"\(collection)\"")
    }
}
