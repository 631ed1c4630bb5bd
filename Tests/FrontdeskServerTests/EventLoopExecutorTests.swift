@testable import FrontdeskMedia
@testable import FrontdeskServer
import Logging
import NIOCore
import NIOPosix
import Testing

@Suite("EventLoopExecutor: a media stream's tasks on its socket's event loop")
struct EventLoopExecutorTests {
    @Test("work preferring the executor runs on the loop's thread, child tasks too")
    func runsOnTheLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let executor = EventLoopExecutor(group.next())
        let onLoop = await withTaskExecutorPreference(executor) {
            await withTaskGroup(of: Bool.self) { tasks in
                tasks.addTask { executor.eventLoop.inEventLoop }
                tasks.addTask {
                    try? await Task.sleep(for: .milliseconds(2))
                    return executor.eventLoop.inEventLoop
                }
                return await tasks.reduce(executor.eventLoop.inEventLoop) { $0 && $1 }
            }
        }
        #expect(onLoop)
        #expect(!executor.eventLoop.inEventLoop)
        try await group.shutdownGracefully()
    }
}

@Suite("LoopPriority: the event loops' threads at a raised priority")
struct LoopPriorityTests {
    /// The nice value of the thread running `loop`.
    static func nice(of loop: any EventLoop) async throws -> Int32 {
        try await loop.submit { () -> Int32 in
            guard let thread = LoopPriority.currentThreadId() else { return 99 }
            return getpriority(__priority_which_t(PRIO_PROCESS.rawValue), thread)
        }.get()
    }

    @Test("each loop thread is raised when the system allows it, the rest of the process is not; 0 changes nothing")
    func raisesTheLoops() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        var logger = Logger(label: "priority")
        logger.logLevel = .critical
        #expect(await LoopPriority.raise(group, nice: 0, logger: logger) == 0)
        let before = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        let raised = await LoopPriority.raise(group, nice: -3, logger: logger)
        if geteuid() == 0 {
            // Root may raise priority: both threads are at -3 now.
            #expect(raised == 2)
            for loop in group.makeIterator() { #expect(try await Self.nice(of: loop) == -3) }
        } else {
            // Without CAP_SYS_NICE nothing changes (and the log says why).
            #expect(raised == 0)
            for loop in group.makeIterator() { #expect(try await Self.nice(of: loop) == before) }
        }
        // The process's main thread keeps its priority.
        #expect(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) == before)
        try await group.shutdownGracefully()
    }
}
