import FrontdeskCore
import Synchronization

/// Roles by (user, business), read on every authenticated request. Every write that changes
/// memberships (register, create or delete a business, add a member) clears it in the same process.
/// One server process owns a database file, so no other writer can make it stale.
final class MembershipCache: Sendable {
    private struct Key: Hashable {
        let user: UserID
        let business: BusinessID
    }

    /// `.some(nil)` remembers "not a member", so probing other tenants' ids costs no query either.
    private let roles = Mutex<[Key: Role?]>([:])

    func role(user: UserID, business: BusinessID) -> Role?? {
        roles.withLock { $0[Key(user: user, business: business)] }
    }

    func remember(_ role: Role?, user: UserID, business: BusinessID) {
        roles.withLock { roles in
            if roles.count >= 50_000 { roles.removeAll(keepingCapacity: true) }
            roles[Key(user: user, business: business)] = .some(role)
        }
    }

    func clear() { roles.withLock { $0.removeAll() } }
}
