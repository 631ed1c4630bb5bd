import Foundation
import FrontdeskCore
import FrontdeskStore
import Hummingbird
import Logging
import Synchronization

/// `GET /health`: overall state; with `detailed=true`, a real database check with its query time.
struct HealthController {
    static let version = "0.1.0"

    let services: AppServices
    /// The last detailed report, reused for a few seconds when `cache` is not false.
    let cache = ReportCache()

    final class ReportCache: Sendable {
        let value = Mutex<(at: Date, report: Report)?>(nil)
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: health)
    }

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
        let now = services.now()
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
        let status: HTTPResponse.Status = report.overall == "healthy" ? .ok : .serviceUnavailable
        return try APIResponse(report, status: status).response(from: request, context: context)
    }

    private func check(now: Date, detailed: Bool) async throws -> Report {
        let clock = ContinuousClock()
        let start = clock.now
        var healthy = true
        var message: String
        do {
            try await services.store.ping()
        } catch {
            healthy = false
        }
        let elapsed = clock.now - start
        let ms = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        let rounded = (ms * 1000).rounded() / 1000
        message = healthy ? "Database is healthy. Query time: \(rounded)ms" : "Database query failed"
        let checks = [
            Check(
                name: "database", status: healthy ? "healthy" : "unhealthy", message: message, duration: rounded,
                timestamp: now)
        ]
        return Report(
            overall: healthy ? "healthy" : "unhealthy", checks: detailed ? checks : nil, timestamp: now,
            version: Self.version, uptime: max(0, Int(now.timeIntervalSince(services.startedAt) * 1000)),
            environment: services.configuration.environment, media: detailed ? services.mediaTotals.snapshot(recordingsPending: services.recordings?.pending ?? 0) : nil)
    }
}
