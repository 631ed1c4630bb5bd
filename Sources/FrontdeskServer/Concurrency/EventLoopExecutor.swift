import NIOCore
import Synchronization

/// A task executor on one NIO event loop. A media stream's tasks prefer it: their frames are read,
/// decoded, answered and written on the thread that owns the socket, and their 20 ms timers are the
/// loop's own — no wake-up of another thread per frame, which is what limits concurrent calls on a
/// small machine. Work that may block (speech synthesis, recording, the database) runs elsewhere.
public final class EventLoopExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// Sleeps until `deadline` on the loop's own timer; throws `CancellationError` when cancelled.
    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        let delay = deadline - .now
        guard delay > .zero else { return try Task.checkCancellation() }
        let (seconds, attoseconds) = delay.components
        let timeout = TimeAmount.nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        let state = Mutex(SleepState.waiting)
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // The promise completes exactly once — run or cancelled, whichever thread cancels.
                let scheduled = eventLoop.scheduleTask(in: timeout) {}
                scheduled.futureResult.whenComplete { result in
                    switch result {
                    case .success: continuation.resume()
                    case .failure: continuation.resume(throwing: CancellationError())
                    }
                }
                let cancelled = state.withLock { state -> Bool in
                    guard case .waiting = state else { return true }
                    state = .scheduled(scheduled)
                    return false
                }
                if cancelled { scheduled.cancel() }
            }
        } onCancel: {
            let scheduled = state.withLock { state -> Scheduled<Void>? in
                defer { state = .cancelled }
                if case .scheduled(let scheduled) = state { return scheduled }
                return nil
            }
            scheduled?.cancel()
        }
    }

    private enum SleepState: Sendable {
        case waiting
        case scheduled(Scheduled<Void>)
        case cancelled
    }
}
