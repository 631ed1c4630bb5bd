import Foundation
import Logging

/// How an idle virtual CPU waits, on a KVM guest with the `haltpoll` cpuidle driver (cloud VMs,
/// Firecracker microVMs). An idle vCPU halts and gives its physical CPU back to the host; the next
/// timer or wake-up on it — a media frame due, a socket ready — then waits until the host runs the
/// vCPU again, which on a busy host can take milliseconds and is not counted as steal. The driver can
/// poll for a while before it halts (`guest_halt_poll_ns`, adapted between 0 and that bound); some
/// images turn polling off (`haltpoll.guest_halt_poll_ns=0` on the kernel command line).
///
/// `frontdesk serve` reads the setting and says what it means for media pacing; it never changes it
/// (it is the machine's, not the process's). `frontdesk bench media --halt-poll-ns` sets it for a run.
public struct HaltPolling: Sendable, Equatable {
    /// Polling before a halt, at most (nanoseconds); 0 halts at once.
    public let pollNanoseconds: Int

    /// What an operator writes to allow polling (as root; or the kernel parameter).
    public static let suggestedNanoseconds = 200_000

    public static func parameterPath(sysfs: String = "/sys") -> String {
        sysfs + "/module/haltpoll/parameters/guest_halt_poll_ns"
    }

    /// The machine's setting, or nil when its idle vCPUs are not driven by `haltpoll` (bare metal,
    /// another hypervisor's driver, or no cpuidle at all): then there is nothing to say.
    public static func read(sysfs: String = "/sys") -> HaltPolling? {
        guard let driver = try? String(contentsOfFile: sysfs + "/devices/system/cpu/cpuidle/current_driver", encoding: .utf8),
            driver.trimmingCharacters(in: .whitespacesAndNewlines) == "haltpoll",
            let text = try? String(contentsOfFile: parameterPath(sysfs: sysfs), encoding: .utf8),
            let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), value >= 0
        else { return nil }
        return HaltPolling(pollNanoseconds: value)
    }

    /// Sets the machine's bound (root only); returns the value it replaced.
    public static func set(_ nanoseconds: Int, sysfs: String = "/sys") throws -> Int {
        guard let current = read(sysfs: sysfs) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: parameterPath(sysfs: sysfs)])
        }
        try String(nanoseconds).write(toFile: parameterPath(sysfs: sysfs), atomically: false, encoding: .utf8)
        return current.pollNanoseconds
    }

    /// True when idle vCPUs halt at once: frames due on a halted vCPU wait for the host.
    public var haltsAtOnce: Bool { pollNanoseconds == 0 }

    /// Logs the machine's setting once at start-up: a notice with the fix when vCPUs halt at once.
    public static func report(sysfs: String = "/sys", logger: Logger) {
        guard let setting = read(sysfs: sysfs) else { return }
        if setting.haltsAtOnce {
            logger.notice(
                "This VM halts an idle vCPU at once (haltpoll, guest_halt_poll_ns=0): a media frame due on a halted vCPU waits until the host resumes it, which adds to the pacing jitter on a busy host",
                metadata: [
                    "fix": "as root: echo \(suggestedNanoseconds) > \(parameterPath(sysfs: sysfs)) (or boot with haltpoll.guest_halt_poll_ns=\(suggestedNanoseconds)); see docs/configuration.md",
                ])
        } else {
            logger.info("Idle vCPUs poll before they halt", metadata: ["guest_halt_poll_ns": "\(setting.pollNanoseconds)"])
        }
    }
}
