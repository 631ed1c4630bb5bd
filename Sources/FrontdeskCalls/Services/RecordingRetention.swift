import Foundation
import FrontdeskStore
import Logging
import ServiceLifecycle

/// The recordings' retention policy (`RECORDING_RETENTION_DAYS`): every hour, and once at start, the
/// recordings of calls that started more than that many days ago are deleted — the file, and the
/// call's `recording_url` (its transcript, summary and outcome stay). Instances share the work on
/// PostgreSQL (each call's recording is taken by one).
package struct RecordingRetention: Sendable {
    let store: Store
    let days: Int
    let now: @Sendable () -> Date
    let logger: Logger
    /// Calls whose recordings are forgotten per database statement.
    static let page = 200

    package init(store: Store, days: Int, now: @escaping @Sendable () -> Date, logger: Logger) {
        self.store = store
        self.days = days
        self.now = now
        self.logger = logger
    }

    /// One pass: every recording past the limit is forgotten and its file deleted. Returns how many.
    @discardableResult
    package func expire() async throws -> Int {
        let cutoff = now().addingTimeInterval(-Double(days) * 86_400)
        var expired = 0
        while true {
            let paths = try await store.calls.expireRecordings(startedBefore: cutoff, limit: Self.page)
            for path in paths {
                do {
                    try FileManager.default.removeItem(atPath: path)
                } catch CocoaError.fileNoSuchFile {
                    // Gone already (an operator, another instance's disk): nothing to delete.
                } catch {
                    logger.error("An expired recording could not be deleted", metadata: ["path": "\(path)", "error": "\(error)"])
                }
            }
            expired += paths.count
            if paths.count < Self.page { break }
        }
        if expired > 0 { logger.notice("Deleted \(expired) call recording(s) older than \(days) days (RECORDING_RETENTION_DAYS)") }
        return expired
    }
}

/// Runs the retention policy hourly until the process stops.
package struct RecordingRetentionService: Service {
    let retention: RecordingRetention
    let interval: Duration

    package init(retention: RecordingRetention, interval: Duration = .seconds(3600)) {
        self.retention = retention
        self.interval = interval
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await retention.expire()
                } catch {
                    retention.logger.error("The recordings' retention pass failed; trying again later", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
