import NIOCore

/// A task executor on one NIO event loop. A media stream's tasks prefer it: their frames are read,
/// decoded and answered on the thread that owns the socket — no wake-up of another thread per frame,
/// which is what limits concurrent calls on a small machine. (Outbound frames are paced by
/// `OutboundPacer`, on the same loop.) Work that may block (speech synthesis, recording, the
/// database) runs elsewhere.
public final class EventLoopExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
