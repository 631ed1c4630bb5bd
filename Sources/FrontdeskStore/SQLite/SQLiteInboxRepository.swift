import Foundation
import FrontdeskCore
import GRDB

extension ConversationThread {
    static let sqlColumns = """
        id, business_id, contact_id, lead_id, channel, status, assignee_id, assigned_at, unread_count, last_content, last_at, last_sender,
        created_at, updated_at
        """

    init?(sqliteRow row: Row) {
        guard let channel = ThreadChannel(rawValue: row["channel"]), let status = ThreadStatus(rawValue: row["status"]) else { return nil }
        var preview: ThreadPreview?
        if let content: String = row["last_content"], let at: Date = row["last_at"], let sender = ThreadSender(rawValue: row["last_sender"] ?? "") {
            preview = ThreadPreview(content: content, timestamp: at, sender: sender)
        }
        self.init(
            id: ConversationID(rawValue: row["id"]), businessId: BusinessID(rawValue: row["business_id"]),
            contactId: ContactID(rawValue: row["contact_id"]), leadId: (row["lead_id"] as String?).map(LeadID.init(rawValue:)), channel: channel,
            status: status, assigneeId: (row["assignee_id"] as String?).map(UserID.init(rawValue:)), assignedAt: row["assigned_at"],
            unreadCount: row["unread_count"], lastMessage: preview, createdAt: row["created_at"], updatedAt: row["updated_at"])
    }
}

extension ConversationChange {
    init?(sqliteRow row: Row) {
        guard let kind = ConversationChangeKind(rawValue: row["kind"]) else { return nil }
        self.init(
            id: ConversationChangeID(rawValue: row["id"]), conversationId: ConversationID(rawValue: row["thread_id"]), kind: kind,
            actorId: (row["actor_id"] as String?).map(UserID.init(rawValue:)), assigneeId: (row["assignee_id"] as String?).map(UserID.init(rawValue:)),
            note: row["note"], createdAt: row["created_at"])
    }
}

struct SQLiteInboxRepository: InboxRepository {
    let pool: StoreDatabase

    static func find(_ db: Database, _ condition: String, _ arguments: StatementArguments) throws -> ConversationThread? {
        try Row.fetchOne(db, sql: "SELECT \(ConversationThread.sqlColumns) FROM threads WHERE \(condition) LIMIT 1", arguments: arguments)
            .flatMap(ConversationThread.init(sqliteRow:))
    }

    func record(_ activity: ThreadActivity, at now: Date) async throws -> ConversationThread {
        try await pool.write { db in
            let contact = try SQLiteContactRepository.link(db, activity.lead, at: now)
            let preview = activity.preview
            try db.execute(
                sql: """
                    INSERT INTO threads (\(ConversationThread.sqlColumns))
                    VALUES (?, ?, ?, ?, ?, 'active', NULL, NULL, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (contact_id, channel) DO UPDATE SET
                      lead_id = excluded.lead_id, unread_count = threads.unread_count + excluded.unread_count,
                      last_content = excluded.last_content, last_at = excluded.last_at, last_sender = excluded.last_sender,
                      status = CASE WHEN excluded.unread_count > 0 THEN 'active' ELSE threads.status END,
                      updated_at = excluded.updated_at
                    """,
                arguments: [
                    ConversationID.generate().rawValue, activity.business.rawValue, contact.id.rawValue, activity.lead.id.rawValue,
                    activity.channel.rawValue, activity.inbound ? 1 : 0, String(preview.content.prefix(500)), preview.timestamp,
                    preview.sender.rawValue, now, now,
                ])
            try db.execute(
                sql: "UPDATE contacts SET last_contact_at = MAX(COALESCE(last_contact_at, ?), ?) WHERE id = ?",
                arguments: [preview.timestamp, preview.timestamp, contact.id.rawValue])
            return try Self.find(db, "contact_id = ? AND channel = ?", [contact.id.rawValue, activity.channel.rawValue])!
        }
    }

    func find(_ id: ConversationID) async throws -> ConversationThread? {
        try await pool.read { db in try Self.find(db, "id = ?", [id.rawValue]) }
    }

    func thread(lead: LeadID, channel: ThreadChannel) async throws -> ConversationThread? {
        try await pool.read { db in
            try Self.find(db, "contact_id = (SELECT contact_id FROM leads WHERE id = ?) AND channel = ?", [lead.rawValue, channel.rawValue])
        }
    }

