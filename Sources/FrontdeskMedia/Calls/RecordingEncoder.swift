import Dispatch
import Foundation
import FrontdeskAudio
import FrontdeskCore
import Logging
import Synchronization

/// Turns finished calls' raw recordings into Ogg Opus files (libopusenc), one at a time, on a queue
/// of its own: the encoding's CPU never competes with live frames' deadlines, and only one encoder's
/// memory (libopusenc keeps about a megabyte per file) is ever in use, however many calls are live.
/// Raw files left by a stop mid-call are encoded at the next start: nothing recorded is lost.
package final class RecordingEncoder: Sendable {
    let directory: String
    private let logger: Logger
    private let queue = DispatchQueue(label: "frontdesk.recordings", qos: .utility)
    private let waiting = Atomic<Int>(0)

    package init(directory: String, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    /// Recordings waiting for (or in) encoding.
    package var pending: Int { waiting.load(ordering: .relaxed) }

    /// Queues a finished raw recording for encoding into `path`.
    func enqueue(raw rawPath: String, sampleRate: Int, path: String) {
        waiting.add(1, ordering: .relaxed)
        queue.async { [logger] in
            defer { self.waiting.subtract(1, ordering: .relaxed) }
            let start = ContinuousClock.now
            do {
                try OggOpusRecorder.encode(raw: rawPath, sampleRate: sampleRate, to: path, title: "Frontdesk call")
                logger.debug("Call recording encoded", metadata: ["path": "\(path)", "took": "\(ContinuousClock.now - start)"])
            } catch {
                logger.error("A call recording could not be encoded (its raw audio is kept)", metadata: ["raw": "\(rawPath)", "error": "\(error)"])
            }
        }
    }

    /// Returns once every recording queued so far is encoded (the queue runs them in order).
    package func drain() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            queue.async { done.resume() }
        }
    }

    /// Queues the raw recordings a previous run left behind (a stop or crash mid-call).
    package func recoverLeftovers() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var recovered = 0
        for name in names.sorted() {
            let raw = URL(fileURLWithPath: directory).appendingPathComponent(name).path
            guard let (path, rate) = RawCallRecording.parse(rawPath: raw) else { continue }
            enqueue(raw: raw, sampleRate: rate, path: path)
            recovered += 1
        }
        if recovered > 0 { logger.notice("Encoding \(recovered) call recording(s) left unfinished by the last run") }
    }

    /// Whether a call's recording is still to be encoded (its raw file is there, the result is not).
    package func isEncoding(_ path: String) -> Bool {
        guard !FileManager.default.fileExists(atPath: path) else { return false }
        return [8_000, 12_000, 16_000, 24_000, 48_000].contains {
            FileManager.default.fileExists(atPath: RawCallRecording.rawPath(for: path, sampleRate: $0))
        }
    }
}
