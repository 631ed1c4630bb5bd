import Foundation
import FrontdeskCore
import GRDB


struct SQLiteMessageRepository: MessageRepository {
    let pool: StoreDatabase

    func find(_ id: MessageID) async throws -> Message? {
        try await pool.read { db in try Message.fetchOne(db, key: id.rawValue) }
    }

    func list(_ filter: MessageFilter, page: PageRequest) async throws -> Page<Message> {
        try await pool.read { db in
            var request = Message.filter(Message.Columns.businessId == filter.business && Message.Columns.channel == filter.channel)
            if let lead = filter.leadId { request = request.filter(Message.Columns.leadId == lead) }
            if let status = filter.status { request = request.filter(Message.Columns.status == status) }
            let total = try request.fetchCount(db)
            let items = try request.order(Message.Columns.createdAt.desc, Column.rowID.desc)
                .limit(page.limit, offset: page.offset).fetchReadable(db, reporting: pool.unreadable)
            return Page(items: items, total: total)
        }
    }

    func save(_ message: Message) async throws {
        try await pool.write { db in try message.save(db) }
    }

    func claim(_ message: Message, key: String) async throws -> Message {
        try await pool.write { db in
            if let id = try String.fetchOne(db, sql: "SELECT id FROM messages WHERE idempotency_key = ?", arguments: [key]),
                let stored = try Message.fetchOne(db, key: id)
            {
                return stored
            }
            try message.insert(db)
            try db.execute(sql: "UPDATE messages SET idempotency_key = ? WHERE id = ?", arguments: [key, message.id.rawValue])
            return message
        }
    }
}

extension SQLiteMessageRepository {
    /// A provider's delivery report for a message it took. Returns false when no message has that id.
    @discardableResult
    func updateStatus(
        provider: String, providerMessageId: String, status: MessageStatus, error: String?, at now: Date
    ) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE messages SET status = ?, error = COALESCE(?, error), updated_at = ?
                    WHERE provider = ? AND provider_message_id = ?
                    """, arguments: [status, error, now, provider, providerMessageId])
            return db.changesCount > 0
        }
    }

    /// STOP/UNSUBSCRIBE: no more texts from this business to `phone`.
    func optOut(business: BusinessID, phone: String, at now: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO sms_opt_outs (business_id, phone, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [business, phone, now])
        }
    }

    /// START: texts may go to `phone` again.
    func optIn(business: BusinessID, phone: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM sms_opt_outs WHERE business_id = ? AND phone = ?", arguments: [business, phone])
        }
    }

    func isOptedOut(business: BusinessID, phone: String) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM sms_opt_outs WHERE business_id = ? AND phone = ?)",
                arguments: [business, phone]) ?? false
        }
    }
}
