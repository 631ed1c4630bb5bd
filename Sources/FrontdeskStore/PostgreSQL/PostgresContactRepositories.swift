import Foundation
import FrontdeskCore
import PostgresNIO

extension Contact {
    static let postgresColumns = Contact.sqlColumns

    init?(postgresRow row: PostgresRow) throws {
        var cursor = RowCursor(row)
        let id: ContactID = try cursor.id()
        let business: BusinessID = try cursor.id()
        let name = try cursor.next(String?.self)
        let phone = try cursor.phone()
        let email = try cursor.next(String?.self).flatMap(EmailAddress.init)
        let company = try cursor.next(String?.self)
        let position = try cursor.next(String?.self)
        let tags = (try? JSONDecoder().decode([String].self, from: Data(try cursor.next(String.self).utf8))) ?? []
        guard let status = ContactStatus(rawValue: try cursor.next(String.self)) else { return nil }
        let notes = try cursor.next(String?.self)
        let last = try cursor.optionalDate()
        self.init(
            id: id, businessId: business, name: name, phone: phone, email: email, company: company, position: position, tags: tags,
            status: status, notes: notes, lastContactAt: last, createdAt: try cursor.date(), updatedAt: try cursor.date())
    }

    var postgresInsert: PostgresQuery {
        """
        INSERT INTO contacts (\(unescaped: Contact.postgresColumns)) VALUES (
          \(id.rawValue), \(businessId.rawValue), \(name), \(phone?.e164), \(email?.value), \(company), \(position), \(tagsText),
          \(status.rawValue), \(notes), \(lastContactAt?.storedInstant), \(createdAt.storedInstant), \(updatedAt.storedInstant))
        """
    }

    var postgresUpdate: PostgresQuery {
        """
        UPDATE contacts SET name = \(name), phone = \(phone?.e164), email = \(email?.value), company = \(company), position = \(position),
          tags = \(tagsText), status = \(status.rawValue), notes = \(notes), last_contact_at = \(lastContactAt?.storedInstant),
          created_at = \(createdAt.storedInstant), updated_at = \(updatedAt.storedInstant)
        WHERE id = \(id.rawValue) RETURNING 1
        """
    }
}

struct PostgresContactRepository: ContactRepository {
    let db: PostgresDatabase

