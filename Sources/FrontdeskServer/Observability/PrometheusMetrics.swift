import FrontdeskCore
import Metrics
import Prometheus

/// The process's metrics registry: swift-metrics bootstrapped once, on the first application built,
/// with Prometheus's factory — every `Telemetry` call from then on lands here, and `GET /metrics`
/// writes it out in Prometheus's text format.
enum PrometheusMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = Telemetry.histogramBuckets
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// Makes sure the registry is the metrics backend (idempotent).
    static func bootstrap() { _ = registry }

    static func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 * 1024)
        registry.emit(into: &buffer)
        return buffer
    }
}
