import Foundation
import FrontdeskCore
import GRDB

struct SQLitePipelineRepository: PipelineRepository {
    let pool: StoreDatabase

    static let pipelineColumns = "id, business_id, name, stages, created_at, updated_at"
    static let opportunityColumns = "id, business_id, pipeline_id, stage, name, lead_id, value_cents, status, owner_id, notes, created_at, updated_at, closed_at"

    static func pipeline(_ row: Row) throws -> Pipeline {
        try PipelineCoding.pipeline(
            id: row["id"], business: row["business_id"], name: row["name"], stages: row["stages"], created: row["created_at"], updated: row["updated_at"])
    }

    static func opportunity(_ row: Row) -> Opportunity? {
        PipelineCoding.opportunity(
            id: row["id"], business: row["business_id"], pipeline: row["pipeline_id"], stage: row["stage"], name: row["name"], lead: row["lead_id"],
            cents: row["value_cents"], status: row["status"], owner: row["owner_id"], notes: row["notes"], created: row["created_at"],
            updated: row["updated_at"], closed: row["closed_at"])
    }

    func insert(_ pipeline: Pipeline) async throws {
        let stages = try WorkflowCoding.text(pipeline.stages)
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO pipelines (\(Self.pipelineColumns)) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [pipeline.id.rawValue, pipeline.businessId.rawValue, pipeline.name, stages, pipeline.createdAt, pipeline.updatedAt])
        }
    }

    func find(_ id: PipelineID) async throws -> Pipeline? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.pipelineColumns) FROM pipelines WHERE id = ?", arguments: [id.rawValue]).map(Self.pipeline)
        }
    }

    func list(business: BusinessID, page: PageRequest) async throws -> Page<Pipeline> {
        try await pool.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM pipelines WHERE business_id = ?", arguments: [business.rawValue]) ?? 0
            let rows = try Row.fetchAll(
                db, sql: "SELECT \(Self.pipelineColumns) FROM pipelines WHERE business_id = ? ORDER BY created_at, id LIMIT ? OFFSET ?",
                arguments: [business.rawValue, page.limit, page.offset])
            return Page(items: try rows.map(Self.pipeline), total: total)
        }
    }

    func update(_ pipeline: Pipeline) async throws {
        let stages = try WorkflowCoding.text(pipeline.stages)
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE pipelines SET name = ?, stages = ?, updated_at = ? WHERE id = ?",
                arguments: [pipeline.name, stages, pipeline.updatedAt, pipeline.id.rawValue])
        }
    }

    func delete(_ id: PipelineID) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM pipelines WHERE id = ?", arguments: [id.rawValue]) }
    }

    func insert(_ opportunity: Opportunity) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO opportunities (\(Self.opportunityColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    opportunity.id.rawValue, opportunity.businessId.rawValue, opportunity.pipelineId.rawValue, opportunity.stage, opportunity.name,
                    opportunity.leadId?.rawValue, opportunity.value.cents, opportunity.status.rawValue, opportunity.ownerId?.rawValue, opportunity.notes,
                    opportunity.createdAt, opportunity.updatedAt, opportunity.closedAt,
                ])
        }
    }

    func opportunity(_ id: OpportunityID) async throws -> Opportunity? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.opportunityColumns) FROM opportunities WHERE id = ?", arguments: [id.rawValue]).flatMap(Self.opportunity)
        }
    }

    func opportunities(_ filter: OpportunityFilter, page: PageRequest) async throws -> Page<Opportunity> {
        try await pool.read { db in
            var condition = "pipeline_id = ?"
            var arguments: StatementArguments = [filter.pipeline.rawValue]
            if let stage = filter.stage {
                condition += " AND stage = ?"
                arguments += [stage]
            }
            if let status = filter.status {
                condition += " AND status = ?"
                arguments += [status.rawValue]
            }
            if let lead = filter.lead {
                condition += " AND lead_id = ?"
                arguments += [lead.rawValue]
            }
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM opportunities WHERE \(condition)", arguments: arguments) ?? 0
            let rows = try Row.fetchAll(
                db, sql: "SELECT \(Self.opportunityColumns) FROM opportunities WHERE \(condition) ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
                arguments: arguments + [page.limit, page.offset])
            return Page(items: rows.compactMap(Self.opportunity), total: total)
        }
    }

    func update(_ opportunity: Opportunity) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE opportunities SET stage = ?, name = ?, lead_id = ?, value_cents = ?, status = ?, owner_id = ?, notes = ?, updated_at = ?,
                      closed_at = ?
                    WHERE id = ?
                    """,
                arguments: [
                    opportunity.stage, opportunity.name, opportunity.leadId?.rawValue, opportunity.value.cents, opportunity.status.rawValue,
                    opportunity.ownerId?.rawValue, opportunity.notes, opportunity.updatedAt, opportunity.closedAt, opportunity.id.rawValue,
                ])
        }
    }

    func delete(_ id: OpportunityID) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM opportunities WHERE id = ?", arguments: [id.rawValue]) }
    }

    func totals(pipeline: PipelineID) async throws -> [String: StageTotals] {
        try await pool.read { db in
            var totals: [String: StageTotals] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT stage, count(*) AS n, coalesce(sum(value_cents), 0) AS cents FROM opportunities WHERE pipeline_id = ? AND status = 'open' GROUP BY stage",
                arguments: [pipeline.rawValue])
            {
                totals[row["stage"]] = StageTotals(count: row["n"], cents: row["cents"])
            }
            return totals
        }
    }

    func count(pipeline: PipelineID, stages: [String]) async throws -> Int {
        guard !stages.isEmpty else { return 0 }
        return try await pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM opportunities WHERE pipeline_id = ? AND stage IN (\(databaseQuestionMarks(count: stages.count)))",
                arguments: StatementArguments([pipeline.rawValue] + stages)) ?? 0
        }
    }
}