    static func find(_ rows: PostgresAppointmentRepository.Rows, _ condition: PostgresQuery) async throws -> Contact? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Contact.postgresColumns) FROM contacts WHERE ")
        query.sql += condition.sql + " LIMIT 1"
        query.binds = condition.binds
        return try await rows(query).first.flatMap { try Contact(postgresRow: $0) }
    }

    func find(_ id: ContactID) async throws -> Contact? {
        try await Self.find(db.rows, "id = \(id.rawValue)")
    }

    func list(_ filter: ContactFilter, page: PageRequest) async throws -> Page<Contact> {
        var binds = PostgresBindings()
        binds.append(filter.business.rawValue)
        var conditions = ["business_id = $1"]
        if let search = filter.search?.lowercased(), !search.isEmpty {
            let pattern = "%" + likeEscaped(search) + "%"
            binds.append(pattern)
            let n = binds.count
            conditions.append(
                "(lower(COALESCE(name,'')) LIKE $\(n) OR lower(COALESCE(email,'')) LIKE $\(n) OR COALESCE(phone,'') LIKE $\(n) OR lower(COALESCE(company,'')) LIKE $\(n))")
        }
        for tag in filter.tags {
            binds.append(tag)
            conditions.append("tags::jsonb ? $\(binds.count)")
        }
        if let status = filter.status {
            binds.append(status.rawValue)
            conditions.append("status = $\(binds.count)")
        }
        let whereClause = conditions.joined(separator: " AND ")
        let total = try await db.row(PostgresQuery(unsafeSQL: "SELECT count(*) FROM contacts WHERE \(whereClause)", binds: binds))?
            .decode(Int.self) ?? 0
        let direction = filter.ascending ? "ASC" : "DESC"
        let order =
            switch filter.sort {
            case .name: "lower(name) \(direction) NULLS LAST"
            case .company: "lower(company) \(direction) NULLS LAST"
            case .createdAt: "created_at \(direction)"
            case .lastContact: "last_contact_at \(direction) NULLS LAST"
            }
        let rows = try await db.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(Contact.postgresColumns) FROM contacts WHERE \(whereClause)
                    ORDER BY \(order), id \(direction) LIMIT \(page.limit) OFFSET \(page.offset)
                    """, binds: binds))
        return Page(items: try rows.compactMap { try Contact(postgresRow: $0) }, total: total)
    }

    static let duplicate = StoreError.duplicate(
        message: "This business already has a contact with this phone number", field: "phone", problem: "already belongs to another contact of this business")

    func insert(_ contact: Contact) async throws {
        do {
            try await db.execute(contact.postgresInsert)
        } catch let error as PSQLError where error.isUniqueViolation {
            throw Self.duplicate
        }
    }

    func update(_ contact: Contact) async throws {
        do {
            guard try await db.row(contact.postgresUpdate) != nil else { throw RecordNotFound(table: "contacts") }
        } catch let error as PSQLError where error.isUniqueViolation {
            throw Self.duplicate
        }
    }

    func delete(_ id: ContactID) async throws {
        try await db.transaction { db in
            try await db.execute("UPDATE leads SET contact_id = NULL WHERE contact_id = \(id.rawValue)")
            try await db.execute("DELETE FROM contacts WHERE id = \(id.rawValue)")
        }
    }

    func leads(of contact: ContactID) async throws -> [LeadID] {
        try await db.rows("SELECT id FROM leads WHERE contact_id = \(contact.rawValue) ORDER BY created_at DESC")
            .map { LeadID(rawValue: try $0.decode(String.self)) }
    }

    func link(_ lead: Lead, at now: Date) async throws -> Contact {
        try await db.transaction { db in try await Self.link(db, lead, at: now) }
    }

    /// `ContactMatch` in the caller's transaction, one business at a time (an advisory lock: two
    /// instances linking the same new caller make one contact).
    static func link(_ db: PostgresDatabase.Transaction, _ lead: Lead, at now: Date) async throws -> Contact {
        let business = lead.businessId.rawValue
        try await db.execute("SELECT pg_advisory_xact_lock(hashtext('contacts:' || \(business)))")
        var byPhone: Contact?
        if let phone = lead.phone { byPhone = try await find(db.rows, "business_id = \(business) AND phone = \(phone.e164)") }
        var byEmail: Contact?
        if let email = lead.email {
            byEmail = try await find(db.rows, "business_id = \(business) AND email = \(email.value) ORDER BY (phone IS NULL) DESC, created_at")
        }
        var current: Contact?
        if let id = try await db.row("SELECT contact_id FROM leads WHERE id = \(lead.id.rawValue)")?.decode(String?.self) {
            current = try await find(db.rows, "id = \(id)")
        }
        var contact: Contact
        switch ContactMatch.decide(lead: lead, byPhone: byPhone, byEmail: byEmail, current: current) {
        case .create:
            contact = Contact(id: .generate(), businessId: lead.businessId, createdAt: now, updatedAt: now)
            _ = contact.learn(from: lead)
            try await db.execute(contact.postgresInsert)
        case .link(let id):
            contact = [byPhone, byEmail, current].compactMap { $0 }.first { $0.id == id }!
            if contact.learn(from: lead) {
                contact.updatedAt = now
                try await db.execute(contact.postgresUpdate)
            }
        case .merge(let into, let absorbed):
            contact = byPhone!
            contact.absorb(byEmail!)
            _ = contact.learn(from: lead)
            contact.updatedAt = now
            try await mergeThreads(db, from: absorbed, into: into)
            try await db.execute("UPDATE leads SET contact_id = \(into.rawValue) WHERE contact_id = \(absorbed.rawValue)")
            try await db.execute("DELETE FROM contacts WHERE id = \(absorbed.rawValue)")
            try await db.execute(contact.postgresUpdate)
        }
        try await db.execute("UPDATE leads SET contact_id = \(contact.id.rawValue) WHERE id = \(lead.id.rawValue)")
        return contact
    }

    /// As SQLite's: a channel the kept contact lacks moves over; a shared one keeps the kept thread.
    static func mergeThreads(_ db: PostgresDatabase.Transaction, from absorbed: ContactID, into kept: ContactID) async throws {
        for row in try await db.rows("SELECT id, channel, unread_count FROM threads WHERE contact_id = \(absorbed.rawValue)") {
            let (id, channel, unread) = try row.decode((String, String, Int).self)
            if let keptThread = try await db.row("SELECT id FROM threads WHERE contact_id = \(kept.rawValue) AND channel = \(channel)")?
                .decode(String.self)
            {
                try await db.execute("UPDATE threads SET unread_count = unread_count + \(unread) WHERE id = \(keptThread)")
                try await db.execute("UPDATE thread_changes SET thread_id = \(keptThread) WHERE thread_id = \(id)")
                try await db.execute("DELETE FROM threads WHERE id = \(id)")
            } else {
                try await db.execute("UPDATE threads SET contact_id = \(kept.rawValue) WHERE id = \(id)")
            }
        }
    }
}

extension ConversationThread {
    init?(postgresRow row: PostgresRow) throws {
        var cursor = RowCursor(row)
        let id: ConversationID = try cursor.id()
        let business: BusinessID = try cursor.id()
        let contact: ContactID = try cursor.id()
        let lead: LeadID? = try cursor.optionalID()
        let channel = ThreadChannel(rawValue: try cursor.next(String.self))
        let status = ThreadStatus(rawValue: try cursor.next(String.self))
        let assignee: UserID? = try cursor.optionalID()
        let assignedAt = try cursor.optionalDate()
        let unread = try cursor.next(Int.self)
        let content = try cursor.next(String?.self)
        let at = try cursor.optionalDate()
        let sender = try cursor.next(String?.self).flatMap(ThreadSender.init(rawValue:))
        guard let channel, let status else { return nil }
        var preview: ThreadPreview?
        if let content, let at, let sender { preview = ThreadPreview(content: content, timestamp: at, sender: sender) }
        self.init(
            id: id, businessId: business, contactId: contact, leadId: lead, channel: channel, status: status, assigneeId: assignee,
            assignedAt: assignedAt, unreadCount: unread, lastMessage: preview, createdAt: try cursor.date(), updatedAt: try cursor.date())
    }
}

struct PostgresInboxRepository: InboxRepository {
    let db: PostgresDatabase

    static func find(_ rows: PostgresAppointmentRepository.Rows, _ condition: PostgresQuery, locking: Bool = false) async throws -> ConversationThread? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(ConversationThread.sqlColumns) FROM threads WHERE ")
        query.sql += condition.sql + (locking ? " LIMIT 1 FOR UPDATE" : " LIMIT 1")
        query.binds = condition.binds
        return try await rows(query).first.flatMap { try ConversationThread(postgresRow: $0) }
    }

    func record(_ activity: ThreadActivity, at now: Date) async throws -> ConversationThread {
        try await db.transaction { db in
            let contact = try await PostgresContactRepository.link(db, activity.lead, at: now)
            let preview = activity.preview
            let at = preview.timestamp.storedInstant
            try await db.execute(
                """
                INSERT INTO threads (\(unescaped: ConversationThread.sqlColumns))
                VALUES (\(ConversationID.generate().rawValue), \(activity.business.rawValue), \(contact.id.rawValue), \(activity.lead.id.rawValue),
                  \(activity.channel.rawValue), 'active', NULL, NULL, \(activity.inbound ? 1 : 0), \(String(preview.content.prefix(500))), \(at),
                  \(preview.sender.rawValue), \(now.storedInstant), \(now.storedInstant))
                ON CONFLICT (contact_id, channel) DO UPDATE SET
                  lead_id = excluded.lead_id, unread_count = threads.unread_count + excluded.unread_count,
                  last_content = excluded.last_content, last_at = excluded.last_at, last_sender = excluded.last_sender,
                  status = CASE WHEN excluded.unread_count > 0 THEN 'active' ELSE threads.status END,
                  updated_at = excluded.updated_at
                """)
            try await db.execute(
                "UPDATE contacts SET last_contact_at = GREATEST(COALESCE(last_contact_at, \(at)), \(at)) WHERE id = \(contact.id.rawValue)")
            return try await Self.find(db.rows, "contact_id = \(contact.id.rawValue) AND channel = \(activity.channel.rawValue)")!
        }
    }

    func find(_ id: ConversationID) async throws -> ConversationThread? {
        try await Self.find(db.rows, "id = \(id.rawValue)")
    }

    func thread(lead: LeadID, channel: ThreadChannel) async throws -> ConversationThread? {
        try await Self.find(db.rows, "contact_id = (SELECT contact_id FROM leads WHERE id = \(lead.rawValue)) AND channel = \(channel.rawValue)")
    }

    func list(_ filter: ConversationFilter, page: PageRequest) async throws -> Page<ConversationThread> {
        var binds = PostgresBindings()
        binds.append(filter.business.rawValue)
        var conditions = ["business_id = $1"]
        func add(_ value: String, _ condition: (Int) -> String) {
            binds.append(value)
            conditions.append(condition(binds.count))
        }
        if let channel = filter.channel { add(channel.rawValue) { "channel = $\($0)" } }
        if let status = filter.status { add(status.rawValue) { "status = $\($0)" } }
        if let assignee = filter.assignee { add(assignee.rawValue) { "assignee_id = $\($0)" } }
        if let assigned = filter.assigned { conditions.append(assigned ? "assignee_id IS NOT NULL" : "assignee_id IS NULL") }
        if let unread = filter.unread { conditions.append(unread ? "unread_count > 0" : "unread_count = 0") }
        if let lead = filter.lead { add(lead.rawValue) { "contact_id = (SELECT contact_id FROM leads WHERE id = $\($0))" } }
        if let contact = filter.contact { add(contact.rawValue) { "contact_id = $\($0)" } }
        let whereClause = conditions.joined(separator: " AND ")
        let total = try await db.row(PostgresQuery(unsafeSQL: "SELECT count(*) FROM threads WHERE \(whereClause)", binds: binds))?.decode(Int.self) ?? 0
        let rows = try await db.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(ConversationThread.sqlColumns) FROM threads WHERE \(whereClause)
                    ORDER BY COALESCE(last_at, created_at) DESC, id DESC LIMIT \(page.limit) OFFSET \(page.offset)
                    """, binds: binds))
        return Page(items: try rows.compactMap { try ConversationThread(postgresRow: $0) }, total: total)
    }

    func messages(of thread: ConversationThread, page: PageRequest) async throws -> Page<ThreadMessage> {
        let business = thread.businessId.rawValue
        let contact = thread.contactId.rawValue
        let (count, select): (PostgresQuery, PostgresQuery)
        switch thread.channel {
        case .voice:
            count = """
                SELECT count(*) FROM transcript_turns t JOIN calls c ON c.id = t.call_id
                WHERE c.business_id = \(business) AND c.lead_id IN (SELECT id FROM leads WHERE contact_id = \(contact))
                """
            select = """
                SELECT c.id || ':' || t.sequence, c.lead_id, t.speaker, NULL::text, t.text, t.started_at, NULL::text, c.id
                FROM transcript_turns t JOIN calls c ON c.id = t.call_id
                WHERE c.business_id = \(business) AND c.lead_id IN (SELECT id FROM leads WHERE contact_id = \(contact))
                ORDER BY t.started_at, c.id, t.sequence LIMIT \(page.limit) OFFSET \(page.offset)
                """
        case .api:
            count = "SELECT count(*) FROM api_turns WHERE business_id = \(business) AND lead_id IN (SELECT id FROM leads WHERE contact_id = \(contact))"
            select = """
                SELECT id, lead_id, speaker, NULL::text, text, created_at, NULL::text, NULL::text FROM api_turns
                WHERE business_id = \(business) AND lead_id IN (SELECT id FROM leads WHERE contact_id = \(contact))
                ORDER BY created_at, seq LIMIT \(page.limit) OFFSET \(page.offset)
                """
        case .sms, .email:
            count = """
                SELECT count(*) FROM messages
                WHERE business_id = \(business) AND lead_id IN (SELECT id FROM leads WHERE contact_id = \(contact)) AND channel = \(thread.channel.rawValue)
                """
            select = """
                SELECT id, lead_id, direction, sent_by, body, created_at, status, NULL::text FROM messages
                WHERE business_id = \(business) AND lead_id IN (SELECT id FROM leads WHERE contact_id = \(contact)) AND channel = \(thread.channel.rawValue)
                ORDER BY created_at, seq LIMIT \(page.limit) OFFSET \(page.offset)
                """
        }
        let total = try await db.row(count)?.decode(Int.self) ?? 0
        let items = try await db.rows(select).map { row in
            var cursor = RowCursor(row)
            let id = try cursor.next(String.self)
            let lead: LeadID? = try cursor.optionalID()
            let sender = try cursor.next(String.self)
            let sentBy = try cursor.next(String?.self)
            let content = try cursor.next(String.self)
            let at = try cursor.date()
            let status = try cursor.next(String?.self)
            let call: CallID? = try cursor.optionalID()
            return ThreadMessage(
                id: id, conversationId: thread.id, leadId: lead, channel: thread.channel, sender: ThreadSender(stored: sender, sentBy: sentBy),
                senderId: sentBy.map(UserID.init(rawValue:)), content: content, timestamp: at, status: status, callId: call)
        }
        return Page(items: items, total: total)
    }

    func apply(_ change: ConversationChange) async throws -> ConversationThread? {
        try await db.transaction { db in
            guard let thread = try await Self.find(db.rows, "id = \(change.conversationId.rawValue)", locking: true) else { return nil }
            guard let updated = thread.applying(change) else { return nil }
            try await db.execute(
                """
                UPDATE threads SET assignee_id = \(updated.assigneeId?.rawValue), assigned_at = \(updated.assignedAt?.storedInstant),
                  status = \(updated.status.rawValue), updated_at = \(updated.updatedAt.storedInstant)
                WHERE id = \(thread.id.rawValue)
                """)
            try await db.execute(
                """
                INSERT INTO thread_changes (id, thread_id, kind, actor_id, assignee_id, note, created_at)
                VALUES (\(change.id.rawValue), \(thread.id.rawValue), \(change.kind.rawValue), \(change.actorId?.rawValue),
                  \(change.assigneeId?.rawValue), \(change.note), \(change.createdAt.storedInstant))
                """)
            return updated
        }
    }

    func appendExecution(business: BusinessID, lead: LeadID, agent: AgentID, input: String, reply: String?, at now: Date) async throws {
        try await db.transaction { db in
            for (speaker, text) in [("lead", input), ("agent", reply)] {
                guard let text else { continue }
                try await db.execute(
                    """
                    INSERT INTO api_turns (id, business_id, lead_id, agent_id, speaker, text, created_at)
                    VALUES (\("apiturn_" + RandomToken.base32(count: 20)), \(business.rawValue), \(lead.rawValue), \(agent.rawValue), \(speaker),
                      \(text), \(now.storedInstant))
                    """)
            }
        }
    }

    func markRead(_ id: ConversationID, at now: Date) async throws {
        try await db.execute("UPDATE threads SET unread_count = 0 WHERE id = \(id.rawValue) AND unread_count > 0")
    }

    func history(of id: ConversationID) async throws -> [ConversationChange] {
        try await db.rows(
            "SELECT id, thread_id, kind, actor_id, assignee_id, note, created_at FROM thread_changes WHERE thread_id = \(id.rawValue) ORDER BY created_at, seq"
        ).compactMap { row in
            var cursor = RowCursor(row)
            let id: ConversationChangeID = try cursor.id()
            let thread: ConversationID = try cursor.id()
            guard let kind = ConversationChangeKind(rawValue: try cursor.next(String.self)) else { return nil }
            return ConversationChange(
                id: id, conversationId: thread, kind: kind, actorId: try cursor.optionalID(), assigneeId: try cursor.optionalID(),
                note: try cursor.next(String?.self), createdAt: try cursor.date())
        }
    }
}
