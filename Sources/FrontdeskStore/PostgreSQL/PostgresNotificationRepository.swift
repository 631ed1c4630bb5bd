import Foundation
import FrontdeskCore
import PostgresNIO

extension TeamNotification {
    init?(postgresRow row: PostgresRow) throws {
        var cursor = RowCursor(row)
        let id: NotificationID = try cursor.id()
        let business: BusinessID = try cursor.id()
        let user: UserID = try cursor.id()
        let category = NotificationCategory(rawValue: try cursor.next(String.self))
        let reason = try cursor.next(String.self)
        let title = try cursor.next(String.self)
        let message = try cursor.next(String.self)
        let data = try cursor.next(String.self)
        let status = NotificationStatus(rawValue: try cursor.next(String.self))
        let event = try cursor.next(Int64?.self).map(EventSequence.init)
        let created = try cursor.date()
        let read = try cursor.optionalDate()
        guard let category, let status else { return nil }
        self.init(
            id: id, businessId: business, userId: user, category: category, reason: reason, title: title, message: message, data: data,
            status: status, createdAt: created, readAt: read, event: event)
    }

    var insertQuery: PostgresQuery {
        """
        INSERT INTO notifications (\(unescaped: Self.columns)) VALUES (
          \(id.rawValue), \(businessId.rawValue), \(userId.rawValue), \(category.rawValue), \(reason), \(title), \(message), \(data),
          \(status.rawValue), \(event?.value), \(createdAt.storedInstant), \(readAt?.storedInstant))
        ON CONFLICT DO NOTHING RETURNING 1
        """
    }
}

struct PostgresNotificationRepository: NotificationRepository {
    let db: PostgresDatabase

    static let membersQuery = """
        SELECT u.id, u.email, u.first_name, m.role, p.phone, p.email, p.sms, p.quiet_start, p.quiet_end
        FROM memberships m JOIN users u ON u.id = m.user_id
        LEFT JOIN member_preferences p ON p.business_id = m.business_id AND p.user_id = m.user_id
        WHERE m.business_id = $1 ORDER BY m.created_at
        """

    static func members(_ rows: [PostgresRow]) throws -> [TeamMember] {
        try rows.compactMap { row in
            let (id, email, first, role, phone, notifyEmail, sms, quietStart, quietEnd) = try row.decode(
                (String, String, String?, String, String?, Bool?, Bool?, String?, String?).self)
            guard let email = EmailAddress(email), let role = Role(rawValue: role) else { return nil }
            return TeamMember(
                userId: UserID(rawValue: id), email: email, firstName: first, role: role,
                preferences: preferences(phone: phone, email: notifyEmail, sms: sms, quietStart: quietStart, quietEnd: quietEnd))
        }
    }

    static func preferences(phone: String?, email: Bool?, sms: Bool?, quietStart: String?, quietEnd: String?) -> MemberPreferences {
        var quiet: QuietHours?
        if let start = quietStart.flatMap(WallClockTime.init), let end = quietEnd.flatMap(WallClockTime.init) { quiet = QuietHours(start: start, end: end) }
        return MemberPreferences(phone: phone.map(PhoneNumber.init(trusted:)), email: email, sms: sms ?? false, quietHours: quiet)
    }

    func preferences(user: UserID, business: BusinessID) async throws -> MemberPreferences {
        guard
            let row = try await db.row(
                """
                SELECT phone, email, sms, quiet_start, quiet_end FROM member_preferences
                WHERE business_id = \(business.rawValue) AND user_id = \(user.rawValue)
                """)
        else { return MemberPreferences() }
        let (phone, email, sms, start, end) = try row.decode((String?, Bool?, Bool, String?, String?).self)
        return Self.preferences(phone: phone, email: email, sms: sms, quietStart: start, quietEnd: end)
    }

    func setPreferences(_ preferences: MemberPreferences, user: UserID, business: BusinessID, at now: Date) async throws {
        try await db.execute(
            """
            INSERT INTO member_preferences (business_id, user_id, phone, email, sms, quiet_start, quiet_end, updated_at)
            VALUES (\(business.rawValue), \(user.rawValue), \(preferences.phone?.e164), \(preferences.email), \(preferences.sms),
              \(preferences.quietHours?.start.description), \(preferences.quietHours?.end.description), \(now.storedInstant))
            ON CONFLICT (business_id, user_id) DO UPDATE SET phone = excluded.phone, email = excluded.email, sms = excluded.sms,
              quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end, updated_at = excluded.updated_at
            """)
    }

    func hold(_ id: NotificationID, until: Date) async throws {
        try await db.execute("UPDATE notifications SET send_after = \(until.storedInstant) WHERE id = \(id.rawValue)")
    }

