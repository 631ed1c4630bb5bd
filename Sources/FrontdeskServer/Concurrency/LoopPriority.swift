#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import NIOPosix

/// The event loops carry every call's frames: a media stream reads, answers and paces its 20 ms
/// frames on its socket's loop. A loop thread is busy much of the time, and a busy thread that wakes
/// for its next frame may wait behind others before it runs; telephony media servers run their media
/// threads at a raised priority for that reason (Asterisk's `-p`, FreeSWITCH's `-hp`). `frontdesk
/// serve` raises its loops' priority (`MEDIA_LOOP_NICE`, −10 by default) when the system allows it —
/// that takes CAP_SYS_NICE (root, or `docker run --cap-add SYS_NICE`) — and says so either way.
public enum LoopPriority {
    /// Sets every thread of `group` to `nice` (−20…0, lower runs sooner); 0 leaves them as they are.
    /// Returns the threads it could set.
    @discardableResult
    public static func raise(_ group: MultiThreadedEventLoopGroup = .singleton, nice: Int, logger: Logger) async -> Int {
        guard nice < 0 else { return 0 }
        var raised = 0
        var failure: Int32?
        for loop in group.makeIterator() {
            let error = try? await loop.submit { () -> Int32? in
                #if os(Linux)
                // On Linux a thread's nice value is its own: this one's, found by its id.
                guard let thread = currentThreadId() else { return ENOENT }
                return setpriority(__priority_which_t(PRIO_PROCESS.rawValue), thread, Int32(nice)) == 0 ? nil : errno
                #else
                setpriority(PRIO_PROCESS, 0, Int32(nice)) == 0 ? nil : errno
                #endif
            }.get()
            if let error {
                failure = error
            } else {
                raised += 1
            }
        }
        if let failure {
            logger.warning(
                "Could not raise the event loops' priority: media pacing may jitter more under load",
                metadata: [
                    "nice": "\(nice)", "error": "\(String(cString: strerror(failure)))",
                    "fix": "run with CAP_SYS_NICE (docker run --cap-add SYS_NICE), or MEDIA_LOOP_NICE=0 to keep the default priority",
                ])
        } else {
            logger.info("Event loops raised to nice \(nice): media frames are read, answered and paced on them", metadata: ["threads": "\(raised)"])
        }
        return raised
    }

    #if os(Linux)
    /// The calling thread's kernel id (`/proc/thread-self` links to `<pid>/task/<tid>`).
    static func currentThreadId() -> id_t? {
        var buffer = [CChar](repeating: 0, count: 64)
        let count = readlink("/proc/thread-self", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        let link = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return link.split(separator: "/").last.flatMap { id_t($0) }
    }
    #endif
}
