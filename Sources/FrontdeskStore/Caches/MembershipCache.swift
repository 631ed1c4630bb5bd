import FrontdeskCore
import Synchronization

/// Roles by (user, business), read on every authenticated request. Every write that changes
/// memberships (register, create or delete a business, add a member) clears it in the same process;
/// on PostgreSQL the other instances clear theirs when the change's notification arrives. A read
/// that raced a clear is not remembered (generation check).
final class MembershipCache: Sendable {
    private struct Key: Hashable {
        let user: UserID
        let business: BusinessID
    }

    private struct State {
        var generation = 0
        /// `.some(nil)` remembers "not a member", so probing other tenants' ids costs no query either.
        var roles: [Key: Role?] = [:]
    }

    private let state = Mutex(State())

    var generation: Int { state.withLock { $0.generation } }

    func role(user: UserID, business: BusinessID) -> Role?? {
        state.withLock { $0.roles[Key(user: user, business: business)] }
    }

    func remember(_ role: Role?, user: UserID, business: BusinessID, readAt generation: Int) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.roles.count >= 50_000 { state.roles.removeAll(keepingCapacity: true) }
            state.roles[Key(user: user, business: business)] = .some(role)
        }
    }

    func clear() {
        state.withLock { state in
            state.generation += 1
            state.roles.removeAll()
        }
    }
}
