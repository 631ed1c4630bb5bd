import Logging
import OTel
import ServiceLifecycle
import Tracing

/// OpenTelemetry tracing, off by default. With `FRONTDESK_TRACING=otlp`, spans — a `turn` per caller
/// turn with its stages as children — are batched and exported over OTLP/HTTP to
/// `OTEL_EXPORTER_OTLP_ENDPOINT` (`http://localhost:4318` unless set), with the OTel specification's
/// other variables (`OTEL_EXPORTER_OTLP_PROTOCOL` `http/protobuf` or `http/json`, `OTEL_SERVICE_NAME`,
/// `OTEL_TRACES_SAMPLER`, `OTEL_EXPORTER_OTLP_HEADERS`…). Only traces: metrics are Prometheus's
/// (`/metrics`) and logs stay ours.
public enum TracingBackend {
    /// Whether `FRONTDESK_TRACING` asks for tracing; anything but unset, `off` or `otlp` is an error.
    public static func isEnabled(_ environment: [String: String]) throws(ConfigurationError) -> Bool {
        switch environment["FRONTDESK_TRACING"]?.lowercased() ?? "" {
        case "", "off", "none": return false
        case "otlp": return true
        case let other: throw ConfigurationError(variable: "FRONTDESK_TRACING", problem: "must be otlp or off, not '\(other)'")
        }
    }

    /// Bootstraps the process's tracer (once per process, before any span) and returns the exporter's
    /// service, to run beside the application: it flushes the last spans when stopped.
    public static func bootstrap(logger: Logger) throws -> any Service {
        var configuration = OTel.Configuration.default
        configuration.serviceName = "frontdesk"
        configuration.diagnosticLogger = .custom(logger)
        configuration.traces.enabled = true
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(backend.factory)
        logger.notice("Tracing: OpenTelemetry spans over OTLP/HTTP (FRONTDESK_TRACING=otlp; OTEL_EXPORTER_OTLP_* configure where).")
        return backend.service
    }

    /// Runs `body` with the exporter beside it when tracing is on, and flushes it when `body` returns
    /// (the simulator: spans of every scenario, exported before the process exits).
    public static func around<T>(
        environment: [String: String], logger: Logger, _ body: () async throws -> T
    ) async throws -> T {
        guard try isEnabled(environment) else { return try await body() }
        let service = try bootstrap(logger: logger)
        let group = ServiceGroup(configuration: .init(services: [service], gracefulShutdownSignals: [], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            return try result.get()
        }
    }
}
