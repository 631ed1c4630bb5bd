@testable import FrontdeskMedia
@testable import FrontdeskServer
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// The agent's frames leave from the socket's loop, one per 20 ms slot, only while there is audio.
@Suite("OutboundPacer: a media stream's 20 ms sender")
struct OutboundPacerTests {
    /// What the sender did: frames sent, where, and the slots' lateness.
    final class Sender: Sendable {
        let loop: any EventLoop
        let queued = Atomic<Int>(0)
        let sent = Atomic<Int>(0)
        let offLoop = Atomic<Int>(0)
        let negativeLateness = Atomic<Int>(0)
        /// Frames sent without an interval to the one before (a schedule's first), and with one.
        let firstOfSchedule = Atomic<Int>(0)
        let withInterval = Atomic<Int>(0)

        init(loop: any EventLoop) { self.loop = loop }

        /// Plays one queued frame if there is one.
        func step(late: Duration, jitter: Duration?) -> Bool {
            if !loop.inEventLoop { offLoop.add(1, ordering: .relaxed) }
            if late < .zero || (jitter ?? .zero) < .zero { negativeLateness.add(1, ordering: .relaxed) }
            guard queued.load(ordering: .relaxed) > 0 else { return false }
            if jitter == nil { firstOfSchedule.add(1, ordering: .relaxed) } else { withInterval.add(1, ordering: .relaxed) }
            queued.subtract(1, ordering: .relaxed)
            sent.add(1, ordering: .relaxed)
            return true
        }
    }

    @Test("it waits for audio, sends every queued frame from the loop's thread, goes quiet when the audio runs out and starts a new schedule when woken")
    func idleUntilWoken() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let sender = Sender(loop: loop)
        let pacer = OutboundPacer(loop: loop, sendsSilence: false)
        pacer.start(step: { late, jitter, _ in sender.step(late: late, jitter: jitter) }, hasAudio: { sender.queued.load(ordering: .relaxed) > 0 })
        try await Task.sleep(for: .milliseconds(60))
        #expect(sender.sent.load(ordering: .relaxed) == 0, "nothing is sent before there is audio")

        sender.queued.store(5, ordering: .relaxed)
        pacer.wake()
        try await eventually("five frames sent") { sender.sent.load(ordering: .relaxed) == 5 }
        try await Task.sleep(for: .milliseconds(60))
        #expect(sender.sent.load(ordering: .relaxed) == 5, "no frame without audio")

        sender.queued.store(3, ordering: .relaxed)
        pacer.wake()
        pacer.wake()  // a second wake-up while sending changes nothing
        try await eventually("three more frames") { sender.sent.load(ordering: .relaxed) == 8 }
        #expect(sender.offLoop.load(ordering: .relaxed) == 0)
        #expect(sender.negativeLateness.load(ordering: .relaxed) == 0)
        // Two schedules (5 frames, then 3): each one's first frame has no interval before it.
        #expect(sender.firstOfSchedule.load(ordering: .relaxed) == 2)
        #expect(sender.withInterval.load(ordering: .relaxed) == 6)
        await pacer.stop()
        try await group.shutdownGracefully()
    }

    @Test("audio queued before it starts is played at once, and after stop nothing more is sent")
    func startAndStop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let sender = Sender(loop: loop)
        sender.queued.store(1_000, ordering: .relaxed)
        let pacer = OutboundPacer(loop: loop, sendsSilence: false)
        pacer.start(step: { late, jitter, _ in sender.step(late: late, jitter: jitter) }, hasAudio: { sender.queued.load(ordering: .relaxed) > 0 })
        try await eventually("the first frames") { sender.sent.load(ordering: .relaxed) >= 3 }
        await pacer.stop()
        let sentAtStop = sender.sent.load(ordering: .relaxed)
        pacer.wake()
        try await Task.sleep(for: .milliseconds(80))
        #expect(sender.sent.load(ordering: .relaxed) == sentAtStop)
        try await group.shutdownGracefully()
    }
}
