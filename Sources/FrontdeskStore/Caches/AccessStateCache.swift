import Foundation
import FrontdeskCore
import Synchronization

/// What the last look in the database said about an access token's login, so an authenticated request
/// costs no query: a revoked login or a gone account is remembered for good (neither comes back); a
/// valid one for `freshness`, after which the database is asked again. Revocations made through this
/// process are written here at once, so a log-out, a refresh-token reuse or a password reset ends
/// access tokens immediately; a revocation made elsewhere (another instance, an operator's SQL) takes
/// effect within `freshness`.
final class AccessStateCache: Sendable {
    private struct Key: Hashable {
        let user: UserID
        let session: String
    }

    private struct Entry {
        var state: AccessState
        var checkedAt: ContinuousClock.Instant
    }

    static let freshness = Duration.seconds(1)
    private let entries = Mutex<[Key: Entry]>([:])

    /// The remembered state, or nil when the database must be asked.
    func state(user: UserID, session: String?) -> AccessState? {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries[Key(user: user, session: session ?? "")] else { return nil }
            if entry.state != .valid || now - entry.checkedAt < Self.freshness { return entry.state }
            return nil
        }
    }

    func remember(_ state: AccessState, user: UserID, session: String?) {
        let now = ContinuousClock.now
        entries.withLock { entries in
            if entries.count >= 50_000 { entries.removeAll(keepingCapacity: true) }
            let key = Key(user: user, session: session ?? "")
            // A read that began before a revocation must not bring the login back when it lands after it.
            if state == .valid, let known = entries[key], known.state != .valid { return }
            entries[key] = Entry(state: state, checkedAt: now)
        }
    }

    /// Every login of `user` this process has seen is revoked (a password reset).
    func revokeAll(user: UserID) {
        let now = ContinuousClock.now
        entries.withLock { entries in
            for key in entries.keys where key.user == user {
                entries[key] = Entry(state: .sessionRevoked, checkedAt: now)
            }
        }
    }

    /// Forgets everything (another instance changed accounts in ways not named one by one).
    func clear() { entries.withLock { $0.removeAll() } }
}