    func takeDue(at now: Date, limit: Int) async throws -> [TeamNotification] {
        let rows = try await db.rows(
            """
            UPDATE notifications SET send_after = NULL WHERE id IN (
              SELECT id FROM notifications WHERE send_after IS NOT NULL AND send_after <= \(now.storedInstant)
              ORDER BY send_after LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING \(unescaped: TeamNotification.columns)
            """)
        return try rows.compactMap { try TeamNotification(postgresRow: $0) }
    }

    func notify(limit: Int, make: @escaping @Sendable (DomainEvent, [TeamMember]) -> [TeamNotification]) async throws
        -> (notifications: [TeamNotification], events: Int)
    {
        try await db.transaction { db in
            let rows = try await db.rows(
                """
                SELECT \(unescaped: DomainEvent.postgresColumns) FROM events WHERE NOT notified ORDER BY seq LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
                """)
            guard !rows.isEmpty else { return ([], 0) }
            var sequences: [Int64] = []
            var members: [BusinessID: [TeamMember]] = [:]
            var made: [TeamNotification] = []
            for row in rows {
                var cursor = RowCursor(row)
                sequences.append(try cursor.next(Int64.self))
                guard let event = try DomainEvent(postgresRow: row) else { continue }
                if members[event.businessId] == nil {
                    var binds = PostgresBindings()
                    binds.append(event.businessId.rawValue)
                    members[event.businessId] = try Self.members(try await db.rows(PostgresQuery(unsafeSQL: Self.membersQuery, binds: binds)))
                }
                for notification in make(event, members[event.businessId] ?? []) where !(try await db.rows(notification.insertQuery)).isEmpty {
                    made.append(notification)
                }
            }
            try await db.execute("UPDATE events SET notified = true WHERE seq = ANY(\(sequences))")
            return (made, rows.count)
        }
    }

    func insert(_ notifications: [TeamNotification]) async throws {
        guard !notifications.isEmpty else { return }
        try await db.transaction { db in
            for notification in notifications { try await db.execute(notification.insertQuery) }
        }
    }

    func members(of business: BusinessID) async throws -> [TeamMember] {
        var binds = PostgresBindings()
        binds.append(business.rawValue)
        return try Self.members(try await db.rows(PostgresQuery(unsafeSQL: Self.membersQuery, binds: binds)))
    }

    func find(_ id: NotificationID) async throws -> TeamNotification? {
        try await db.row("SELECT \(unescaped: TeamNotification.columns) FROM notifications WHERE id = \(id.rawValue)")
            .flatMap { try TeamNotification(postgresRow: $0) }
    }

    private static func condition(_ filter: NotificationFilter) -> (String, PostgresBindings) {
        var binds = PostgresBindings()
        binds.append(filter.user.rawValue)
        var condition = "user_id = $1"
        if let business = filter.business {
            binds.append(business.rawValue)
            condition += " AND business_id = $\(binds.count)"
        }
        if let status = filter.status {
            binds.append(status.rawValue)
            condition += " AND status = $\(binds.count)"
        }
        if let category = filter.category {
            binds.append(category.rawValue)
            condition += " AND category = $\(binds.count)"
        }
        return (condition, binds)
    }

    func list(_ filter: NotificationFilter, page: PageRequest) async throws -> Page<TeamNotification> {
        let (condition, binds) = Self.condition(filter)
        let total = try await db.row(PostgresQuery(unsafeSQL: "SELECT count(*) FROM notifications WHERE \(condition)", binds: binds))
            .map { try $0.decode(Int.self) } ?? 0
        let rows = try await db.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(TeamNotification.columns) FROM notifications WHERE \(condition)
                    ORDER BY created_at DESC, id DESC LIMIT \(page.limit) OFFSET \(page.offset)
                    """, binds: binds))
        return Page(items: try rows.compactMap { try TeamNotification(postgresRow: $0) }, total: total)
    }

    func unreadCount(user: UserID, business: BusinessID?) async throws -> Int {
        let (condition, binds) = Self.condition(NotificationFilter(user: user, business: business, status: .unread))
        return try await db.row(PostgresQuery(unsafeSQL: "SELECT count(*) FROM notifications WHERE \(condition)", binds: binds))
            .map { try $0.decode(Int.self) } ?? 0
    }

    func markRead(_ id: NotificationID?, user: UserID, business: BusinessID?, at now: Date) async throws -> Int {
        var (condition, binds) = Self.condition(NotificationFilter(user: user, business: business, status: .unread))
        if let id {
            binds.append(id.rawValue)
            condition += " AND id = $\(binds.count)"
        }
        binds.append(now.storedInstant)
        return try await db.rows(
            PostgresQuery(
                unsafeSQL: "UPDATE notifications SET status = 'read', read_at = $\(binds.count) WHERE \(condition) RETURNING 1", binds: binds)
        ).count
    }
}