    func list(_ filter: ConversationFilter, page: PageRequest) async throws -> Page<ConversationThread> {
        try await pool.read { db in
            var conditions = ["business_id = ?"]
            var arguments: [(any DatabaseValueConvertible)?] = [filter.business.rawValue]
            if let channel = filter.channel {
                conditions.append("channel = ?")
                arguments.append(channel.rawValue)
            }
            if let status = filter.status {
                conditions.append("status = ?")
                arguments.append(status.rawValue)
            }
            if let assignee = filter.assignee {
                conditions.append("assignee_id = ?")
                arguments.append(assignee.rawValue)
            }
            if let assigned = filter.assigned { conditions.append(assigned ? "assignee_id IS NOT NULL" : "assignee_id IS NULL") }
            if let unread = filter.unread { conditions.append(unread ? "unread_count > 0" : "unread_count = 0") }
            if let lead = filter.lead {
                conditions.append("contact_id = (SELECT contact_id FROM leads WHERE id = ?)")
                arguments.append(lead.rawValue)
            }
            if let contact = filter.contact {
                conditions.append("contact_id = ?")
                arguments.append(contact.rawValue)
            }
            let whereClause = conditions.joined(separator: " AND ")
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM threads WHERE \(whereClause)", arguments: StatementArguments(arguments)) ?? 0
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(ConversationThread.sqlColumns) FROM threads WHERE \(whereClause)
                    ORDER BY COALESCE(last_at, created_at) DESC, id DESC LIMIT ? OFFSET ?
                    """, arguments: StatementArguments(arguments + [page.limit, page.offset]))
            return Page(items: rows.compactMap(ConversationThread.init(sqliteRow:)), total: total)
        }
    }

    func messages(of thread: ConversationThread, page: PageRequest) async throws -> Page<ThreadMessage> {
        try await pool.read { db in
            let leads = "SELECT id FROM leads WHERE contact_id = ?"
            let (count, select): (String, String)
            switch thread.channel {
            case .voice:
                let from = "FROM transcript_turns t JOIN calls c ON c.id = t.call_id WHERE c.business_id = ? AND c.lead_id IN (\(leads))"
                count = "SELECT COUNT(*) \(from)"
                select = """
                    SELECT c.id || ':' || t.sequence AS id, c.lead_id, t.speaker AS sender, NULL AS sent_by, t.text AS content,
                      t.started_at AS at, NULL AS status, c.id AS call_id
                    \(from) ORDER BY t.started_at, c.id, t.sequence LIMIT ? OFFSET ?
                    """
            case .api:
                let from = "FROM api_turns WHERE business_id = ? AND lead_id IN (\(leads))"
                count = "SELECT COUNT(*) \(from)"
                select = """
                    SELECT id, lead_id, speaker AS sender, NULL AS sent_by, text AS content, created_at AS at, NULL AS status, NULL AS call_id
                    \(from) ORDER BY created_at, rowid LIMIT ? OFFSET ?
                    """
            case .sms, .email:
                let from = "FROM messages WHERE business_id = ? AND lead_id IN (\(leads)) AND channel = '\(thread.channel.rawValue)'"
                count = "SELECT COUNT(*) \(from)"
                select = """
                    SELECT id, lead_id, direction AS sender, sent_by, body AS content, created_at AS at, status, NULL AS call_id
                    \(from) ORDER BY created_at, rowid LIMIT ? OFFSET ?
                    """
            }
            let base: [(any DatabaseValueConvertible)?] = [thread.businessId.rawValue, thread.contactId.rawValue]
            let total = try Int.fetchOne(db, sql: count, arguments: StatementArguments(base)) ?? 0
            let rows = try Row.fetchAll(db, sql: select, arguments: StatementArguments(base + [page.limit, page.offset]))
            let items = rows.map { row in
                ThreadMessage(
                    id: row["id"], conversationId: thread.id, leadId: (row["lead_id"] as String?).map(LeadID.init(rawValue:)),
                    channel: thread.channel, sender: ThreadSender(stored: row["sender"], sentBy: row["sent_by"]),
                    senderId: (row["sent_by"] as String?).map(UserID.init(rawValue:)), content: row["content"], timestamp: row["at"],
                    status: row["status"], callId: (row["call_id"] as String?).map(CallID.init(rawValue:)))
            }
            return Page(items: items, total: total)
        }
    }

    func apply(_ change: ConversationChange) async throws -> ConversationThread? {
        try await pool.write { db in
            guard let thread = try Self.find(db, "id = ?", [change.conversationId.rawValue]) else { return nil }
            guard let updated = thread.applying(change) else { return nil }
            try db.execute(
                sql: "UPDATE threads SET assignee_id = ?, assigned_at = ?, status = ?, updated_at = ? WHERE id = ?",
                arguments: [updated.assigneeId?.rawValue, updated.assignedAt, updated.status.rawValue, updated.updatedAt, thread.id.rawValue])
            try db.execute(
                sql: "INSERT INTO thread_changes (id, thread_id, kind, actor_id, assignee_id, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    change.id.rawValue, thread.id.rawValue, change.kind.rawValue, change.actorId?.rawValue, change.assigneeId?.rawValue, change.note,
                    change.createdAt,
                ])
            return updated
        }
    }

    func appendExecution(business: BusinessID, lead: LeadID, agent: AgentID, input: String, reply: String?, at now: Date) async throws {
        try await pool.write { db in
            for (speaker, text) in [("lead", input), ("agent", reply)] {
                guard let text else { continue }
                try db.execute(
                    sql: "INSERT INTO api_turns (id, business_id, lead_id, agent_id, speaker, text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: ["apiturn_" + RandomToken.base32(count: 20), business.rawValue, lead.rawValue, agent.rawValue, speaker, text, now])
            }
        }
    }

    func markRead(_ id: ConversationID, at now: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE threads SET unread_count = 0 WHERE id = ? AND unread_count > 0", arguments: [id.rawValue])
        }
    }

    func history(of id: ConversationID) async throws -> [ConversationChange] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, thread_id, kind, actor_id, assignee_id, note, created_at FROM thread_changes WHERE thread_id = ? ORDER BY created_at, rowid",
                arguments: [id.rawValue]
            ).compactMap(ConversationChange.init(sqliteRow:))
        }
    }
}

extension ThreadSender {
    /// A stored message's direction or a transcript turn's speaker, as the thread's sender.
    init(stored: String, sentBy: String?) {
        switch stored {
        case "inbound", "caller", "lead": self = .lead
        case "outbound": self = sentBy == nil ? .agent : .member
        case "agent": self = .agent
        default: self = .system
        }
    }
}
