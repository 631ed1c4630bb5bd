import Foundation
import FrontdeskCore
import GRDB

extension DomainEvent {
    /// From a row of `seq, business_id, type, data, created_at`; nil for a type this build does not know.
    init?(sqliteRow row: Row) {
        guard let type = EventType(rawValue: row["type"]) else { return nil }
        self.init(
            sequence: EventSequence(row["seq"]), businessId: BusinessID(rawValue: row["business_id"]), type: type,
            data: row["data"], occurredAt: row["created_at"])
    }
}

struct SQLiteEventFeedRepository: EventFeedRepository {
    let pool: StoreDatabase

    func append(_ event: NewEvent) async throws -> DomainEvent {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO events (business_id, type, data, created_at) VALUES (?, ?, ?, ?)",
                arguments: [event.businessId, event.type.rawValue, event.data, event.occurredAt])
            return DomainEvent(
                sequence: EventSequence(db.lastInsertedRowID), businessId: event.businessId, type: event.type, data: event.data,
                occurredAt: event.occurredAt)
        }
    }

    func events(businesses: [BusinessID], after: EventSequence?, limit: Int) async throws -> [DomainEvent] {
        guard !businesses.isEmpty else { return [] }
        return try await pool.read { db in
            let marks = Array(repeating: "?", count: businesses.count).joined(separator: ", ")
            var arguments = StatementArguments(businesses.map(\.rawValue))
            arguments += [after?.value ?? 0, limit]
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, business_id, type, data, created_at FROM events
                    WHERE business_id IN (\(marks)) AND seq > ? ORDER BY seq LIMIT ?
                    """, arguments: arguments
            ).compactMap(DomainEvent.init(sqliteRow:))
        }
    }

    func event(_ sequence: EventSequence) async throws -> DomainEvent? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT seq, business_id, type, data, created_at FROM events WHERE seq = ?", arguments: [sequence.value])
                .flatMap(DomainEvent.init(sqliteRow:))
        }
    }

    func oldest() async throws -> EventSequence? {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT min(seq) FROM events").map(EventSequence.init) }
    }

    func newest() async throws -> EventSequence? {
        // AUTOINCREMENT's counter: the newest number handed out, even when that event was pruned.
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'events'").map(EventSequence.init)
        }
    }

    func listenToOtherInstances(_ handle: @escaping @Sendable (DomainEvent) -> Void) async {}

    func prune(before: Date) async throws -> Int {
        try await pool.write { db in
            // An event not dispatched yet stays until it is.
            try db.execute(sql: "DELETE FROM events WHERE created_at < ? AND dispatched = 1 AND notified = 1 AND planned = 1", arguments: [before])
            return db.changesCount
        }
    }
}

extension WebhookEndpoint {
    static let sqliteColumns = "id, business_id, url, events, description, secret, status, disabled_reason, created_at, updated_at"

    init?(sqliteRow row: Row) {
        guard let events = EventSelection(stored: row["events"]), let status = WebhookEndpointStatus(rawValue: row["status"]) else { return nil }
        self.init(
            id: WebhookEndpointID(rawValue: row["id"]), businessId: BusinessID(rawValue: row["business_id"]), url: row["url"],
            events: events, description: row["description"], secret: row["secret"], status: status,
            disabledReason: row["disabled_reason"], createdAt: row["created_at"], updatedAt: row["updated_at"])
    }

    var eventsText: String { events.stored }
}

extension EventSelection {
    /// As both engines store it: the API's list, as JSON text.
    var stored: String {
        String(decoding: (try? JSONEncoder().encode(names)) ?? Data("[\"*\"]".utf8), as: UTF8.self)
    }

    /// From the stored text; nil for text no build wrote.
    init?(stored text: String) {
        guard let names = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else { return nil }
        self.init(names: names)
    }
}

extension WebhookDelivery {
    static let sqliteColumns = """
        id, endpoint_id, business_id, event_seq, event_type, status, attempts, next_attempt_at, last_status_code, last_error,
        last_latency_ms, created_at, updated_at, delivered_at
        """

    init?(sqliteRow row: Row) {
        guard let type = EventType(rawValue: row["event_type"]), let status = WebhookDeliveryStatus(rawValue: row["status"]) else {
            return nil
        }
        self.init(
            id: WebhookDeliveryID(rawValue: row["id"]), endpointId: WebhookEndpointID(rawValue: row["endpoint_id"]),
            businessId: BusinessID(rawValue: row["business_id"]), event: EventSequence(row["event_seq"]), eventType: type,
            status: status, attempts: row["attempts"], nextAttemptAt: row["next_attempt_at"], lastStatusCode: row["last_status_code"],
            lastError: row["last_error"], lastLatencyMs: row["last_latency_ms"], createdAt: row["created_at"],
            updatedAt: row["updated_at"], deliveredAt: row["delivered_at"])
    }
}

struct SQLiteWebhookRepository: WebhookRepository {
    let pool: StoreDatabase

    func insert(_ endpoint: WebhookEndpoint) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO webhook_endpoints (\(WebhookEndpoint.sqliteColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    endpoint.id, endpoint.businessId, endpoint.url, endpoint.eventsText, endpoint.description, endpoint.secret,
                    endpoint.status.rawValue, endpoint.disabledReason, endpoint.createdAt, endpoint.updatedAt,
                ])
        }
    }

    func find(_ id: WebhookEndpointID) async throws -> WebhookEndpoint? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(WebhookEndpoint.sqliteColumns) FROM webhook_endpoints WHERE id = ?", arguments: [id])
                .flatMap(WebhookEndpoint.init(sqliteRow:))
        }
    }

    func list(business: BusinessID, page: PageRequest) async throws -> Page<WebhookEndpoint> {
        try await pool.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM webhook_endpoints WHERE business_id = ?", arguments: [business]) ?? 0
            let items = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(WebhookEndpoint.sqliteColumns) FROM webhook_endpoints WHERE business_id = ?
                    ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?
                    """, arguments: [business, page.limit, page.offset]
            ).compactMap(WebhookEndpoint.init(sqliteRow:))
            return Page(items: items, total: total)
        }
    }

    func update(_ endpoint: WebhookEndpoint) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE webhook_endpoints SET url = ?, events = ?, description = ?, status = ?, disabled_reason = ?, updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [
                    endpoint.url, endpoint.eventsText, endpoint.description, endpoint.status.rawValue, endpoint.disabledReason,
                    endpoint.updatedAt, endpoint.id,
                ])
        }
    }

    func delete(_ id: WebhookEndpointID) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM webhook_endpoints WHERE id = ?", arguments: [id]) }
    }

    func dispatch(limit: Int, now: Date) async throws -> Int {
        try await pool.write { db in
            let events = try Row.fetchAll(
                db, sql: "SELECT seq, business_id, type FROM events WHERE dispatched = 0 ORDER BY seq LIMIT ?", arguments: [limit])
            guard !events.isEmpty else { return 0 }
            var endpointsByBusiness: [String: [(id: String, events: EventSelection)]] = [:]
            for event in events {
                let business: String = event["business_id"]
                if endpointsByBusiness[business] == nil {
                    endpointsByBusiness[business] = try Row.fetchAll(
                        db, sql: "SELECT id, events FROM webhook_endpoints WHERE business_id = ? AND status = 'active'",
                        arguments: [business]
                    ).compactMap { row in EventSelection(stored: row["events"]).map { (row["id"], $0) } }
                }
                let type: String = event["type"]
                guard let eventType = EventType(rawValue: type) else { continue }
                for endpoint in endpointsByBusiness[business] ?? [] where endpoint.events.includes(eventType) {
                    try db.execute(
                        sql: """
                            INSERT INTO webhook_deliveries
                              (id, endpoint_id, business_id, event_seq, event_type, status, attempts, next_attempt_at, created_at, updated_at)
                            VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?) ON CONFLICT DO NOTHING
                            """,
                        arguments: [WebhookDeliveryID.generate(), endpoint.id, business, event["seq"] as Int64, type, now, now, now])
                }
            }
            let last: Int64 = events.last!["seq"]
            try db.execute(sql: "UPDATE events SET dispatched = 1 WHERE dispatched = 0 AND seq <= ?", arguments: [last])
            return events.count
        }
    }

    func claimDue(now: Date, lease: Duration, limit: Int) async throws -> [DueDelivery] {
        // The sender asks after every event a call stores: a read answers "nothing due" without a
        // turn at the single writer the call's own writes queue for.
        let anyDue = try await pool.read { db in
            try Bool.fetchOne(
                db,
                sql: """
                    SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ?
                      AND (leased_until IS NULL OR leased_until <= ?))
                    """, arguments: [now, now]) ?? false
        }
        guard anyDue else { return [] }
        let until = now.addingTimeInterval(Double(lease.components.seconds) + Double(lease.components.attoseconds) / 1e18)
        return try await pool.write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(WebhookDelivery.sqliteColumns.split(separator: ",").map { "d." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")),
                      d.replayed_after, w.url, w.secret, e.data, e.created_at AS event_created_at
                    FROM webhook_deliveries d
                    JOIN webhook_endpoints w ON w.id = d.endpoint_id
                    LEFT JOIN events e ON e.seq = d.event_seq
                    WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND (d.leased_until IS NULL OR d.leased_until <= ?)
                    ORDER BY d.next_attempt_at LIMIT ?
                    """, arguments: [now, now, limit])
            var due: [DueDelivery] = []
            for row in rows {
                guard let delivery = WebhookDelivery(sqliteRow: row) else { continue }
                guard let data: String = row["data"] else {
                    // Its event is no longer kept: nothing to send.
                    try db.execute(
                        sql: "UPDATE webhook_deliveries SET status = 'failed', last_error = 'event no longer kept', updated_at = ? WHERE id = ?",
                        arguments: [now, delivery.id])
                    continue
                }
                try db.execute(sql: "UPDATE webhook_deliveries SET leased_until = ? WHERE id = ?", arguments: [until, delivery.id])
                let event = DomainEvent(
                    sequence: delivery.event, businessId: delivery.businessId, type: delivery.eventType, data: data,
                    occurredAt: row["event_created_at"])
                due.append(
                    DueDelivery(
                        delivery: delivery, url: row["url"], secret: row["secret"], event: event,
                        attemptInSchedule: delivery.attempts - (row["replayed_after"] as Int) + 1))
            }
            return due
        }
    }

    func record(_ attempt: WebhookAttempt, retryAt: Date?, now: Date, disabling reason: String) async throws -> AttemptRecorded {
        try await pool.write { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT attempts, endpoint_id, created_at, status FROM webhook_deliveries WHERE id = ?", arguments: [attempt.deliveryId])
            else { return AttemptRecorded(status: .failed, endpointDisabled: false) }
            let number = (row["attempts"] as Int) + 1
            try db.execute(
                sql: """
                    INSERT INTO webhook_attempts (delivery_id, number, attempted_at, status_code, error, latency_ms)
                    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                    """,
                arguments: [attempt.deliveryId, number, attempt.attemptedAt, attempt.statusCode, attempt.error, attempt.latencyMs])
            let status: WebhookDeliveryStatus = attempt.succeeded ? .succeeded : (retryAt == nil ? .failed : .pending)
            try db.execute(
                sql: """
                    UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, leased_until = NULL,
                      last_status_code = ?, last_error = ?, last_latency_ms = ?, updated_at = ?, delivered_at = ?
                    WHERE id = ?
                    """,
                arguments: [
                    status.rawValue, number, status == .pending ? retryAt : nil, attempt.statusCode, attempt.error, attempt.latencyMs, now,
                    attempt.succeeded ? attempt.attemptedAt : nil, attempt.deliveryId,
                ])
            let endpoint: String = row["endpoint_id"]
            if attempt.succeeded {
                try db.execute(sql: "UPDATE webhook_endpoints SET last_success_at = ? WHERE id = ?", arguments: [now, endpoint])
                return AttemptRecorded(status: .succeeded, endpointDisabled: false)
            }
            guard status == .failed else { return AttemptRecorded(status: status, endpointDisabled: false) }
            // Failed for good: the endpoint goes off when nothing reached it since this delivery was made.
            let created: Date = row["created_at"]
            try db.execute(
                sql: """
                    UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = ?, updated_at = ?
                    WHERE id = ? AND status = 'active' AND (last_success_at IS NULL OR last_success_at < ?)
                    """, arguments: [reason, now, endpoint, created])
            let disabled = db.changesCount > 0
            if disabled {
                try db.execute(
                    sql: """
                        UPDATE webhook_deliveries SET status = 'failed', last_error = 'endpoint disabled', leased_until = NULL, updated_at = ?
                        WHERE endpoint_id = ? AND status = 'pending'
                        """, arguments: [now, endpoint])
            }
            return AttemptRecorded(status: .failed, endpointDisabled: disabled)
        }
    }

    func delivery(_ id: WebhookDeliveryID) async throws -> WebhookDelivery? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(WebhookDelivery.sqliteColumns) FROM webhook_deliveries WHERE id = ?", arguments: [id])
                .flatMap(WebhookDelivery.init(sqliteRow:))
        }
    }

    func deliveries(endpoint: WebhookEndpointID, status: WebhookDeliveryStatus?, page: PageRequest) async throws -> Page<WebhookDelivery> {
        try await pool.read { db in
            var condition = "endpoint_id = ?"
            var arguments: StatementArguments = [endpoint]
            if let status {
                condition += " AND status = ?"
                arguments += [status.rawValue]
            }
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM webhook_deliveries WHERE \(condition)", arguments: arguments) ?? 0
            arguments += [page.limit, page.offset]
            let items = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(WebhookDelivery.sqliteColumns) FROM webhook_deliveries WHERE \(condition)
                    ORDER BY event_seq DESC LIMIT ? OFFSET ?
                    """, arguments: arguments
            ).compactMap(WebhookDelivery.init(sqliteRow:))
            return Page(items: items, total: total)
        }
    }

    func attempts(of delivery: WebhookDeliveryID) async throws -> [WebhookAttempt] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT delivery_id, number, attempted_at, status_code, error, latency_ms FROM webhook_attempts
                    WHERE delivery_id = ? ORDER BY number
                    """, arguments: [delivery]
            ).map { row in
                WebhookAttempt(
                    deliveryId: WebhookDeliveryID(rawValue: row["delivery_id"]), number: row["number"], attemptedAt: row["attempted_at"],
                    statusCode: row["status_code"], error: row["error"], latencyMs: row["latency_ms"])
            }
        }
    }

    func replay(_ id: WebhookDeliveryID, now: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, leased_until = NULL, updated_at = ?,
                      replayed_after = attempts
                    WHERE id = ?
                    """, arguments: [now, now, id])
            return db.changesCount > 0
        }
    }

    func pendingCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'") ?? 0 }
    }

    func prune(before: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM webhook_deliveries WHERE status <> 'pending' AND updated_at < ?", arguments: [before])
            return db.changesCount
        }
    }
}
