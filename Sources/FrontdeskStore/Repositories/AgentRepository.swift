import Foundation
import FrontdeskCore

public protocol AgentRepository: Sendable {
    func find(_ id: AgentID) async throws -> Agent?

    /// The agent that answers calls and texts to `number`.
    func find(phoneNumber number: PhoneNumber) async throws -> Agent?

    func list(business: BusinessID, status: AgentStatus?, page: PageRequest) async throws -> Page<Agent>

    /// Inserts or updates; a phone number already used by another agent is a conflict.
    func save(_ agent: Agent) async throws

    func delete(_ id: AgentID) async throws

    /// Calls the agent answered since `since` (the business's local midnight).
    func callsSince(_ id: AgentID, since: Date) async throws -> Int
}
