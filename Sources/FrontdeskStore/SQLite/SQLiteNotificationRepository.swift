import Foundation
import FrontdeskCore
import GRDB

extension TeamNotification {
    static let columns = "id, business_id, user_id, category, reason, title, message, data, status, event_seq, created_at, read_at"

    init?(sqliteRow row: Row) {
        guard let category = NotificationCategory(rawValue: row["category"]), let status = NotificationStatus(rawValue: row["status"]) else {
            return nil
        }
        self.init(
            id: NotificationID(rawValue: row["id"]), businessId: BusinessID(rawValue: row["business_id"]), userId: UserID(rawValue: row["user_id"]),
            category: category, reason: row["reason"], title: row["title"], message: row["message"], data: row["data"], status: status,
            createdAt: row["created_at"], readAt: row["read_at"], event: (row["event_seq"] as Int64?).map(EventSequence.init))
    }

    var sqliteArguments: StatementArguments {
        [id, businessId, userId, category.rawValue, reason, title, message, data, status.rawValue, event?.value, createdAt, readAt]
    }
}

struct SQLiteNotificationRepository: NotificationRepository {
    let pool: StoreDatabase

    static func members(_ db: Database, of business: BusinessID) throws -> [TeamMember] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT u.id, u.email, u.first_name, m.role, p.phone, p.email AS notify_email, p.sms, p.quiet_start, p.quiet_end
                FROM memberships m JOIN users u ON u.id = m.user_id
                LEFT JOIN member_preferences p ON p.business_id = m.business_id AND p.user_id = m.user_id
                WHERE m.business_id = ? ORDER BY m.created_at
                """, arguments: [business]
        ).compactMap { row in
            guard let email = EmailAddress(row["email"]), let role = Role(rawValue: row["role"]) else { return nil }
            return TeamMember(
                userId: UserID(rawValue: row["id"]), email: email, firstName: row["first_name"], role: role, preferences: preferences(row))
        }
    }

    static func preferences(_ row: Row) -> MemberPreferences {
        var quiet: QuietHours?
        if let start = (row["quiet_start"] as String?).flatMap(WallClockTime.init), let end = (row["quiet_end"] as String?).flatMap(WallClockTime.init) {
            quiet = QuietHours(start: start, end: end)
        }
        return MemberPreferences(
            phone: (row["phone"] as String?).map(PhoneNumber.init(trusted:)), email: row["notify_email"], sms: (row["sms"] as Bool?) ?? false,
            quietHours: quiet)
    }

    func preferences(user: UserID, business: BusinessID) async throws -> MemberPreferences {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT phone, email AS notify_email, sms, quiet_start, quiet_end FROM member_preferences WHERE business_id = ? AND user_id = ?",
                arguments: [business.rawValue, user.rawValue]
            ).map(Self.preferences) ?? MemberPreferences()
        }
    }

    func setPreferences(_ preferences: MemberPreferences, user: UserID, business: BusinessID, at now: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO member_preferences (business_id, user_id, phone, email, sms, quiet_start, quiet_end, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (business_id, user_id) DO UPDATE SET phone = excluded.phone, email = excluded.email, sms = excluded.sms,
                      quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end, updated_at = excluded.updated_at
                    """,
                arguments: [
                    business.rawValue, user.rawValue, preferences.phone?.e164, preferences.email, preferences.sms,
                    preferences.quietHours?.start.description, preferences.quietHours?.end.description, now,
                ])
        }
    }

    func hold(_ id: NotificationID, until: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE notifications SET send_after = ? WHERE id = ?", arguments: [until, id.rawValue])
        }
    }

    func takeDue(at now: Date, limit: Int) async throws -> [TeamNotification] {
        try await pool.write { db in
            let due = try Row.fetchAll(
                db, sql: "SELECT \(TeamNotification.columns) FROM notifications WHERE send_after IS NOT NULL AND send_after <= ? ORDER BY send_after LIMIT ?",
                arguments: [now, limit]
            ).compactMap(TeamNotification.init(sqliteRow:))
            for notification in due {
                try db.execute(sql: "UPDATE notifications SET send_after = NULL WHERE id = ?", arguments: [notification.id.rawValue])
            }
            return due
        }
    }

    static func insert(_ db: Database, _ notification: TeamNotification) throws -> Bool {
        try db.execute(
            sql: "INSERT INTO notifications (\(TeamNotification.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            arguments: notification.sqliteArguments)
        return db.changesCount > 0
    }

    func notify(limit: Int, make: @escaping @Sendable (DomainEvent, [TeamMember]) -> [TeamNotification]) async throws
        -> (notifications: [TeamNotification], events: Int)
    {
        try await pool.write { db in
            let events = try Row.fetchAll(
                db, sql: "SELECT seq, business_id, type, data, created_at FROM events WHERE notified = 0 ORDER BY seq LIMIT ?",
                arguments: [limit])
            guard let last = events.last?["seq"] as Int64? else { return ([], 0) }
            var members: [BusinessID: [TeamMember]] = [:]
            var made: [TeamNotification] = []
            for row in events {
                guard let event = DomainEvent(sqliteRow: row) else { continue }
                if members[event.businessId] == nil { members[event.businessId] = try Self.members(db, of: event.businessId) }
                for notification in make(event, members[event.businessId] ?? []) where try Self.insert(db, notification) {
                    made.append(notification)
                }
            }
            try db.execute(sql: "UPDATE events SET notified = 1 WHERE notified = 0 AND seq <= ?", arguments: [last])
            return (made, events.count)
        }
    }

    func insert(_ notifications: [TeamNotification]) async throws {
        try await pool.write { db in
            for notification in notifications { _ = try Self.insert(db, notification) }
        }
    }

    func members(of business: BusinessID) async throws -> [TeamMember] {
        try await pool.read { db in try Self.members(db, of: business) }
    }

    func find(_ id: NotificationID) async throws -> TeamNotification? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(TeamNotification.columns) FROM notifications WHERE id = ?", arguments: [id])
                .flatMap(TeamNotification.init(sqliteRow:))
        }
    }

    private static func condition(_ filter: NotificationFilter) -> (String, StatementArguments) {
        var condition = "user_id = ?"
        var arguments: StatementArguments = [filter.user]
        if let business = filter.business {
            condition += " AND business_id = ?"
            arguments += [business]
        }
        if let status = filter.status {
            condition += " AND status = ?"
            arguments += [status.rawValue]
        }
        if let category = filter.category {
            condition += " AND category = ?"
            arguments += [category.rawValue]
        }
        return (condition, arguments)
    }

    func list(_ filter: NotificationFilter, page: PageRequest) async throws -> Page<TeamNotification> {
        try await pool.read { db in
            var (condition, arguments) = Self.condition(filter)
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM notifications WHERE \(condition)", arguments: arguments) ?? 0
            arguments += [page.limit, page.offset]
            let items = try Row.fetchAll(
                db,
                sql: "SELECT \(TeamNotification.columns) FROM notifications WHERE \(condition) ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
                arguments: arguments
            ).compactMap(TeamNotification.init(sqliteRow:))
            return Page(items: items, total: total)
        }
    }

    func unreadCount(user: UserID, business: BusinessID?) async throws -> Int {
        try await pool.read { db in
            let (condition, arguments) = Self.condition(NotificationFilter(user: user, business: business, status: .unread))
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM notifications WHERE \(condition)", arguments: arguments) ?? 0
        }
    }

    func markRead(_ id: NotificationID?, user: UserID, business: BusinessID?, at now: Date) async throws -> Int {
        try await pool.write { db in
            var (condition, arguments) = Self.condition(NotificationFilter(user: user, business: business, status: .unread))
            if let id {
                condition += " AND id = ?"
                arguments += [id]
            }
            var all: StatementArguments = [now]
            all += arguments
            try db.execute(sql: "UPDATE notifications SET status = 'read', read_at = ? WHERE \(condition)", arguments: all)
            return db.changesCount
        }
    }
}
