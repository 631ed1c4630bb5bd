import Foundation
import Synchronization

/// Fixed one-hour windows per caller key (`user:…`, `ip:…`, `webhook:…`), in memory.
final class RateLimiter: Sendable {
    struct Decision: Sendable {
        let allowed: Bool
        let limit: Int
        let remaining: Int
        /// Unix seconds when the window resets.
        let reset: Int
    }

    private struct State {
        var windowStart = 0
        var counts: [String: Int] = [:]
    }

    private let state = Mutex(State())

    /// Counts one request for `key` at `now` against `limit` per hour.
    func take(_ key: String, limit: Int, now: Date) -> Decision {
        let seconds = Int(now.timeIntervalSince1970)
        let windowStart = seconds - seconds % 3600
        return state.withLock { state in
            if state.windowStart != windowStart {
                // A new hour: every caller starts again, and the old counts are dropped.
                state.windowStart = windowStart
                state.counts.removeAll(keepingCapacity: true)
            }
            let used = state.counts[key, default: 0]
            let allowed = used < limit
            if allowed { state.counts[key] = used + 1 }
            return Decision(
                allowed: allowed, limit: limit, remaining: max(0, limit - used - (allowed ? 1 : 0)),
                reset: windowStart + 3600)
        }
    }
}
