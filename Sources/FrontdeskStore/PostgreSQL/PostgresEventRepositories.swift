import Foundation
import FrontdeskCore
import PostgresNIO

extension DomainEvent {
    static let postgresColumns = "seq, business_id, type, data, created_at"

    /// From a row of `postgresColumns`; nil for a type this build does not know.
    init?(postgresRow row: PostgresRow) throws {
        var cursor = RowCursor(row)
        let sequence = EventSequence(try cursor.next(Int64.self))
        let business: BusinessID = try cursor.id()
        guard let type = EventType(rawValue: try cursor.next(String.self)) else { return nil }
        self.init(sequence: sequence, businessId: business, type: type, data: try cursor.next(String.self), occurredAt: try cursor.date())
    }
}

struct PostgresEventFeedRepository: EventFeedRepository {
    let db: PostgresDatabase
    /// Tells this process's notifications from the other instances'.
    let instance = RandomToken.base32(count: 12)

    /// Every stored event is announced here as `<instance> <seq>` when its transaction commits.
    static let channel = "frontdesk_events"

    func append(_ event: NewEvent) async throws -> DomainEvent {
        let row = try await db.row(
            """
            WITH stored AS (
              INSERT INTO events (business_id, type, data, created_at)
              VALUES (\(event.businessId.rawValue), \(event.type.rawValue), \(event.data), \(event.occurredAt.storedInstant)) RETURNING seq)
            SELECT seq, pg_notify(\(Self.channel), \(instance) || ' ' || seq::text)::text FROM stored
            """)
        guard let seq = try row.map({ var cursor = RowCursor($0); return try cursor.next(Int64.self) }) else { throw RecordNotFound(table: "events") }
        return DomainEvent(
            sequence: EventSequence(seq), businessId: event.businessId, type: event.type, data: event.data,
            occurredAt: event.occurredAt.storedInstant)
    }

    func events(businesses: [BusinessID], after: EventSequence?, limit: Int) async throws -> [DomainEvent] {
        guard !businesses.isEmpty else { return [] }
        let ids = businesses.map(\.rawValue)
        return try await db.rows(
            """
            SELECT \(unescaped: DomainEvent.postgresColumns) FROM events
            WHERE business_id = ANY(\(ids)) AND seq > \(after?.value ?? 0) ORDER BY seq LIMIT \(limit)
            """
        ).compactMap { try DomainEvent(postgresRow: $0) }
    }

    func event(_ sequence: EventSequence) async throws -> DomainEvent? {
        try await db.row("SELECT \(unescaped: DomainEvent.postgresColumns) FROM events WHERE seq = \(sequence.value)")
            .flatMap { try DomainEvent(postgresRow: $0) }
    }

    func oldest() async throws -> EventSequence? {
        try await db.row("SELECT min(seq) FROM events").flatMap { try $0.decode(Int64?.self) }.map(EventSequence.init)
    }

    func newest() async throws -> EventSequence? {
        try await db.row("SELECT max(seq) FROM events").flatMap { try $0.decode(Int64?.self) }.map(EventSequence.init)
    }

    func prune(before: Date) async throws -> Int {
        try await db.rows("DELETE FROM events WHERE created_at < \(before.storedInstant) AND dispatched AND notified AND planned RETURNING 1").count
    }

