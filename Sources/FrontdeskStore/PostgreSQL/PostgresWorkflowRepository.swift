import Foundation
import FrontdeskCore
import PostgresNIO

struct PostgresWorkflowRepository: WorkflowRepository {
    let db: PostgresDatabase

    static let workflowColumns = "id, business_id, name, status, definition, secret, created_at, updated_at"
    static let enrollmentColumns = "id, workflow_id, business_id, lead_id, status, step, context, log, source, created_at, updated_at, finished_at"

    static func workflow(_ row: PostgresRow) throws -> Workflow? {
        var c = RowCursor(row)
        return try WorkflowCoding.workflow(
            id: try c.next(), business: try c.next(), name: try c.next(), status: try c.next(), definition: try c.next(), secret: try c.next(),
            created: try c.date(), updated: try c.date())
    }

    static func enrollment(_ row: PostgresRow) throws -> Enrollment? {
        var c = RowCursor(row)
        return try WorkflowCoding.enrollment(
            id: try c.next(), workflow: try c.next(), business: try c.next(), lead: try c.next(), status: try c.next(), step: try c.next(),
            context: try c.next(), log: try c.next(), source: try c.next(), created: try c.date(), updated: try c.date(),
            finished: try c.optionalDate())
    }

    func insert(_ workflow: Workflow) async throws {
        let definition = try WorkflowCoding.text(workflow.definition)
        try await db.execute(
            """
            INSERT INTO workflows (id, business_id, name, status, definition, secret, created_at, updated_at, trigger_type) VALUES (
              \(workflow.id.rawValue), \(workflow.businessId.rawValue), \(workflow.name), \(workflow.status.rawValue), \(definition),
              \(workflow.secret), \(workflow.createdAt.storedInstant), \(workflow.updatedAt.storedInstant), \(workflow.trigger.name))
            """)
    }

    func find(_ id: WorkflowID) async throws -> Workflow? {
        try await db.row("SELECT \(unescaped: Self.workflowColumns) FROM workflows WHERE id = \(id.rawValue)").flatMap(Self.workflow)
    }

    func list(business: BusinessID, status: WorkflowStatus?, page: PageRequest) async throws -> Page<Workflow> {
        let rows = try await self.page(
            "workflows", columns: Self.workflowColumns, key: "business_id", business.rawValue, status: status?.rawValue, order: "created_at, seq", page: page)
        return Page(items: try rows.rows.compactMap(Self.workflow), total: rows.total)
    }

    /// One page of `table` where `key` is `value` (and `status`, when given), with the total.
    private func page(
        _ table: String, columns: String, key: String, _ value: String, status: String?, order: String, page: PageRequest
    ) async throws -> (rows: [PostgresRow], total: Int) {
        var binds = PostgresBindings()
        binds.append(value)
        var condition = "\(key) = $1"
        if let status {
            binds.append(status)
            condition += " AND status = $2"
        }
        let total = try await db.row(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table) WHERE \(condition)", binds: binds))
            .map { try $0.decode(Int.self) } ?? 0
        let rows = try await db.rows(
            PostgresQuery(
                unsafeSQL: "SELECT \(columns) FROM \(table) WHERE \(condition) ORDER BY \(order) LIMIT \(page.limit) OFFSET \(page.offset)",
                binds: binds))
        return (rows, total)
    }

    func update(_ workflow: Workflow) async throws {
        let definition = try WorkflowCoding.text(workflow.definition)
        try await db.execute(
            """
            UPDATE workflows SET name = \(workflow.name), status = \(workflow.status.rawValue), definition = \(definition),
              trigger_type = \(workflow.trigger.name), updated_at = \(workflow.updatedAt.storedInstant)
            WHERE id = \(workflow.id.rawValue)
            """)
    }

    func delete(_ id: WorkflowID) async throws {
        try await db.execute("DELETE FROM workflows WHERE id = \(id.rawValue)")
    }

    func active(business: BusinessID, trigger: EventType) async throws -> [Workflow] {
        try await db.rows(
            """
            SELECT \(unescaped: Self.workflowColumns) FROM workflows
            WHERE business_id = \(business.rawValue) AND status = 'active' AND trigger_type = \(trigger.rawValue) ORDER BY created_at, seq
            """
        ).compactMap(Self.workflow)
    }

