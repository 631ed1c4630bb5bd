import Foundation
import FrontdeskCore
import GRDB

struct SQLiteAgentRepository: AgentRepository {
    let pool: StoreDatabase
    let routing: RoutingCache

    func find(_ id: AgentID) async throws -> Agent? {
        try await pool.read { db in try Agent.fetchOne(db, key: id.rawValue) }
    }

    /// The agent that answers calls and texts to `number`.
    func find(phoneNumber number: PhoneNumber) async throws -> Agent? {
        if let cached = routing.agent(number) { return cached }
        let generation = routing.generation
        let agent = try await pool.read { db in try Agent.filter(Agent.Columns.phoneNumber == number).fetchOne(db) }
        routing.remember(agent, for: number, readAt: generation)
        return agent
    }

    func list(business: BusinessID, status: AgentStatus?, page: PageRequest) async throws -> Page<Agent> {
        try await pool.read { db in
            var request = Agent.filter(Agent.Columns.businessId == business)
            if let status { request = request.filter(Agent.Columns.status == status) }
            let total = try request.fetchCount(db)
            let items = try request.order(Agent.Columns.createdAt.desc, Agent.Columns.id.desc)
                .limit(page.limit, offset: page.offset).fetchReadable(db, reporting: pool.unreadable)
            return Page(items: items, total: total)
        }
    }

    /// Inserts or updates; a phone number already used by another agent is a conflict.
    func save(_ agent: Agent) async throws {
        do {
            defer { routing.clear() }
            try await pool.write { db in try agent.save(db) }
        } catch let error as DatabaseError where error.isUniqueViolation {
            throw StoreError.duplicate(
                message: "Another agent already answers this phone number", field: "phone_number",
                problem: "is already used by another agent")
        }
    }

    func delete(_ id: AgentID) async throws {
        defer { routing.clear() }
        _ = try await pool.write { db in try Agent.deleteOne(db, key: id.rawValue) }
    }

    /// Calls the agent answered since `since` (the business's local midnight).
    func callsSince(_ id: AgentID, since: Date) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM calls WHERE agent_id = ? AND started_at >= ?", arguments: [id, since]) ?? 0
        }
    }
}