    /// LISTENs on `channel` on a connection of its own, reconnecting after a lost one, and reads each
    /// other instance's event by its number. Events stored while it could not listen are not
    /// announced again: a WebSocket client that reconnects with its last id gets them.
    func listenToOtherInstances(_ handle: @escaping @Sendable (DomainEvent) -> Void) async {
        while !Task.isCancelled {
            do {
                try await db.client.withConnection { connection in
                    try await connection.listen(on: Self.channel) { notifications in
                        for try await notification in notifications {
                            let parts = notification.payload.split(separator: " ")
                            guard parts.count == 2, parts[0] != instance[...], let seq = Int64(parts[1]) else { continue }
                            if let event = try await event(EventSequence(seq)) { handle(event) }
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                db.logger.warning("not listening for other instances' events; retrying", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}

extension WebhookEndpoint {
    static let postgresColumns = "id, business_id, url, events, description, secret, status, disabled_reason, created_at, updated_at"

    init?(postgresRow row: PostgresRow) throws {
        var cursor = RowCursor(row)
        let id: WebhookEndpointID = try cursor.id()
        let business: BusinessID = try cursor.id()
        let url = try cursor.next(String.self)
        let stored = try cursor.next(String.self)
        let description = try cursor.next(String?.self)
        let secret = try cursor.next(String.self)
        guard let events = EventSelection(stored: stored), let status = WebhookEndpointStatus(rawValue: try cursor.next(String.self)) else {
            return nil
        }
        self.init(
            id: id, businessId: business, url: url, events: events, description: description, secret: secret, status: status,
            disabledReason: try cursor.next(String?.self), createdAt: try cursor.date(), updatedAt: try cursor.date())
    }
}

extension WebhookDelivery {
    static let postgresColumns = """
        d.id, d.endpoint_id, d.business_id, d.event_seq, d.event_type, d.status, d.attempts, d.next_attempt_at, d.last_status_code,
        d.last_error, d.last_latency_ms, d.created_at, d.updated_at, d.delivered_at
        """

    /// From the first 14 cells of a row (`postgresColumns`); nil for a type or status this build does not know.
    init?(postgresCursor cursor: inout RowCursor) throws {
        let id: WebhookDeliveryID = try cursor.id()
        let endpoint: WebhookEndpointID = try cursor.id()
        let business: BusinessID = try cursor.id()
        let sequence = EventSequence(try cursor.next(Int64.self))
        let type = EventType(rawValue: try cursor.next(String.self))
        let status = WebhookDeliveryStatus(rawValue: try cursor.next(String.self))
        let attempts = Int(try cursor.next(Int32.self))
        let next = try cursor.optionalDate()
        let code = try cursor.next(Int32?.self).map(Int.init)
        let error = try cursor.next(String?.self)
        let latency = try cursor.next(Double?.self)
        let created = try cursor.date()
        let updated = try cursor.date()
        let delivered = try cursor.optionalDate()
        guard let type, let status else { return nil }
        self.init(
            id: id, endpointId: endpoint, businessId: business, event: sequence, eventType: type, status: status, attempts: attempts,
            nextAttemptAt: next, lastStatusCode: code, lastError: error, lastLatencyMs: latency, createdAt: created, updatedAt: updated,
            deliveredAt: delivered)
    }
}

struct PostgresWebhookRepository: WebhookRepository {
    let db: PostgresDatabase

    func insert(_ endpoint: WebhookEndpoint) async throws {
        try await db.execute(
            """
            INSERT INTO webhook_endpoints (\(unescaped: WebhookEndpoint.postgresColumns)) VALUES (
              \(endpoint.id.rawValue), \(endpoint.businessId.rawValue), \(endpoint.url), \(endpoint.eventsText), \(endpoint.description),
              \(endpoint.secret), \(endpoint.status.rawValue), \(endpoint.disabledReason), \(endpoint.createdAt.storedInstant),
              \(endpoint.updatedAt.storedInstant))
            """)
    }

    func find(_ id: WebhookEndpointID) async throws -> WebhookEndpoint? {
        try await db.row("SELECT \(unescaped: WebhookEndpoint.postgresColumns) FROM webhook_endpoints WHERE id = \(id.rawValue)")
            .flatMap { try WebhookEndpoint(postgresRow: $0) }
    }

    func list(business: BusinessID, page: PageRequest) async throws -> Page<WebhookEndpoint> {
        let total = try await db.row("SELECT count(*) FROM webhook_endpoints WHERE business_id = \(business.rawValue)")
            .map { try $0.decode(Int.self) } ?? 0
        let items = try await db.rows(
            """
            SELECT \(unescaped: WebhookEndpoint.postgresColumns) FROM webhook_endpoints WHERE business_id = \(business.rawValue)
            ORDER BY created_at DESC, id DESC LIMIT \(page.limit) OFFSET \(page.offset)
            """
        ).compactMap { try WebhookEndpoint(postgresRow: $0) }
        return Page(items: items, total: total)
    }

    func update(_ endpoint: WebhookEndpoint) async throws {
        try await db.execute(
            """
            UPDATE webhook_endpoints SET url = \(endpoint.url), events = \(endpoint.eventsText), description = \(endpoint.description),
              status = \(endpoint.status.rawValue), disabled_reason = \(endpoint.disabledReason),
              updated_at = \(endpoint.updatedAt.storedInstant)
            WHERE id = \(endpoint.id.rawValue)
            """)
    }

    func delete(_ id: WebhookEndpointID) async throws {
        try await db.execute("DELETE FROM webhook_endpoints WHERE id = \(id.rawValue)")
    }

    func dispatch(limit: Int, now: Date) async throws -> Int {
        try await db.transaction { db in
            // Several instances dispatch side by side: each takes events the others have not locked.
            let events = try await db.rows(
                "SELECT seq, business_id, type FROM events WHERE NOT dispatched ORDER BY seq LIMIT \(limit) FOR UPDATE SKIP LOCKED"
            ).map { try $0.decode((Int64, String, String).self) }
            guard !events.isEmpty else { return 0 }
            let businesses = Array(Set(events.map(\.1)))
            var endpoints: [String: [(id: String, events: EventSelection)]] = [:]
            for row in try await db.rows(
                "SELECT id, business_id, events FROM webhook_endpoints WHERE business_id = ANY(\(businesses)) AND status = 'active'")
            {
                let (id, business, stored) = try row.decode((String, String, String).self)
                if let selection = EventSelection(stored: stored) { endpoints[business, default: []].append((id, selection)) }
            }
            var deliveryIds: [String] = []
            var endpointIds: [String] = []
            var businessIds: [String] = []
            var sequences: [Int64] = []
            var types: [String] = []
            for (seq, business, type) in events {
                guard let eventType = EventType(rawValue: type) else { continue }
                for endpoint in endpoints[business] ?? [] where endpoint.events.includes(eventType) {
                    deliveryIds.append(WebhookDeliveryID.generate().rawValue)
                    endpointIds.append(endpoint.id)
                    businessIds.append(business)
                    sequences.append(seq)
                    types.append(type)
                }
            }
            if !deliveryIds.isEmpty {
                let time = now.storedInstant
                try await db.execute(
                    """
                    INSERT INTO webhook_deliveries
                      (id, endpoint_id, business_id, event_seq, event_type, status, attempts, next_attempt_at, created_at, updated_at)
                    SELECT d, e, b, s, t, 'pending', 0, \(time), \(time), \(time)
                    FROM unnest(\(deliveryIds)::text[], \(endpointIds)::text[], \(businessIds)::text[], \(sequences)::bigint[], \(types)::text[])
                      AS x(d, e, b, s, t)
                    ON CONFLICT DO NOTHING
                    """)
            }
            try await db.execute("UPDATE events SET dispatched = true WHERE seq = ANY(\(events.map(\.0)))")
            return events.count
        }
    }

    func claimDue(now: Date, lease: Duration, limit: Int) async throws -> [DueDelivery] {
        let until = now.addingTimeInterval(Double(lease.components.seconds) + Double(lease.components.attoseconds) / 1e18)
        return try await db.transaction { db in
            let rows = try await db.rows(
                """
                SELECT \(unescaped: WebhookDelivery.postgresColumns), d.replayed_after, w.url, w.secret, e.data, e.created_at
                FROM webhook_deliveries d
                JOIN webhook_endpoints w ON w.id = d.endpoint_id
                LEFT JOIN events e ON e.seq = d.event_seq
                WHERE d.status = 'pending' AND d.next_attempt_at <= \(now.storedInstant)
                  AND (d.leased_until IS NULL OR d.leased_until <= \(now.storedInstant))
                ORDER BY d.next_attempt_at LIMIT \(limit)
                FOR UPDATE OF d SKIP LOCKED
                """)
            var due: [DueDelivery] = []
            var leased: [String] = []
            var gone: [String] = []
            for row in rows {
                var cursor = RowCursor(row)
                guard let delivery = try WebhookDelivery(postgresCursor: &cursor) else { continue }
                let replayedAfter = Int(try cursor.next(Int32.self))
                let url = try cursor.next(String.self)
                let secret = try cursor.next(String.self)
                guard let data = try cursor.next(String?.self), let occurred = try cursor.optionalDate() else {
                    gone.append(delivery.id.rawValue)
                    continue
                }
                leased.append(delivery.id.rawValue)
                let event = DomainEvent(
                    sequence: delivery.event, businessId: delivery.businessId, type: delivery.eventType, data: data, occurredAt: occurred)
                due.append(
                    DueDelivery(
                        delivery: delivery, url: url, secret: secret, event: event,
                        attemptInSchedule: delivery.attempts - replayedAfter + 1))
            }
            if !leased.isEmpty {
                try await db.execute("UPDATE webhook_deliveries SET leased_until = \(until.storedInstant) WHERE id = ANY(\(leased))")
            }
            if !gone.isEmpty {
                try await db.execute(
                    """
                    UPDATE webhook_deliveries SET status = 'failed', last_error = 'event no longer kept', updated_at = \(now.storedInstant)
                    WHERE id = ANY(\(gone))
                    """)
            }
            return due
        }
    }

    func record(_ attempt: WebhookAttempt, retryAt: Date?, now: Date, disabling reason: String) async throws -> AttemptRecorded {
        try await db.transaction { db in
            guard let row = try await db.row(
                "SELECT attempts, endpoint_id, created_at FROM webhook_deliveries WHERE id = \(attempt.deliveryId.rawValue) FOR UPDATE")
            else { return AttemptRecorded(status: .failed, endpointDisabled: false) }
            var cursor = RowCursor(row)
            let number = Int(try cursor.next(Int32.self)) + 1
            let endpoint = try cursor.next(String.self)
            let created = try cursor.date()
            try await db.execute(
                """
                INSERT INTO webhook_attempts (delivery_id, number, attempted_at, status_code, error, latency_ms)
                VALUES (\(attempt.deliveryId.rawValue), \(number), \(attempt.attemptedAt.storedInstant), \(attempt.statusCode),
                  \(attempt.error), \(attempt.latencyMs))
                ON CONFLICT DO NOTHING
                """)
            let status: WebhookDeliveryStatus = attempt.succeeded ? .succeeded : (retryAt == nil ? .failed : .pending)
            try await db.execute(
                """
                UPDATE webhook_deliveries SET status = \(status.rawValue), attempts = \(number),
                  next_attempt_at = \(status == .pending ? retryAt?.storedInstant : nil), leased_until = NULL,
                  last_status_code = \(attempt.statusCode), last_error = \(attempt.error), last_latency_ms = \(attempt.latencyMs),
                  updated_at = \(now.storedInstant), delivered_at = \(attempt.succeeded ? attempt.attemptedAt.storedInstant : nil)
                WHERE id = \(attempt.deliveryId.rawValue)
                """)
            if attempt.succeeded {
                try await db.execute("UPDATE webhook_endpoints SET last_success_at = \(now.storedInstant) WHERE id = \(endpoint)")
                return AttemptRecorded(status: .succeeded, endpointDisabled: false)
            }
            guard status == .failed else { return AttemptRecorded(status: status, endpointDisabled: false) }
            let disabled = !(try await db.rows(
                """
                UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = \(reason), updated_at = \(now.storedInstant)
                WHERE id = \(endpoint) AND status = 'active' AND (last_success_at IS NULL OR last_success_at < \(created))
                RETURNING 1
                """).isEmpty)
            if disabled {
                try await db.execute(
                    """
                    UPDATE webhook_deliveries SET status = 'failed', last_error = 'endpoint disabled', leased_until = NULL,
                      updated_at = \(now.storedInstant)
                    WHERE endpoint_id = \(endpoint) AND status = 'pending'
                    """)
            }
            return AttemptRecorded(status: .failed, endpointDisabled: disabled)
        }
    }

    func delivery(_ id: WebhookDeliveryID) async throws -> WebhookDelivery? {
        guard let row = try await db.row("SELECT \(unescaped: WebhookDelivery.postgresColumns) FROM webhook_deliveries d WHERE d.id = \(id.rawValue)")
        else { return nil }
        var cursor = RowCursor(row)
        return try WebhookDelivery(postgresCursor: &cursor)
    }

    func deliveries(endpoint: WebhookEndpointID, status: WebhookDeliveryStatus?, page: PageRequest) async throws -> Page<WebhookDelivery> {
        let total = try await db.row(
            """
            SELECT count(*) FROM webhook_deliveries
            WHERE endpoint_id = \(endpoint.rawValue) AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
            """
        ).map { try $0.decode(Int.self) } ?? 0
        let rows = try await db.rows(
            """
            SELECT \(unescaped: WebhookDelivery.postgresColumns) FROM webhook_deliveries d
            WHERE d.endpoint_id = \(endpoint.rawValue) AND (\(status?.rawValue)::text IS NULL OR d.status = \(status?.rawValue))
            ORDER BY d.event_seq DESC LIMIT \(page.limit) OFFSET \(page.offset)
            """)
        var items: [WebhookDelivery] = []
        for row in rows {
            var cursor = RowCursor(row)
            if let delivery = try WebhookDelivery(postgresCursor: &cursor) { items.append(delivery) }
        }
        return Page(items: items, total: total)
    }

    func attempts(of delivery: WebhookDeliveryID) async throws -> [WebhookAttempt] {
        try await db.rows(
            """
            SELECT delivery_id, number, attempted_at, status_code, error, latency_ms FROM webhook_attempts
            WHERE delivery_id = \(delivery.rawValue) ORDER BY number
            """
        ).map { row in
            var cursor = RowCursor(row)
            return WebhookAttempt(
                deliveryId: try cursor.id(), number: Int(try cursor.next(Int32.self)), attemptedAt: try cursor.date(),
                statusCode: try cursor.next(Int32?.self).map(Int.init), error: try cursor.next(String?.self),
                latencyMs: try cursor.next(Double.self))
        }
    }

    func replay(_ id: WebhookDeliveryID, now: Date) async throws -> Bool {
        !(try await db.rows(
            """
            UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = \(now.storedInstant), leased_until = NULL,
              updated_at = \(now.storedInstant), replayed_after = attempts
            WHERE id = \(id.rawValue) RETURNING 1
            """).isEmpty)
    }

    func pendingCount() async throws -> Int {
        try await db.row("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'").map { try $0.decode(Int.self) } ?? 0
    }

    func prune(before: Date) async throws -> Int {
        try await db.rows("DELETE FROM webhook_deliveries WHERE status <> 'pending' AND updated_at < \(before.storedInstant) RETURNING 1").count
    }
}