    func enroll(_ enrollment: Enrollment, once: Bool, reentryAfter: Date?) async throws -> Enrollment? {
        let context = try WorkflowCoding.text(enrollment.context)
        let log = try WorkflowCoding.text(enrollment.log)
        return try await db.transaction { db in
            // One enrolment decision per workflow and lead at a time.
            try await db.execute("SELECT pg_advisory_xact_lock(hashtext(\(enrollment.workflowId.rawValue + enrollment.leadId.rawValue)))")
            if let row = try await db.row(
                """
                SELECT \(unescaped: Self.enrollmentColumns) FROM enrollments
                WHERE workflow_id = \(enrollment.workflowId.rawValue) AND source = \(enrollment.source)
                """)
            {
                return try Self.enrollment(row)
            }
            if once,
                try await db.row(
                    "SELECT 1 FROM enrollments WHERE workflow_id = \(enrollment.workflowId.rawValue) AND lead_id = \(enrollment.leadId.rawValue) LIMIT 1"
                ) != nil
            {
                return nil
            }
            if !once, let after = reentryAfter,
                try await db.row(
                    """
                    SELECT 1 FROM enrollments WHERE workflow_id = \(enrollment.workflowId.rawValue) AND lead_id = \(enrollment.leadId.rawValue)
                      AND (status = 'active' OR created_at >= \(after.storedInstant)) LIMIT 1
                    """) != nil
            {
                return nil
            }
            let inserted = try await db.rows(
                """
                INSERT INTO enrollments (\(unescaped: Self.enrollmentColumns)) VALUES (
                  \(enrollment.id.rawValue), \(enrollment.workflowId.rawValue), \(enrollment.businessId.rawValue), \(enrollment.leadId.rawValue),
                  \(enrollment.status.rawValue), \(enrollment.step), \(context), \(log), \(enrollment.source), \(enrollment.createdAt.storedInstant),
                  \(enrollment.updatedAt.storedInstant), \(enrollment.finishedAt?.storedInstant))
                ON CONFLICT (workflow_id, source) DO NOTHING RETURNING 1
                """)
            if inserted.isEmpty {
                return try await db.row(
                    """
                    SELECT \(unescaped: Self.enrollmentColumns) FROM enrollments
                    WHERE workflow_id = \(enrollment.workflowId.rawValue) AND source = \(enrollment.source)
                    """
                ).flatMap(Self.enrollment)
            }
            return enrollment
        }
    }

    func enrollment(_ id: EnrollmentID) async throws -> Enrollment? {
        try await db.row("SELECT \(unescaped: Self.enrollmentColumns) FROM enrollments WHERE id = \(id.rawValue)").flatMap(Self.enrollment)
    }

    func enrollments(workflow: WorkflowID, status: EnrollmentStatus?, page: PageRequest) async throws -> Page<Enrollment> {
        let rows = try await self.page(
            "enrollments", columns: Self.enrollmentColumns, key: "workflow_id", workflow.rawValue, status: status?.rawValue, order: "created_at DESC, id", page: page)
        return Page(items: try rows.rows.compactMap(Self.enrollment), total: rows.total)
    }

    func save(_ enrollment: Enrollment) async throws {
        let context = try WorkflowCoding.text(enrollment.context)
        let log = try WorkflowCoding.text(enrollment.log)
        try await db.execute(
            """
            UPDATE enrollments SET status = \(enrollment.status.rawValue), step = \(enrollment.step), context = \(context), log = \(log),
              updated_at = \(enrollment.updatedAt.storedInstant), finished_at = \(enrollment.finishedAt?.storedInstant)
            WHERE id = \(enrollment.id.rawValue)
            """)
    }

    func enrollmentCounts(workflow: WorkflowID, sourcePrefix prefix: String) async throws -> [EnrollmentStatus: Int] {
        var counts: [EnrollmentStatus: Int] = [:]
        for row in try await db.rows(
            """
            SELECT status, count(*)::BIGINT FROM enrollments
            WHERE workflow_id = \(workflow.rawValue) AND starts_with(source, \(prefix)) GROUP BY status
            """)
        {
            let (status, count) = try row.decode((String, Int).self)
            if let status = EnrollmentStatus(rawValue: status) { counts[status] = count }
        }
        return counts
    }

    func endEnrollments(workflow: WorkflowID, sourcePrefix prefix: String, at now: Date) async throws -> Int {
        try await db.rows(
            """
            UPDATE enrollments SET status = 'exited', updated_at = \(now.storedInstant), finished_at = \(now.storedInstant)
            WHERE workflow_id = \(workflow.rawValue) AND status = 'active' AND starts_with(source, \(prefix))
            RETURNING 1
            """
        ).count
    }

    // MARK: campaigns

    static let campaignColumns =
        "id, business_id, name, workflow_id, audience, start_at, per_minute, status, matched, enrolled, started_at, created_at, updated_at"

    static func campaign(_ row: PostgresRow) throws -> Campaign? {
        var c = RowCursor(row)
        return try WorkflowCoding.campaign(
            id: try c.next(), business: try c.next(), name: try c.next(), workflow: try c.next(), audience: try c.next(), start: try c.date(),
            perMinute: try c.next(), status: try c.next(), matched: try c.next(), enrolled: try c.next(), started: try c.optionalDate(),
            created: try c.date(), updated: try c.date())
    }

