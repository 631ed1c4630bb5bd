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
              \(workflow.secret), \(workflow.createdAt.storedInstant), \(workflow.updatedAt.storedInstant), \(workflow.trigger.type.rawValue))
            """)
    }

    func find(_ id: WorkflowID) async throws -> Workflow? {
        try await db.row("SELECT \(unescaped: Self.workflowColumns) FROM workflows WHERE id = \(id.rawValue)").flatMap(Self.workflow)
    }

    func list(business: BusinessID, status: WorkflowStatus?, page: PageRequest) async throws -> Page<Workflow> {
        let rows: [PostgresRow]
        let total: Int
        if let status {
            total = try await db.row("SELECT count(*) FROM workflows WHERE business_id = \(business.rawValue) AND status = \(status.rawValue)")
                .map { try $0.decode(Int.self) } ?? 0
            rows = try await db.rows(
                """
                SELECT \(unescaped: Self.workflowColumns) FROM workflows WHERE business_id = \(business.rawValue) AND status = \(status.rawValue)
                ORDER BY created_at, seq LIMIT \(page.limit) OFFSET \(page.offset)
                """)
        } else {
            total = try await db.row("SELECT count(*) FROM workflows WHERE business_id = \(business.rawValue)").map { try $0.decode(Int.self) } ?? 0
            rows = try await db.rows(
                """
                SELECT \(unescaped: Self.workflowColumns) FROM workflows WHERE business_id = \(business.rawValue)
                ORDER BY created_at, seq LIMIT \(page.limit) OFFSET \(page.offset)
                """)
        }
        return Page(items: try rows.compactMap(Self.workflow), total: total)
    }

    func update(_ workflow: Workflow) async throws {
        let definition = try WorkflowCoding.text(workflow.definition)
        try await db.execute(
            """
            UPDATE workflows SET name = \(workflow.name), status = \(workflow.status.rawValue), definition = \(definition),
              trigger_type = \(workflow.trigger.type.rawValue), updated_at = \(workflow.updatedAt.storedInstant)
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

    func enroll(_ enrollment: Enrollment, once: Bool) async throws -> Enrollment? {
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
        let rows: [PostgresRow]
        let total: Int
        if let status {
            total = try await db.row("SELECT count(*) FROM enrollments WHERE workflow_id = \(workflow.rawValue) AND status = \(status.rawValue)")
                .map { try $0.decode(Int.self) } ?? 0
            rows = try await db.rows(
                """
                SELECT \(unescaped: Self.enrollmentColumns) FROM enrollments WHERE workflow_id = \(workflow.rawValue) AND status = \(status.rawValue)
                ORDER BY created_at DESC, id LIMIT \(page.limit) OFFSET \(page.offset)
                """)
        } else {
            total = try await db.row("SELECT count(*) FROM enrollments WHERE workflow_id = \(workflow.rawValue)").map { try $0.decode(Int.self) } ?? 0
            rows = try await db.rows(
                """
                SELECT \(unescaped: Self.enrollmentColumns) FROM enrollments WHERE workflow_id = \(workflow.rawValue)
                ORDER BY created_at DESC, id LIMIT \(page.limit) OFFSET \(page.offset)
                """)
        }
        return Page(items: try rows.compactMap(Self.enrollment), total: total)
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
}
