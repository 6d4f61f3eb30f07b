import CoreMetrics
import Metrics
import Prometheus

/// The server's metrics, created through an explicit swift-metrics factory backed by one
/// Prometheus registry (no global state, so tests can run many apps in one process).
public struct AppMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        self.factory = factory
    }

    /// The swift-metrics factory, for components that create their own metrics.
    public var metricsFactory: any MetricsFactory { factory }

    func recordRequest(method: String, route: String, status: Int, seconds: Double) {
        let dimensions = [("method", method), ("route", route), ("status", String(status))]
        Counter(label: "http_requests_total", dimensions: dimensions, factory: factory).increment()
        Timer(label: "http_request_duration_seconds", dimensions: [("method", method), ("route", route)], factory: factory)
            .recordNanoseconds(Int64(seconds * 1e9))
    }

    func recordAsk(seconds: Double, answerable: Bool) {
        Timer(label: "nextraction_ask_duration_seconds", dimensions: [], factory: factory).recordNanoseconds(Int64(seconds * 1e9))
        Counter(label: "nextraction_ask_total", dimensions: [("answerable", String(answerable))], factory: factory).increment()
    }

    /// Values read at scrape time: jobs waiting, and vectors stored (the index size).
    func updateGauges(queuedJobs: Int, runningJobs: Int, vectors: Int) {
        Gauge(label: "nextraction_jobs_queued", dimensions: [], factory: factory).record(queuedJobs)
        Gauge(label: "nextraction_jobs_running", dimensions: [], factory: factory).record(runningJobs)
        Gauge(label: "nextraction_index_vectors", dimensions: [], factory: factory).record(vectors)
    }

    /// The Prometheus text exposition of every metric.
    func exposition() -> String { registry.emitToString() }
}
