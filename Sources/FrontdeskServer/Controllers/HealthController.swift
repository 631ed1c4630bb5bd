import Foundation
import FrontdeskCore
import FrontdeskMedia
import FrontdeskStore
import Hummingbird
import Logging
import Synchronization

/// `GET /health`: overall state; with `detailed=true`, a real database check with its query time.
/// `GET /health/live` (the process answers: restart it when this fails) and `GET /health/ready` (the
/// database answers and the instance is not stopping: route traffic to it) are for load balancers and
/// orchestrators. None of them is rate-limited.
struct HealthController {
    static let version = "0.1.0"

    let configuration: AppConfiguration
    let store: Store
    let recordings: RecordingEncoder?
    let mediaTotals: MediaTotals
    let now: @Sendable () -> Date
    let startedAt: Date
    /// False once the instance has begun to stop (it drains; new calls belong elsewhere).
    let isAccepting: @Sendable () -> Bool
    /// The last detailed report, reused for a few seconds when `cache` is not false.
    let cache = ReportCache()

    final class ReportCache: Sendable {
        let value = Mutex<(at: Date, report: Report)?>(nil)
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: health)
        group.get("live", use: live)
        group.get("ready", use: ready)
    }

    struct Probe: Encodable, Sendable {
        let status: String
        /// Milliseconds since the process started.
        let uptime: Int
        let version: String
    }

    /// Liveness: no database, no locks — only that the process and its event loops answer.
    @Sendable func live(_ request: Request, context: AppRequestContext) async throws -> Response {
        try APIResponse(Probe(status: "alive", uptime: uptime(now()), version: Self.version))
            .response(from: request, context: context)
    }

    /// Readiness: the database answers a query within two seconds and the instance is not stopping;
    /// otherwise 503 `SERVICE_UNAVAILABLE` with the reason.
    @Sendable func ready(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard isAccepting() else { throw AppError(.serviceUnavailable, "Not ready: stopping: this instance is draining its calls") }
        if let problem = await databaseProblem(within: .seconds(2)) {
            throw AppError(.serviceUnavailable, "Not ready: database: \(problem)")
        }
        return try APIResponse(Probe(status: "ready", uptime: uptime(now()), version: Self.version))
            .response(from: request, context: context)
    }

    /// Why the database check failed, or nil when it answered within `limit`.
    private func databaseProblem(within limit: Duration) async -> String? {
        do {
            return try await withThrowingTaskGroup(of: String?.self) { group in
                group.addTask { try await store.ping(); return nil }
                group.addTask { try await Task.sleep(for: limit); return "no answer within \(limit)" }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
        } catch {
            return "\(error)"
        }
    }

    private func uptime(_ now: Date) -> Int { max(0, Int(now.timeIntervalSince(startedAt) * 1000)) }

    struct Check: Encodable, Sendable {
        let name: String
        let status: String
        let message: String
        /// Milliseconds.
        let duration: Double
        let timestamp: Date
    }

    struct Report: Encodable, Sendable {
        let overall: String
        let checks: [Check]?
        let timestamp: Date
        let version: String
        /// Milliseconds since the process started.
        let uptime: Int
        let environment: String
        /// Media streams (detailed only): active now, and the counters of those that ended.
        let media: MediaTotals.Snapshot?
    }

    @Sendable func health(_ request: Request, context: AppRequestContext) async throws -> Response {
        let query = QueryReader(request)
        let detailed = try query.bool("detailed") ?? false
        let useCache = try query.bool("cache") ?? true
        let now = now()
        var report: Report
        if detailed {
            if useCache, let cached = cache.value.withLock({ $0 }), now.timeIntervalSince(cached.at) < 5 {
                report = cached.report
            } else {
                report = try await check(now: now, detailed: true)
                let fresh = report
                cache.value.withLock { $0 = (now, fresh) }
            }
        } else {
            report = try await check(now: now, detailed: false)
        }
        guard report.overall == "healthy" else {
            // Unhealthy: the error envelope's success, error and code around the same report.
            let body = try APIJSON.encoder.encode(
                UnhealthyEnvelope(
                    error: "Service unhealthy: " + (report.checks ?? []).filter { $0.status != "healthy" }.map(\.message)
                        .joined(separator: "; "),
                    data: report, timestamp: Date(), requestId: context.requestId))
            return Response(
                status: .serviceUnavailable, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: .init(bytes: body)))
        }
        return try APIResponse(report).response(from: request, context: context)
    }

    /// `success: false` and `SERVICE_UNAVAILABLE` like any error, with the report that says why.
    struct UnhealthyEnvelope: Encodable {
        let success = false
        let error: String
        let code = ErrorCode.serviceUnavailable
        let data: Report
        let timestamp: Date
        let requestId: String

        enum CodingKeys: String, CodingKey { case success, error, code, data, timestamp, requestId }
    }

    private func check(now: Date, detailed: Bool) async throws -> Report {
        let clock = ContinuousClock()
        let start = clock.now
        var healthy = true
        var message: String
        var failure = ""
        do {
            try await store.ping()
        } catch {
            healthy = false
            failure = String(describing: error)
        }
        let elapsed = clock.now - start
        let ms = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        let rounded = (ms * 1000).rounded() / 1000
        message = healthy ? "Database is healthy. Query time: \(rounded)ms" : "Database check failed: \(failure)"
        let checks = [
            Check(
                name: "database", status: healthy ? "healthy" : "unhealthy", message: message, duration: rounded,
                timestamp: now)
        ]
        return Report(
            overall: healthy ? "healthy" : "unhealthy", checks: detailed || !healthy ? checks : nil, timestamp: now,
            version: Self.version, uptime: uptime(now),
            environment: configuration.environment, media: detailed ? mediaTotals.snapshot(recordingsPending: recordings?.pending ?? 0) : nil)
    }
}
