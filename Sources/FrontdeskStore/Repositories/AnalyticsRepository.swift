import Foundation
import FrontdeskCore

/// One agent's work over a period, as the store counts it.
public struct AgentPerformance: Sendable, Equatable {
    public var agentId: AgentID
    public var calls: Int = 0
    /// Calls that ended in a booking.
    public var booked: Int = 0
    /// Calls handed to a person (asked for, escalated, or taken over by a member).
    public var transferred: Int = 0
    public var failed: Int = 0
    /// Transcript turns of the calls, every speaker.
    public var turns: Int = 0
    /// Seconds on the phone.
    public var seconds: Int = 0
    public var promptTokens: Int = 0
    public var completionTokens: Int = 0
    public var cost: Double = 0
    /// Callers with a lead, and those whose lead is in the qualified band (score ≥ 70).
    public var leads: Int = 0
    public var qualifiedLeads: Int = 0
    /// Contacts who texted the agent's number, and the text threads of theirs a member took.
    public var textConversations: Int = 0
    public var textHandoffs: Int = 0
    /// The agent's reply latencies (caller's last words → the agent's first), milliseconds.
    public var latenciesMs: [Int] = []

    public init(agentId: AgentID) { self.agentId = agentId }
}

/// What a milestone counts.
public enum MilestoneKind: String, Sendable, CaseIterable {
    /// Calls answered and ended normally.
    case callsCompleted
    /// Appointments booked (not counting cancelled ones).
    case bookings
    /// Texts that came in.
    case textsReceived
    /// Contacts.
    case contacts
}

extension MilestoneKind {
    /// The table and condition it counts (the same SQL on both engines).
    var source: (table: String, condition: String) {
        switch self {
        case .callsCompleted: ("calls", "status = 'completed'")
        case .bookings: ("appointments", "status <> 'cancelled'")
        case .textsReceived: ("messages", "channel = 'sms' AND direction = 'inbound'")
        case .contacts: ("contacts", "1 = 1")
        }
    }
}

/// Figures across tables for the analytics endpoints, computed where the data is.
public protocol AnalyticsRepository: Sendable {
    /// Each agent of the business (those with no work in `[from, to)` too), calls by `started_at`.
    func agentPerformance(business: BusinessID, from: Date?, to: Date?) async throws -> [AgentPerformance]

    /// Leads created in `[from, to)`, counted by source.
    func leadSources(business: BusinessID, from: Date?, to: Date?) async throws -> [LeadSource: Int]

    /// How many the business has, and when the `n`-th was made (nil while fewer).
    func milestone(_ kind: MilestoneKind, business: BusinessID, n: Int) async throws -> (count: Int, reachedAt: Date?)
}
