import FrontdeskCore
import Foundation
import GRDB

/// Provider webhook event ids already handled (for deduplication).
public struct ProviderEventRepository: Sendable {
    let pool: DatabasePool

    /// Records the event; returns false when it had been recorded before (a duplicate delivery).
    public func recordIfNew(provider: String, eventId: String, type: String?, at now: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO processed_events (provider, event_id, event_type, received_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT DO NOTHING
                    """, arguments: [provider, eventId, type, now])
            return db.changesCount == 1
        }
    }

    public func count(provider: String) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM processed_events WHERE provider = ?", arguments: [provider])
                ?? 0
        }
    }
}
