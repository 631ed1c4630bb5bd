import Foundation
import FrontdeskCore
import GRDB

extension Contact {
    static let sqlColumns = "id, business_id, name, phone, email, company, position, tags, status, notes, last_contact_at, created_at, updated_at"

    init?(sqliteRow row: Row) {
        guard let status = ContactStatus(rawValue: row["status"]) else { return nil }
        let tags = (row["tags"] as String?).flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
        self.init(
            id: ContactID(rawValue: row["id"]), businessId: BusinessID(rawValue: row["business_id"]), name: row["name"],
            phone: (row["phone"] as String?).map(PhoneNumber.init(trusted:)), email: (row["email"] as String?).flatMap(EmailAddress.init),
            company: row["company"], position: row["position"], tags: tags, status: status, notes: row["notes"],
            lastContactAt: row["last_contact_at"], createdAt: row["created_at"], updatedAt: row["updated_at"])
    }

    var tagsText: String { String(decoding: (try? JSONEncoder().encode(tags)) ?? Data("[]".utf8), as: UTF8.self) }

    var sqliteValues: [(any DatabaseValueConvertible)?] {
        [
            id.rawValue, businessId.rawValue, name, phone?.e164, email?.value, company, position, tagsText, status.rawValue, notes,
            lastContactAt, createdAt, updatedAt,
        ]
    }

    var sqliteArguments: StatementArguments { StatementArguments(sqliteValues) }
}

struct SQLiteContactRepository: ContactRepository {
    let pool: StoreDatabase

    static func find(_ db: Database, _ condition: String, _ arguments: StatementArguments) throws -> Contact? {
        try Row.fetchOne(db, sql: "SELECT \(Contact.sqlColumns) FROM contacts WHERE \(condition) LIMIT 1", arguments: arguments)
            .flatMap(Contact.init(sqliteRow:))
    }

    func find(_ id: ContactID) async throws -> Contact? {
        try await pool.read { db in try Self.find(db, "id = ?", [id.rawValue]) }
    }

    func list(_ filter: ContactFilter, page: PageRequest) async throws -> Page<Contact> {
        try await pool.read { db in
            var conditions = ["business_id = ?"]
            var arguments: StatementArguments = [filter.business.rawValue]
            if let search = filter.search?.lowercased(), !search.isEmpty {
                let pattern = "%" + likeEscaped(search) + "%"
                conditions.append(
                    "(lower(COALESCE(name,'')) LIKE ? ESCAPE '\\' OR lower(COALESCE(email,'')) LIKE ? ESCAPE '\\' OR COALESCE(phone,'') LIKE ? ESCAPE '\\' OR lower(COALESCE(company,'')) LIKE ? ESCAPE '\\')")
                _ = arguments.append(contentsOf: [pattern, pattern, pattern, pattern])
            }
            for tag in filter.tags {
                conditions.append("EXISTS (SELECT 1 FROM json_each(contacts.tags) WHERE json_each.value = ?)")
                _ = arguments.append(contentsOf: [tag])
            }
            if let status = filter.status {
                conditions.append("status = ?")
                _ = arguments.append(contentsOf: [status.rawValue])
            }
            let whereClause = conditions.joined(separator: " AND ")
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM contacts WHERE \(whereClause)", arguments: arguments) ?? 0
            let direction = filter.ascending ? "ASC" : "DESC"
            let order =
                switch filter.sort {
                case .name: "lower(name) \(direction) NULLS LAST"
                case .company: "lower(company) \(direction) NULLS LAST"
                case .createdAt: "created_at \(direction)"
                case .lastContact: "last_contact_at \(direction) NULLS LAST"
                }
            let rows = try Row.fetchAll(
                db, sql: "SELECT \(Contact.sqlColumns) FROM contacts WHERE \(whereClause) ORDER BY \(order), id \(direction) LIMIT ? OFFSET ?",
                arguments: arguments + [page.limit, page.offset])
            return Page(items: rows.compactMap(Contact.init(sqliteRow:)), total: total)
        }
    }

    static let duplicate = StoreError.duplicate(
        message: "This business already has a contact with this phone number", field: "phone", problem: "already belongs to another contact of this business")

    func insert(_ contact: Contact) async throws {
        do {
            try await pool.write { db in
                try db.execute(sql: "INSERT INTO contacts (\(Contact.sqlColumns)) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", arguments: contact.sqliteArguments)
            }
        } catch let error as DatabaseError where error.isUniqueViolation {
            throw Self.duplicate
        }
    }

