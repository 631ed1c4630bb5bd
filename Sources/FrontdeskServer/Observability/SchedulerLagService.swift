import FrontdeskCore
import ServiceLifecycle

/// Measures how late the process runs what it schedules: every `interval` it sleeps and records how much
/// later than asked it woke (`frontdesk_scheduler_lag_seconds`). On an idle machine that is well under a
/// millisecond; when the cooperative pool or the cores are saturated, every timer, reply and webhook
/// waits that long too — a dashboard sees it before callers hear it.
struct SchedulerLagService: Service {
    var interval: Duration = .milliseconds(500)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            let clock = ContinuousClock()
            while !Task.isCancelled {
                let asked = clock.now.advanced(by: interval)
                do { try await clock.sleep(until: asked) } catch { return }
                Telemetry.schedulerLag(clock.now - asked)
            }
        }
    }
}
