import Foundation
import FrontdeskCore
import GRDB

struct SQLiteWorkflowRepository: WorkflowRepository {
    let pool: StoreDatabase

    static let workflowColumns = "id, business_id, name, status, definition, secret, created_at, updated_at"
    static let enrollmentColumns = "id, workflow_id, business_id, lead_id, status, step, context, log, source, created_at, updated_at, finished_at"

    static func workflow(_ row: Row) throws -> Workflow? {
        try WorkflowCoding.workflow(
            id: row["id"], business: row["business_id"], name: row["name"], status: row["status"], definition: row["definition"],
            secret: row["secret"], created: row["created_at"], updated: row["updated_at"])
    }

    static func enrollment(_ row: Row) throws -> Enrollment? {
        try WorkflowCoding.enrollment(
            id: row["id"], workflow: row["workflow_id"], business: row["business_id"], lead: row["lead_id"], status: row["status"],
            step: row["step"], context: row["context"], log: row["log"], source: row["source"], created: row["created_at"],
            updated: row["updated_at"], finished: row["finished_at"])
    }

    func insert(_ workflow: Workflow) async throws {
        let definition = try WorkflowCoding.text(workflow.definition)
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO workflows (\(Self.workflowColumns), trigger_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    workflow.id.rawValue, workflow.businessId.rawValue, workflow.name, workflow.status.rawValue, definition, workflow.secret,
                    workflow.createdAt, workflow.updatedAt, workflow.trigger.name,
                ])
        }
    }

    func find(_ id: WorkflowID) async throws -> Workflow? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.workflowColumns) FROM workflows WHERE id = ?", arguments: [id.rawValue]).flatMap(Self.workflow)
        }
    }

    func list(business: BusinessID, status: WorkflowStatus?, page: PageRequest) async throws -> Page<Workflow> {
        try await self.page(
            "workflows", columns: Self.workflowColumns, key: "business_id", business.rawValue, filter: status.map { ("status", $0.rawValue) },
            order: "created_at, id", page: page, decode: Self.workflow)
    }

    /// One page of `table` where `key` is `value` (and the filter's column its value, when given), with the total.
    private func page<Item: Sendable>(
        _ table: String, columns: String, key: String, _ value: String, filter: (column: String, value: String)?, order: String, page: PageRequest,
        decode: @escaping @Sendable (Row) throws -> Item?
    ) async throws -> Page<Item> {
        try await pool.read { db in
            var condition = "\(key) = ?"
            var arguments: StatementArguments = [value]
            if let filter {
                condition += " AND \(filter.column) = ?"
                arguments += [filter.value]
            }
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table) WHERE \(condition)", arguments: arguments) ?? 0
            let rows = try Row.fetchAll(
                db, sql: "SELECT \(columns) FROM \(table) WHERE \(condition) ORDER BY \(order) LIMIT ? OFFSET ?",
                arguments: arguments + [page.limit, page.offset])
            return Page(items: try rows.compactMap(decode), total: total)
        }
    }

    func update(_ workflow: Workflow) async throws {
        let definition = try WorkflowCoding.text(workflow.definition)
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE workflows SET name = ?, status = ?, definition = ?, trigger_type = ?, updated_at = ? WHERE id = ?",
                arguments: [workflow.name, workflow.status.rawValue, definition, workflow.trigger.name, workflow.updatedAt, workflow.id.rawValue])
        }
    }

    func delete(_ id: WorkflowID) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM workflows WHERE id = ?", arguments: [id.rawValue]) }
    }

    func active(business: BusinessID, trigger: EventType) async throws -> [Workflow] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.workflowColumns) FROM workflows WHERE business_id = ? AND status = 'active' AND trigger_type = ? ORDER BY created_at",
                arguments: [business.rawValue, trigger.rawValue]
            ).compactMap(Self.workflow)
        }
    }

    func enroll(_ enrollment: Enrollment, once: Bool, reentryAfter: Date?) async throws -> Enrollment? {
        let context = try WorkflowCoding.text(enrollment.context)
        let log = try WorkflowCoding.text(enrollment.log)
        return try await pool.write { db in
            if let row = try Row.fetchOne(
                db, sql: "SELECT \(Self.enrollmentColumns) FROM enrollments WHERE workflow_id = ? AND source = ?",
                arguments: [enrollment.workflowId.rawValue, enrollment.source])
            {
                return try Self.enrollment(row)
            }
            if once,
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS (SELECT 1 FROM enrollments WHERE workflow_id = ? AND lead_id = ?)",
                    arguments: [enrollment.workflowId.rawValue, enrollment.leadId.rawValue]) == true
            {
                return nil
            }
            if !once, let after = reentryAfter,
                try Bool.fetchOne(
                    db,
                    sql: "SELECT EXISTS (SELECT 1 FROM enrollments WHERE workflow_id = ? AND lead_id = ? AND (status = 'active' OR created_at >= ?))",
                    arguments: [enrollment.workflowId.rawValue, enrollment.leadId.rawValue, after]) == true
            {
                return nil
            }
            try db.execute(
                sql: "INSERT INTO enrollments (\(Self.enrollmentColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    enrollment.id.rawValue, enrollment.workflowId.rawValue, enrollment.businessId.rawValue, enrollment.leadId.rawValue,
                    enrollment.status.rawValue, enrollment.step, context, log, enrollment.source, enrollment.createdAt, enrollment.updatedAt,
                    enrollment.finishedAt,
                ])
            return enrollment
        }
    }

    func enrollment(_ id: EnrollmentID) async throws -> Enrollment? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.enrollmentColumns) FROM enrollments WHERE id = ?", arguments: [id.rawValue]).flatMap(Self.enrollment)
        }
    }

    func enrollments(workflow: WorkflowID, status: EnrollmentStatus?, page: PageRequest) async throws -> Page<Enrollment> {
        try await self.page(
            "enrollments", columns: Self.enrollmentColumns, key: "workflow_id", workflow.rawValue, filter: status.map { ("status", $0.rawValue) },
            order: "created_at DESC, id", page: page, decode: Self.enrollment)
    }

    func save(_ enrollment: Enrollment) async throws {
        let context = try WorkflowCoding.text(enrollment.context)
        let log = try WorkflowCoding.text(enrollment.log)
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE enrollments SET status = ?, step = ?, context = ?, log = ?, updated_at = ?, finished_at = ? WHERE id = ?",
                arguments: [enrollment.status.rawValue, enrollment.step, context, log, enrollment.updatedAt, enrollment.finishedAt, enrollment.id.rawValue])
        }
    }

    func enrollmentCounts(workflow: WorkflowID, sourcePrefix prefix: String) async throws -> [EnrollmentStatus: Int] {
        try await pool.read { db in
            var counts: [EnrollmentStatus: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT status, count(*) AS n FROM enrollments WHERE workflow_id = ? AND substr(source, 1, ?) = ? GROUP BY status",
                arguments: [workflow.rawValue, prefix.count, prefix])
            {
                if let status = EnrollmentStatus(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }

    func endEnrollments(workflow: WorkflowID, sourcePrefix prefix: String, at now: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE enrollments SET status = 'exited', updated_at = ?, finished_at = ?
                    WHERE workflow_id = ? AND status = 'active' AND substr(source, 1, ?) = ?
                    """,
                arguments: [now, now, workflow.rawValue, prefix.count, prefix])
            return db.changesCount
        }
    }

    // MARK: campaigns

    static let campaignColumns =
        "id, business_id, name, workflow_id, audience, start_at, per_minute, status, matched, enrolled, started_at, created_at, updated_at"

    static func campaign(_ row: Row) throws -> Campaign? {
        try WorkflowCoding.campaign(
            id: row["id"], business: row["business_id"], name: row["name"], workflow: row["workflow_id"], audience: row["audience"],
            start: row["start_at"], perMinute: row["per_minute"], status: row["status"], matched: row["matched"], enrolled: row["enrolled"],
            started: row["started_at"], created: row["created_at"], updated: row["updated_at"])
    }

    func insert(_ campaign: Campaign) async throws {
        let audience = try WorkflowCoding.text(campaign.audience)
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO campaigns (\(Self.campaignColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    campaign.id.rawValue, campaign.businessId.rawValue, campaign.name, campaign.workflowId.rawValue, audience, campaign.startAt,
                    campaign.perMinute, campaign.status.rawValue, campaign.matched, campaign.enrolled, campaign.startedAt, campaign.createdAt,
                    campaign.updatedAt,
                ])
        }
    }

    func campaign(_ id: CampaignID) async throws -> Campaign? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.campaignColumns) FROM campaigns WHERE id = ?", arguments: [id.rawValue]).flatMap(Self.campaign)
        }
    }

    func campaigns(business: BusinessID, status: CampaignStatus?, page: PageRequest) async throws -> Page<Campaign> {
        try await self.page(
            "campaigns", columns: Self.campaignColumns, key: "business_id", business.rawValue, filter: status.map { ("status", $0.rawValue) },
            order: "created_at DESC, id", page: page, decode: Self.campaign)
    }

    func update(_ campaign: Campaign) async throws {
        let audience = try WorkflowCoding.text(campaign.audience)
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE campaigns SET name = ?, workflow_id = ?, audience = ?, start_at = ?, per_minute = ?, status = ?, matched = ?, enrolled = ?,
                      started_at = ?, updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [
                    campaign.name, campaign.workflowId.rawValue, audience, campaign.startAt, campaign.perMinute, campaign.status.rawValue,
                    campaign.matched, campaign.enrolled, campaign.startedAt, campaign.updatedAt, campaign.id.rawValue,
                ])
        }
    }

    func delete(_ id: CampaignID) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM campaigns WHERE id = ?", arguments: [id.rawValue]) }
    }

    // MARK: message templates

    static let templateColumns = "id, business_id, name, channel, subject, body, created_at, updated_at"

    static func template(_ row: Row) -> MessageTemplate? {
        WorkflowCoding.template(
            id: row["id"], business: row["business_id"], name: row["name"], channel: row["channel"], subject: row["subject"], body: row["body"],
            created: row["created_at"], updated: row["updated_at"])
    }

    func insert(_ template: MessageTemplate) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO message_templates (\(Self.templateColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    template.id.rawValue, template.businessId.rawValue, template.name, template.channel.rawValue, template.subject, template.body,
                    template.createdAt, template.updatedAt,
                ])
        }
    }

    func template(_ id: TemplateID) async throws -> MessageTemplate? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.templateColumns) FROM message_templates WHERE id = ?", arguments: [id.rawValue]).flatMap(Self.template)
        }
    }

    func templates(business: BusinessID, channel: TemplateChannel?, page: PageRequest) async throws -> Page<MessageTemplate> {
        try await self.page(
            "message_templates", columns: Self.templateColumns, key: "business_id", business.rawValue,
            filter: channel.map { ("channel", $0.rawValue) }, order: "created_at DESC, id", page: page, decode: Self.template)
    }

    func update(_ template: MessageTemplate) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE message_templates SET name = ?, channel = ?, subject = ?, body = ?, updated_at = ? WHERE id = ?",
                arguments: [template.name, template.channel.rawValue, template.subject, template.body, template.updatedAt, template.id.rawValue])
        }
    }

    func delete(_ id: TemplateID) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM message_templates WHERE id = ?", arguments: [id.rawValue]) }
    }
}