    func insert(_ campaign: Campaign) async throws {
        let audience = try WorkflowCoding.text(campaign.audience)
        try await db.execute(
            """
            INSERT INTO campaigns (\(unescaped: Self.campaignColumns)) VALUES (
              \(campaign.id.rawValue), \(campaign.businessId.rawValue), \(campaign.name), \(campaign.workflowId.rawValue), \(audience),
              \(campaign.startAt.storedInstant), \(campaign.perMinute), \(campaign.status.rawValue), \(campaign.matched), \(campaign.enrolled),
              \(campaign.startedAt?.storedInstant), \(campaign.createdAt.storedInstant), \(campaign.updatedAt.storedInstant))
            """)
    }

    func campaign(_ id: CampaignID) async throws -> Campaign? {
        try await db.row("SELECT \(unescaped: Self.campaignColumns) FROM campaigns WHERE id = \(id.rawValue)").flatMap(Self.campaign)
    }

    func campaigns(business: BusinessID, status: CampaignStatus?, page: PageRequest) async throws -> Page<Campaign> {
        let rows = try await self.page(
            "campaigns", columns: Self.campaignColumns, key: "business_id", business.rawValue, status: status?.rawValue, order: "created_at DESC, seq DESC",
            page: page)
        return Page(items: try rows.rows.compactMap(Self.campaign), total: rows.total)
    }

    func update(_ campaign: Campaign) async throws {
        let audience = try WorkflowCoding.text(campaign.audience)
        try await db.execute(
            """
            UPDATE campaigns SET name = \(campaign.name), workflow_id = \(campaign.workflowId.rawValue), audience = \(audience),
              start_at = \(campaign.startAt.storedInstant), per_minute = \(campaign.perMinute), status = \(campaign.status.rawValue),
              matched = \(campaign.matched), enrolled = \(campaign.enrolled), started_at = \(campaign.startedAt?.storedInstant),
              updated_at = \(campaign.updatedAt.storedInstant)
            WHERE id = \(campaign.id.rawValue)
            """)
    }

    func delete(_ id: CampaignID) async throws {
        try await db.execute("DELETE FROM campaigns WHERE id = \(id.rawValue)")
    }

    // MARK: message templates

    static let templateColumns = "id, business_id, name, channel, subject, body, created_at, updated_at"

    static func template(_ row: PostgresRow) throws -> MessageTemplate? {
        var c = RowCursor(row)
        return WorkflowCoding.template(
            id: try c.next(), business: try c.next(), name: try c.next(), channel: try c.next(), subject: try c.next(), body: try c.next(),
            created: try c.date(), updated: try c.date())
    }

    func insert(_ template: MessageTemplate) async throws {
        try await db.execute(
            """
            INSERT INTO message_templates (\(unescaped: Self.templateColumns)) VALUES (
              \(template.id.rawValue), \(template.businessId.rawValue), \(template.name), \(template.channel.rawValue), \(template.subject),
              \(template.body), \(template.createdAt.storedInstant), \(template.updatedAt.storedInstant))
            """)
    }

    func template(_ id: TemplateID) async throws -> MessageTemplate? {
        try await db.row("SELECT \(unescaped: Self.templateColumns) FROM message_templates WHERE id = \(id.rawValue)").flatMap(Self.template)
    }

    func templates(business: BusinessID, channel: TemplateChannel?, page: PageRequest) async throws -> Page<MessageTemplate> {
        var binds = PostgresBindings()
        binds.append(business.rawValue)
        var condition = "business_id = $1"
        if let channel {
            binds.append(channel.rawValue)
            condition += " AND channel = $2"
        }
        let total = try await db.row(PostgresQuery(unsafeSQL: "SELECT count(*) FROM message_templates WHERE \(condition)", binds: binds))
            .map { try $0.decode(Int.self) } ?? 0
        let rows = try await db.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(Self.templateColumns) FROM message_templates WHERE \(condition)
                    ORDER BY created_at DESC, seq DESC LIMIT \(page.limit) OFFSET \(page.offset)
                    """,
                binds: binds))
        return Page(items: try rows.compactMap(Self.template), total: total)
    }

    func update(_ template: MessageTemplate) async throws {
        try await db.execute(
            """
            UPDATE message_templates SET name = \(template.name), channel = \(template.channel.rawValue), subject = \(template.subject),
              body = \(template.body), updated_at = \(template.updatedAt.storedInstant)
            WHERE id = \(template.id.rawValue)
            """)
    }

    func delete(_ id: TemplateID) async throws {
        try await db.execute("DELETE FROM message_templates WHERE id = \(id.rawValue)")
    }
}
