import FrontdeskCore
import Synchronization

/// Agents by phone number and businesses by id, read on every provider event (which agent answers
/// this number, with which settings). Every write to agents or businesses in this process clears it;
/// on PostgreSQL the other instances clear theirs when the change's notification arrives. A read that
/// raced a write is not remembered (generation check).
final class RoutingCache: Sendable {
    private struct State: Sendable {
        var generation = 0
        /// `.some(nil)` remembers "no agent has this number".
        var agents: [String: Agent?] = [:]
        var businesses: [BusinessID: Business] = [:]
    }

    private let state = Mutex(State())

    var generation: Int { state.withLock { $0.generation } }

    func agent(_ number: PhoneNumber) -> Agent?? { state.withLock { $0.agents[number.e164] } }
    func business(_ id: BusinessID) -> Business? { state.withLock { $0.businesses[id] } }

    func remember(_ agent: Agent?, for number: PhoneNumber, readAt generation: Int) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.agents.count >= 10_000 { state.agents.removeAll(keepingCapacity: true) }
            state.agents[number.e164] = .some(agent)
        }
    }

    func remember(_ business: Business, readAt generation: Int) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.businesses.count >= 10_000 { state.businesses.removeAll(keepingCapacity: true) }
            state.businesses[business.id] = business
        }
    }

    func clear() {
        state.withLock { state in
            state.generation += 1
            state.agents.removeAll()
            state.businesses.removeAll()
        }
    }
}