    static func update(_ db: Database, _ contact: Contact) throws {
        try db.execute(
            sql: """
                UPDATE contacts SET business_id = ?, name = ?, phone = ?, email = ?, company = ?, position = ?, tags = ?, status = ?,
                  notes = ?, last_contact_at = ?, created_at = ?, updated_at = ? WHERE id = ?
                """, arguments: StatementArguments(Array(contact.sqliteValues.dropFirst()) + [contact.id.rawValue]))
        if db.changesCount == 0 { throw RecordError.recordNotFound(databaseTableName: "contacts", key: ["id": contact.id.rawValue.databaseValue]) }
    }

    func update(_ contact: Contact) async throws {
        do {
            try await pool.write { db in try Self.update(db, contact) }
        } catch let error as DatabaseError where error.isUniqueViolation {
            throw Self.duplicate
        }
    }

    func delete(_ id: ContactID) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE leads SET contact_id = NULL WHERE contact_id = ?", arguments: [id.rawValue])
            try db.execute(sql: "DELETE FROM contacts WHERE id = ?", arguments: [id.rawValue])
        }
    }

    func leads(of contact: ContactID) async throws -> [LeadID] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM leads WHERE contact_id = ? ORDER BY created_at DESC", arguments: [contact.rawValue])
                .map(LeadID.init(rawValue:))
        }
    }

    func link(_ lead: Lead, at now: Date) async throws -> Contact {
        try await pool.write { db in try Self.link(db, lead, at: now) }
    }

    /// `ContactMatch` in the caller's transaction.
    static func link(_ db: Database, _ lead: Lead, at now: Date) throws -> Contact {
        let business = lead.businessId.rawValue
        let byPhone = try lead.phone.flatMap { try find(db, "business_id = ? AND phone = ?", [business, $0.e164]) }
        let byEmail = try lead.email.flatMap {
            try find(db, "business_id = ? AND email = ? ORDER BY (phone IS NULL) DESC, created_at", [business, $0.value])
        }
        let current = try String.fetchOne(db, sql: "SELECT contact_id FROM leads WHERE id = ?", arguments: [lead.id.rawValue])
            .flatMap { try find(db, "id = ?", [$0]) }
        var contact: Contact
        switch ContactMatch.decide(lead: lead, byPhone: byPhone, byEmail: byEmail, current: current) {
        case .create:
            contact = Contact(id: .generate(), businessId: lead.businessId, createdAt: now, updatedAt: now)
            _ = contact.learn(from: lead)
            try db.execute(sql: "INSERT INTO contacts (\(Contact.sqlColumns)) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", arguments: contact.sqliteArguments)
        case .link(let id):
            contact = [byPhone, byEmail, current].compactMap { $0 }.first { $0.id == id }!
            if contact.learn(from: lead) {
                contact.updatedAt = now
                try update(db, contact)
            }
        case .merge(let into, let absorbed):
            contact = byPhone!
            let other = byEmail!
            precondition(contact.id == into && other.id == absorbed)
            contact.absorb(other)
            _ = contact.learn(from: lead)
            contact.updatedAt = now
            try mergeThreads(db, from: absorbed, into: into)
            try db.execute(sql: "UPDATE leads SET contact_id = ? WHERE contact_id = ?", arguments: [into.rawValue, absorbed.rawValue])
            try db.execute(sql: "DELETE FROM contacts WHERE id = ?", arguments: [absorbed.rawValue])
            try update(db, contact)
        }
        try db.execute(sql: "UPDATE leads SET contact_id = ? WHERE id = ?", arguments: [contact.id.rawValue, lead.id.rawValue])
        return contact
    }

    /// The absorbed contact's threads join the kept one's: a channel the kept contact has no thread on
    /// moves over; on a shared channel the kept thread takes the other's unread lines and history.
    static func mergeThreads(_ db: Database, from absorbed: ContactID, into kept: ContactID) throws {
        let moving = try Row.fetchAll(db, sql: "SELECT id, channel, unread_count FROM threads WHERE contact_id = ?", arguments: [absorbed.rawValue])
        for row in moving {
            let id: String = row["id"]
            if let keptThread = try String.fetchOne(
                db, sql: "SELECT id FROM threads WHERE contact_id = ? AND channel = ?", arguments: [kept.rawValue, row["channel"] as String])
            {
                try db.execute(
                    sql: "UPDATE threads SET unread_count = unread_count + ? WHERE id = ?", arguments: [row["unread_count"] as Int, keptThread])
                try db.execute(sql: "UPDATE thread_changes SET thread_id = ? WHERE thread_id = ?", arguments: [keptThread, id])
                try db.execute(sql: "DELETE FROM threads WHERE id = ?", arguments: [id])
            } else {
                try db.execute(sql: "UPDATE threads SET contact_id = ? WHERE id = ?", arguments: [kept.rawValue, id])
            }
        }
    }
}
