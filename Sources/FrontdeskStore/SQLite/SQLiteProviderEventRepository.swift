import Foundation
import FrontdeskCore
import GRDB



/// Provider webhook events: the durable inbox and its deduplication by event id.
struct SQLiteProviderEventRepository: ProviderEventRepository {
    let pool: StoreDatabase

    /// Records the event; returns false when it had been recorded before (a duplicate delivery).
    func recordIfNew(provider: String, eventId: String, type: String?, at now: Date) async throws -> Bool {
        try await accept(provider: provider, eventId: eventId, type: type, payload: nil, at: now)
    }

    /// For a webhook answered with the result of acting on it (Twilio's TwiML): takes the event id the
    /// first time (`.new`); a redelivery gets the stored answer (`.answered`), or `.unfinished` when the
    /// first delivery never stored one (it failed or the process stopped) and it should be acted on again.
    func claim(provider: String, eventId: String, type: String?, at now: Date) async throws -> EventClaim {
        let stamp = now.storageValue
        return try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO processed_events (provider, event_id, event_type, received_at, payload, processed_at)
                    VALUES (?, ?, ?, ?, NULL, ?) ON CONFLICT DO NOTHING
                    """, arguments: [provider, eventId, type, stamp, stamp])
            if db.changesCount == 1 { return .new }
            let answer = try Data.fetchOne(
                db, sql: "SELECT payload FROM processed_events WHERE provider = ? AND event_id = ?", arguments: [provider, eventId])
            return answer.map(EventClaim.answered) ?? .unfinished
        }
    }

    /// Stores the answer given to a claimed event, for its redeliveries.
    func storeAnswer(provider: String, eventId: String, answer: Data) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE processed_events SET payload = ? WHERE provider = ? AND event_id = ?",
                arguments: [answer, provider, eventId])
        }
    }

    /// Stores an accepted event with its body, durably, before it is acted on. False for a duplicate.
    func accept(provider: String, eventId: String, type: String?, payload: Data?, at now: Date) async throws -> Bool {
        let stamp = now.storageValue
        return try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO processed_events (provider, event_id, event_type, received_at, payload, processed_at)
                    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                    """, arguments: [provider, eventId, type, stamp, payload, payload == nil ? stamp : .null])
            return db.changesCount == 1
        }
    }

    /// Stores several accepted events in one transaction; for each, false when it was a duplicate
    /// (of an earlier delivery, or of one before it in the same batch).
    func accept(_ events: [PendingProviderEvent], at now: Date) async throws -> [Bool] {
        try await pool.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO processed_events (provider, event_id, event_type, received_at, payload, processed_at, ordering_key)
                    VALUES (?, ?, ?, ?, ?, NULL, ?) ON CONFLICT DO NOTHING
                    """)
            let received = now.storageValue
            return try events.map { event in
                try statement.execute(arguments: [event.provider, event.eventId, event.type, received, event.payload, event.key])
                return db.changesCount == 1
            }
        }
    }

    /// Marks several events acted on, in one transaction. The body is dropped then: it is kept only for
    /// a replay after a crash; the id stays for deduplication (and the table stays small).
    func markProcessed(_ events: [(provider: String, eventId: String)], at now: Date) async throws {
        guard !events.isEmpty else { return }
        try await pool.write { db in
            let statement = try db.cachedStatement(sql: "UPDATE processed_events SET processed_at = ?, payload = NULL WHERE provider = ? AND event_id = ?")
            let processed = now.storageValue
            for event in events { try statement.execute(arguments: [processed, event.provider, event.eventId]) }
        }
    }

    /// Accepted events not yet acted on, oldest first (replayed at start-up).
    func pending(limit: Int) async throws -> [PendingProviderEvent] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT provider, event_id, event_type, payload, ordering_key FROM processed_events
                    WHERE processed_at IS NULL ORDER BY received_at, rowid LIMIT ?
                    """, arguments: [limit]
            ).map(Self.pendingEvent)
        }
    }

    func pending(key: String, limit: Int) async throws -> [PendingProviderEvent] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT provider, event_id, event_type, payload, ordering_key FROM processed_events
                    WHERE processed_at IS NULL AND ordering_key = ? ORDER BY received_at, rowid LIMIT ?
                    """, arguments: [key, limit]
            ).map(Self.pendingEvent)
        }
    }

    func pendingKeys(acceptedBefore before: Date, limit: Int) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT ordering_key FROM processed_events
                    WHERE processed_at IS NULL AND ordering_key IS NOT NULL AND received_at < ?
                    GROUP BY ordering_key ORDER BY min(received_at) LIMIT ?
                    """, arguments: [before.storageValue, limit])
        }
    }

    private static func pendingEvent(_ row: Row) -> PendingProviderEvent {
        PendingProviderEvent(
            provider: row["provider"], eventId: row["event_id"], type: row["event_type"], payload: row["payload"] ?? Data(),
            key: row["ordering_key"])
    }

    /// Events accepted from `provider`, and how many of them have been acted on.
    func progress(provider: String) async throws -> (accepted: Int, processed: Int) {
        try await pool.read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT COUNT(*), COUNT(processed_at) FROM processed_events WHERE provider = ?", arguments: [provider])
            return (row?[0] ?? 0, row?[1] ?? 0)
        }
    }

    func count(provider: String) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM processed_events WHERE provider = ?", arguments: [provider])
                ?? 0
        }
    }
}
