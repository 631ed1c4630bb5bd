import Foundation
import FrontdeskCore
import PostgresNIO

struct PostgresPipelineRepository: PipelineRepository {
    let db: PostgresDatabase

    static let pipelineColumns = "id, business_id, name, stages, created_at, updated_at"
    static let opportunityColumns = "id, business_id, pipeline_id, stage, name, lead_id, value_cents, status, owner_id, notes, created_at, updated_at, closed_at"

    static func pipeline(_ row: PostgresRow) throws -> Pipeline {
        var c = RowCursor(row)
        return try PipelineCoding.pipeline(
            id: try c.next(), business: try c.next(), name: try c.next(), stages: try c.next(), created: try c.date(), updated: try c.date())
    }

    static func opportunity(_ row: PostgresRow) throws -> Opportunity? {
        var c = RowCursor(row)
        return PipelineCoding.opportunity(
            id: try c.next(), business: try c.next(), pipeline: try c.next(), stage: try c.next(), name: try c.next(), lead: try c.next(),
            cents: try c.next(), status: try c.next(), owner: try c.next(), notes: try c.next(), created: try c.date(), updated: try c.date(),
            closed: try c.optionalDate())
    }

    func insert(_ pipeline: Pipeline) async throws {
        let stages = try WorkflowCoding.text(pipeline.stages)
        try await db.execute(
            """
            INSERT INTO pipelines (\(unescaped: Self.pipelineColumns)) VALUES (
              \(pipeline.id.rawValue), \(pipeline.businessId.rawValue), \(pipeline.name), \(stages), \(pipeline.createdAt.storedInstant),
              \(pipeline.updatedAt.storedInstant))
            """)
    }

    func find(_ id: PipelineID) async throws -> Pipeline? {
        try await db.row("SELECT \(unescaped: Self.pipelineColumns) FROM pipelines WHERE id = \(id.rawValue)").map(Self.pipeline)
    }

    func list(business: BusinessID, page: PageRequest) async throws -> Page<Pipeline> {
        let total = try await db.row("SELECT count(*) FROM pipelines WHERE business_id = \(business.rawValue)").map { try $0.decode(Int.self) } ?? 0
        let rows = try await db.rows(
            """
            SELECT \(unescaped: Self.pipelineColumns) FROM pipelines WHERE business_id = \(business.rawValue)
            ORDER BY created_at, seq LIMIT \(page.limit) OFFSET \(page.offset)
            """)
        return Page(items: try rows.map(Self.pipeline), total: total)
    }

    func update(_ pipeline: Pipeline) async throws {
        let stages = try WorkflowCoding.text(pipeline.stages)
        try await db.execute(
            """
            UPDATE pipelines SET name = \(pipeline.name), stages = \(stages), updated_at = \(pipeline.updatedAt.storedInstant)
            WHERE id = \(pipeline.id.rawValue)
            """)
    }

    func delete(_ id: PipelineID) async throws {
        try await db.execute("DELETE FROM pipelines WHERE id = \(id.rawValue)")
    }

    func insert(_ opportunity: Opportunity) async throws {
        try await db.execute(
            """
            INSERT INTO opportunities (\(unescaped: Self.opportunityColumns)) VALUES (
              \(opportunity.id.rawValue), \(opportunity.businessId.rawValue), \(opportunity.pipelineId.rawValue), \(opportunity.stage),
              \(opportunity.name), \(opportunity.leadId?.rawValue), \(opportunity.value.cents), \(opportunity.status.rawValue),
              \(opportunity.ownerId?.rawValue), \(opportunity.notes), \(opportunity.createdAt.storedInstant), \(opportunity.updatedAt.storedInstant),
              \(opportunity.closedAt?.storedInstant))
            """)
    }

    func opportunity(_ id: OpportunityID) async throws -> Opportunity? {
        try await db.row("SELECT \(unescaped: Self.opportunityColumns) FROM opportunities WHERE id = \(id.rawValue)").flatMap(Self.opportunity)
    }

    func opportunities(_ filter: OpportunityFilter, page: PageRequest) async throws -> Page<Opportunity> {
        var binds = PostgresBindings()
        binds.append(filter.pipeline.rawValue)
        var condition = "pipeline_id = $1"
        if let stage = filter.stage {
            binds.append(stage)
            condition += " AND stage = $\(binds.count)"
        }
        if let status = filter.status {
            binds.append(status.rawValue)
            condition += " AND status = $\(binds.count)"
        }
        if let lead = filter.lead {
            binds.append(lead.rawValue)
            condition += " AND lead_id = $\(binds.count)"
        }
        let total = try await db.row(PostgresQuery(unsafeSQL: "SELECT count(*) FROM opportunities WHERE \(condition)", binds: binds))
            .map { try $0.decode(Int.self) } ?? 0
        let rows = try await db.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(Self.opportunityColumns) FROM opportunities WHERE \(condition)
                    ORDER BY created_at DESC, seq DESC LIMIT \(page.limit) OFFSET \(page.offset)
                    """,
                binds: binds))
        return Page(items: try rows.compactMap(Self.opportunity), total: total)
    }

    func update(_ opportunity: Opportunity) async throws {
        try await db.execute(
            """
            UPDATE opportunities SET stage = \(opportunity.stage), name = \(opportunity.name), lead_id = \(opportunity.leadId?.rawValue),
              value_cents = \(opportunity.value.cents), status = \(opportunity.status.rawValue), owner_id = \(opportunity.ownerId?.rawValue),
              notes = \(opportunity.notes), updated_at = \(opportunity.updatedAt.storedInstant), closed_at = \(opportunity.closedAt?.storedInstant)
            WHERE id = \(opportunity.id.rawValue)
            """)
    }

    func delete(_ id: OpportunityID) async throws {
        try await db.execute("DELETE FROM opportunities WHERE id = \(id.rawValue)")
    }

    func totals(pipeline: PipelineID) async throws -> [String: StageTotals] {
        var totals: [String: StageTotals] = [:]
        for row in try await db.rows(
            """
            SELECT stage, count(*)::BIGINT, coalesce(sum(value_cents), 0)::BIGINT FROM opportunities
            WHERE pipeline_id = \(pipeline.rawValue) AND status = 'open' GROUP BY stage
            """)
        {
            let (stage, count, cents) = try row.decode((String, Int, Int).self)
            totals[stage] = StageTotals(count: count, cents: cents)
        }
        return totals
    }

    func count(pipeline: PipelineID, stages: [String]) async throws -> Int {
        guard !stages.isEmpty else { return 0 }
        return try await db.row(
            "SELECT count(*)::BIGINT FROM opportunities WHERE pipeline_id = \(pipeline.rawValue) AND stage = ANY(\(stages))"
        ).map { try $0.decode(Int.self) } ?? 0
    }
}
