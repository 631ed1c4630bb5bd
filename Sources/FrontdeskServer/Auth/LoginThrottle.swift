import Foundation
import Synchronization

/// Failed logins per account (by email, whether or not it exists, so the answer reveals nothing).
/// The first `freeFailures` cost nothing; after them each attempt must wait a delay that doubles with
/// every further failure, up to `maxDelay` — the real user is never locked out for longer than that,
/// while a guesser gets a few hundred tries a day instead of thousands an hour. A success clears the
/// account's count; a count untouched for a day is forgotten. In memory, per process.
final class LoginThrottle: Sendable {
    struct State: Sendable {
        var failures = 0
        var lastFailure: Date = .distantPast
        /// The owner has been told about this run of failures.
        var ownerNotified = false
    }

    enum Decision: Equatable {
        case allowed
        /// Too soon after the last failure: try again in this many seconds.
        case wait(seconds: Int)
    }

    static let freeFailures = 5
    static let maxDelay: TimeInterval = 15 * 60
    static let forgetAfter: TimeInterval = 86_400
    /// The owner is emailed once a run of failures reaches this many.
    static let notifyAt = 10

    private let accounts = Mutex<[String: State]>([:])

    static func key(_ email: String) -> String { email.trimmingCharacters(in: .whitespaces).lowercased() }

    /// The wait after `failures` failures (0 while they are free).
    static func delay(after failures: Int) -> TimeInterval {
        guard failures >= freeFailures else { return 0 }
        return min(maxDelay, pow(2, Double(failures - freeFailures)))
    }

    func check(_ email: String, now: Date) -> Decision {
        accounts.withLock { accounts in
            guard let state = accounts[Self.key(email)] else { return .allowed }
            let ready = state.lastFailure.addingTimeInterval(Self.delay(after: state.failures))
            if now >= ready { return .allowed }
            return .wait(seconds: max(1, Int(ready.timeIntervalSince(now).rounded(.up))))
        }
    }

    /// Counts a failure; true when the owner should now be told (once per run of failures).
    func failed(_ email: String, now: Date) -> Bool {
        accounts.withLock { accounts in
            if accounts.count > 100_000 {
                accounts = accounts.filter { now.timeIntervalSince($0.value.lastFailure) < Self.forgetAfter }
            }
            var state = accounts[Self.key(email)] ?? State()
            if now.timeIntervalSince(state.lastFailure) > Self.forgetAfter { state = State() }
            state.failures += 1
            state.lastFailure = now
            let notify = state.failures >= Self.notifyAt && !state.ownerNotified
            if notify { state.ownerNotified = true }
            accounts[Self.key(email)] = state
            return notify
        }
    }

    func succeeded(_ email: String) {
        _ = accounts.withLock { $0.removeValue(forKey: Self.key(email)) }
    }
}
