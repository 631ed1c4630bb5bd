import FrontdeskAudio
import NIOCore
import Synchronization

/// Sends a media stream's outbound frames every 20 ms from its socket's event loop: each frame's
/// slot is a scheduled callback that the loop runs itself, and the frame is written from inside it —
/// no task, continuation or job hand-off per frame (at 200 calls that machinery cost the server more
/// than a quarter of its time). While the agent is silent (and silence is not sent) nothing is
/// scheduled; audio arriving starts a new schedule at once, so a reply's first frame does not wait
/// for a slot.
///
/// Everything but `wake()` and `idle` runs on `loop`; the mutable state is confined to it.
final class OutboundPacer: NIOScheduledCallbackHandler, @unchecked Sendable {
    /// Sends the frame due now, `late` after its slot; false when there was nothing to send (the
    /// pacer goes idle until woken). `jitter` is how far the interval since the previous frame was
    /// from 20 ms (nil for a schedule's first frame).
    typealias Step = (_ late: Duration, _ jitter: Duration?, _ scheduleResets: Int) -> Bool

    let loop: any EventLoop
    private let sendsSilence: Bool
    /// Read by `wake()` from any thread: whether the pacer waits for audio.
    private let waiting = Atomic<Bool>(true)
    // Confined to `loop`:
    private var pacer = FramePacer()
    private var step: Step?
    private var hasAudio: (() -> Bool)?
    private var scheduled: NIOScheduledCallback?
    private var stopped = false
    /// The previous frame's lateness in this schedule (nil at a schedule's start).
    private var previousLate: Duration?

    init(loop: any EventLoop, sendsSilence: Bool) {
        self.loop = loop
        self.sendsSilence = sendsSilence
    }

    /// Starts pacing: at once when silence is sent or audio is queued, otherwise at the first `wake()`.
    func start(step: sending @escaping Step, hasAudio: sending @escaping () -> Bool) {
        loop.execute {
            self.step = step
            self.hasAudio = hasAudio
            self.resumeIfWaiting()
        }
    }

    /// There is audio to play (any thread).
    func wake() {
        guard waiting.load(ordering: .sequentiallyConsistent) else { return }
        loop.execute { self.resumeIfWaiting() }
    }

    /// No frame is sent after this returns.
    func stop() async {
        try? await loop.submit {
            self.stopped = true
            self.scheduled?.cancel()
            self.scheduled = nil
            self.step = nil
            self.hasAudio = nil
        }.get()
    }

    func handleScheduledCallback(eventLoop: some EventLoop) {
        scheduled = nil
        fire()
    }

    private func resumeIfWaiting() {
        guard waiting.load(ordering: .sequentiallyConsistent), !stopped, let hasAudio, sendsSilence || hasAudio() else { return }
        waiting.store(false, ordering: .sequentiallyConsistent)
        pacer.restart()
        previousLate = nil
        fire()
    }

    private func fire() {
        guard !stopped, let step else { return }
        let resets = pacer.reanchored
        guard let late = pacer.frameDue(at: .now) else { return schedule() }
        if pacer.reanchored != resets { previousLate = nil }
        let jitter = previousLate.map { late > $0 ? late - $0 : $0 - late }
        previousLate = late
        if step(late, jitter, pacer.reanchored) { return schedule() }
        // Nothing to play: wait for audio. Audio queued while deciding is not missed: either its
        // `wake()` sees `waiting`, or this check sees the audio.
        waiting.store(true, ordering: .sequentiallyConsistent)
        resumeIfWaiting()
    }

    private func schedule() {
        let (seconds, attoseconds) = (pacer.nextDeadline - .now).components
        let delay = TimeAmount.nanoseconds(max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
        scheduled = try? loop.scheduleCallback(at: .now() + delay, handler: self)
    }
}
