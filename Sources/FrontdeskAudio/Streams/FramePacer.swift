/// Sends frames every 20 ms on the monotonic clock: each deadline is counted from the start
/// (`start + n × 20 ms`), so waking a little late never accumulates into drift. When the sender fell
/// far behind (a stalled machine), the pacer starts counting again from now instead of bursting the
/// missed frames out back to back.
public struct FramePacer: Sendable {
    public let interval: Duration
    /// How late a frame may be before the schedule is re-anchored instead of caught up.
    public let maximumLag: Duration
    private let clock = ContinuousClock()
    private var anchor: ContinuousClock.Instant
    private var ticks = 0
    public private(set) var reanchored = 0

    public init(interval: Duration = .milliseconds(20), maximumLag: Duration = .milliseconds(60), start: ContinuousClock.Instant? = nil) {
        self.interval = interval
        self.maximumLag = maximumLag
        anchor = start ?? ContinuousClock.now
    }

    /// When the next frame is due.
    public var nextDeadline: ContinuousClock.Instant { anchor + interval * ticks }

    /// Waits until the next frame is due, then counts it as sent.
    public mutating func waitForNextFrame() async throws {
        try await waitForNextFrame { [clock] deadline in try await clock.sleep(until: deadline, tolerance: .zero) }
    }

    /// Waits with `sleep` (an event loop's timer, say) until the next frame is due, then counts it as sent.
    public mutating func waitForNextFrame(sleep: (ContinuousClock.Instant) async throws -> Void) async throws {
        let deadline = nextDeadline
        let now = clock.now
        if now - deadline > maximumLag {
            anchor = now
            ticks = 1
            reanchored += 1
            return
        }
        if deadline > now { try await sleep(deadline) }
        ticks += 1
    }

    /// For a timer that fired at `now`: counts the frame that is due as sent and returns how late it
    /// is, or nil when none is due yet (the timer fired early; wait until `nextDeadline`). A frame due
    /// within `tolerance` counts as on time. Beyond `maximumLag` the schedule starts again from `now`.
    public mutating func frameDue(at now: ContinuousClock.Instant, tolerance: Duration = .microseconds(50)) -> Duration? {
        let deadline = nextDeadline
        if now - deadline > maximumLag {
            anchor = now
            ticks = 1
            reanchored += 1
            return .zero
        }
        if deadline - now > tolerance { return nil }
        ticks += 1
        return max(.zero, now - deadline)
    }

    /// Starts counting again from `instant` (after an idle pause).
    public mutating func restart(at instant: ContinuousClock.Instant = ContinuousClock.now) {
        anchor = instant
        ticks = 0
    }
}
