import FrontdeskCore
import Foundation
import GRDB

public struct AgentRepository: Sendable {
    let pool: DatabasePool

    public func find(_ id: AgentID) async throws -> Agent? {
        try await pool.read { db in try Agent.fetchOne(db, key: id.rawValue) }
    }

    /// The agent that answers calls and texts to `number`.
    public func find(phoneNumber number: PhoneNumber) async throws -> Agent? {
        try await pool.read { db in try Agent.filter(Column("phone_number") == number).fetchOne(db) }
    }

    public func list(business: BusinessID, status: AgentStatus?, page: PageRequest) async throws -> Page<Agent> {
        try await pool.read { db in
            var request = Agent.filter(Column("business_id") == business)
            if let status { request = request.filter(Column("status") == status) }
            let total = try request.fetchCount(db)
            let items = try request.order(Column("created_at").desc, Column("id").desc)
                .limit(page.limit, offset: page.offset).fetchAll(db)
            return Page(items: items, total: total)
        }
    }

    /// Inserts or updates; a phone number already used by another agent is a conflict.
    public func save(_ agent: Agent) async throws {
        do {
            try await pool.write { db in try agent.save(db) }
        } catch let error as DatabaseError where error.isUniqueViolation {
            throw AppError(
                .resourceAlreadyExists, "Another agent already answers this phone number",
                details: ["phone_number": ["is already used by another agent"]])
        }
    }

    public func delete(_ id: AgentID) async throws {
        _ = try await pool.write { db in try Agent.deleteOne(db, key: id.rawValue) }
    }

    /// Calls in progress and calls started since `since` (the business's local midnight).
    public func callCounts(_ id: AgentID, since: Date) async throws -> (active: Int, today: Int) {
        try await pool.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT COALESCE(SUM(status = 'in_progress'), 0) AS active,
                           COALESCE(SUM(started_at >= ?), 0) AS today
                    FROM calls WHERE agent_id = ?
                    """, arguments: [since, id])!
            return (row["active"], row["today"])
        }
    }
}
