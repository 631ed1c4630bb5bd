import AsyncHTTPClient
import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskServer
import FrontdeskSimulator
import FrontdeskStore
import FrontdeskWire
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Issue 21: the durable scheduler and workflows under load, each side effect counted where it lands
/// (the Telnyx, e-mail and webhook stand-ins on loopback).
/// 1. `enrollments` leads created through the API, each enrolled by `lead.created` in a 5-step
///    workflow (SMS → wait 1 h → e-mail → wait 1 day → webhook), on a virtual clock that skips the
///    time when nothing is due: steps per second, and each step's delay from due to done.
/// 2. Jobs coming due at `rate` a second for `seconds` (a bulk enrollment at that send rate, each an
///    SMS), on the real clock: the scheduler's lag from due to done.
/// 3. The real binary as a child process, killed (-9) `kills` times while `killLeads` enrollments
///    send an SMS, an e-mail and a webhook each, and started again on the same database: every send
///    counted at the stand-ins, none twice.
public struct WorkflowBench: Sendable {
    public var enrollments = 10_000
    public var rate = 1_000
    public var seconds = 20
    public var killLeads = 2_000
    public var kills = 3
    /// Loopback port for the killed server.
    public var port = 38480
    /// Which parts to run: `enrollments`, `lag`, `kills`.
    public var parts: Set<String> = ["enrollments", "lag", "kills"]

    public init() {}

    public func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("frontdesk-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var failures: [String] = []
        var enrollmentRow: EnrollmentRun?
        var lagRow: LagRun?
        var killRow: KillRun?
        if parts.contains("enrollments") {
            enrollmentRow = try await measureEnrollments(folder: folder.appendingPathComponent("enrollments"))
        }
        if parts.contains("lag") {
            lagRow = try await measureLag(folder: folder.appendingPathComponent("lag"))
        }
        if parts.contains("kills") {
            killRow = try await measureKills(folder: folder.appendingPathComponent("kills"))
        }
        print("")
        print("| workflows and the durable scheduler | value | target |")
        print("|---|---:|---|")
        if let row = enrollmentRow {
            print("| enrollments (leads created through the API, each enrolled by `lead.created`) | \(row.enrolled) of \(enrollments) | all |")
            print("| steps run (SMS → wait 1 h → e-mail → wait 1 day → webhook) | \(row.steps) | \(enrollments * 5) |")
            print(String(format: "| steps per second (wall time %.1f s; %.1f virtual days covered) | %.0f | |", row.wall, row.virtualDays, Double(row.steps) / row.wall))
            print(String(format: "| step delay, due → done, p50 / p99 / max | %.0f / %.0f / %.0f ms | |", row.delays.p50 * 1000, row.delays.p99 * 1000, row.delays.max * 1000))
            print("| sends counted at the stand-ins: SMS / e-mail / webhooks | \(row.sms) / \(row.emails) / \(row.webhooks) | \(enrollments) each |")
            print("| recipients that got one twice | \(row.twice) | 0 |")
            if row.twice > 0 || row.sms != enrollments || row.emails != enrollments || row.webhooks != enrollments || row.steps != enrollments * 5 {
                failures.append("enrollments: not every step ran once")
            }
        }
        if let row = lagRow {
            print("| jobs due (an SMS each, \(rate) due per second for \(seconds) s, real clock) | \(row.jobs) | \(rate * seconds) |")
            print(String(format: "| jobs done per second while due | %.0f | \(rate) |", row.throughput))
            print(String(format: "| scheduler lag, due → done, p50 / p99 / max | %.0f / %.0f / %.0f ms | p99 < 1,000 ms |", row.delays.p50 * 1000, row.delays.p99 * 1000, row.delays.max * 1000))
            print("| SMS counted at the Telnyx stand-in | \(row.sms) | \(rate * seconds) |")
            if row.delays.p99 >= 1 { failures.append(String(format: "lag: p99 %.0f ms is not under 1 s", row.delays.p99 * 1000)) }
            if row.sms != rate * seconds { failures.append("lag: \(row.sms) texts for \(rate * seconds) jobs") }
        }
        if let row = killRow {
            print("| enrollments through the kills (SMS, e-mail, webhook each; real binary) | \(row.enrollments) of \(killLeads) | all |")
            print("| kill -9 mid-run, then started again on the same database | \(row.killedAt.count) × (after \(row.killedAt.map(String.init).joined(separator: ", ")) sends) | \(kills) |")
            print("| SMS / e-mail / webhooks received | \(row.sms.unique) / \(row.emails.unique) / \(row.webhooks.unique) | \(killLeads) each, less those cut off |")
            print("| received twice (same recipient or webhook-id) | \(row.sms.twice) / \(row.emails.twice) / \(row.webhooks.twice) | 0 |")
            print("| cut off mid-send by a kill (recorded `unconfirmed`, never repeated) | \(row.unconfirmed) | |")
            print(String(format: "| wall time, kills and restarts included | %.1f s | |", row.wall))
            if row.sms.twice + row.emails.twice + row.webhooks.twice > 0 { failures.append("kills: a side effect was received twice") }
            if row.enrollments != killLeads { failures.append("kills: \(row.enrollments) of \(killLeads) enrollments completed") }
            let missing = 3 * killLeads - row.sms.unique - row.emails.unique - row.webhooks.unique
            if missing > row.unconfirmed { failures.append("kills: \(missing) sends missing, only \(row.unconfirmed) cut off") }
        }
        print("")
        print("(\(ProcessInfo.processInfo.activeProcessorCount) cores shared by the server, its stand-ins and the load; SQLite; the scheduler as shipped: 250 ms poll, 8 jobs at a time)")
        if !failures.isEmpty { throw BenchmarkError(failures.joined(separator: "; ")) }
    }

    // MARK: part 1: enrollments on a virtual clock

    struct EnrollmentRun {
        var enrolled = 0, steps = 0, sms = 0, emails = 0, webhooks = 0, twice = 0
        var wall = 0.0, virtualDays = 0.0
        var delays = Percentiles([])
    }

    private func measureEnrollments(folder: URL) async throws -> EnrollmentRun {
        print("== \(enrollments) enrollments through a 5-step workflow on a virtual clock")
        // A Tuesday, 10:00 in New York: inside business hours, outside the quiet hours.
        let clock = BenchClock(start: Date(timeIntervalSince1970: 1_799_766_000))
        let stands = try await StandIns.start()
        defer { stands.stop() }
        let server = try await InProcessServer.start(folder: folder, clock: clock, stands: stands)
        defer { server.stop() }
        let workflow = try await server.createWorkflow(
            name: "Welcome sequence", trigger: "lead.created",
            actions: """
                [{"type":"send_sms","text":"Hi {{contact.first_name}}, welcome to {{business.name}}!"},
                 {"type":"wait","minutes":60},
                 {"type":"send_email","subject":"Welcome, {{contact.first_name}}","body":"Thanks for getting in touch with {{business.name}}."},
                 {"type":"wait","minutes":1440},
                 {"type":"webhook","url":"\(stands.webhooks.url)"}]
                """)
        _ = workflow
        var run = EnrollmentRun()
        let started = ContinuousClock.now
        let virtualStart = clock.now
        print("Creating \(enrollments) leads through the API while the scheduler runs …")
        let created = Mutex(false)
        let creating = Task {
            defer { created.withLock { $0 = true } }
            return try await server.createLeads(enrollments, prefix: "+1555201")
        }
        // The clock jumps to the next due job whenever nothing is due or running.
        let expected = enrollments * 5
        var lastReport = ContinuousClock.now
        while true {
            let stats = server.scheduler.statistics
            if stats.done + stats.skipped + stats.failed >= expected, created.withLock({ $0 }) { break }
            if ContinuousClock.now - started > .seconds(900) { throw BenchmarkError("enrollments: not finished after 15 minutes (\(stats))") }
            if ContinuousClock.now - lastReport > .seconds(10) {
                print("  \(stats.done) steps done, \(stats.skipped) skipped, \(stats.failed) failed …")
                lastReport = .now
            }
            try await server.skipIdleTime(clock: clock)
            try await Task.sleep(for: .milliseconds(10))
        }
        run.enrolled = try await creating.value
        run.wall = seconds(ContinuousClock.now - started)
        run.virtualDays = clock.now.timeIntervalSince(virtualStart) / 86_400
        let jobs = try await server.finishedJobs()
        run.steps = jobs.filter { $0.status == .done && $0.kind == .workflowStep }.count
        run.delays = Percentiles(jobs.compactMap { job in job.finishedAt.map { $0.timeIntervalSince(job.dueAt) } })
        // Give the stand-ins' last requests a moment to be recorded.
        try await Task.sleep(for: .milliseconds(200))
        let counts = stands.counts()
        (run.sms, run.emails, run.webhooks) = (counts.sms.unique, counts.emails.unique, counts.webhooks.unique)
        run.twice = counts.sms.twice + counts.emails.twice + counts.webhooks.twice
        return run
    }

    // MARK: part 2: scheduler lag at a fixed rate of due jobs

    struct LagRun {
        var jobs = 0, sms = 0
        var throughput = 0.0
        var delays = Percentiles([])
    }

    private func measureLag(folder: URL) async throws -> LagRun {
        let total = rate * seconds
        print("== \(total) jobs due at \(rate)/s on the real clock")
        let clock = BenchClock(start: Date())
        let stands = try await StandIns.start()
        defer { stands.stop() }
        let server = try await InProcessServer.start(folder: folder, clock: clock, stands: stands)
        defer { server.stop() }
        // Enrolled by hand only (no appointment here is ever a no-show).
        let workflow = try await server.createWorkflow(
            name: "Rate-limited text", trigger: "appointment.no_show", actions: #"[{"type":"send_sms","text":"Hi {{contact.first_name}}, your reminder from {{business.name}}."}]"#)
        print("Creating \(total) leads through the API …")
        _ = try await server.createLeads(total, prefix: "+1555301")
        // Planned an hour ahead while enrolling; then the clock moves to 2 s before the first is due.
        let leads = try await server.allLeads()
        print("Enrolling \(leads.count) leads at \(rate) a second …")
        guard let business = try await server.store.businesses.find(BusinessID(rawValue: server.business)),
            let definition = try await server.store.workflows.find(WorkflowID(rawValue: workflow))
        else { throw BenchmarkError("lag: the business or workflow is missing") }
        let start = clock.now.addingTimeInterval(3600)
        let enrolled = try await server.scheduler.workflows.enroll(
            leads, in: definition, business: business, batch: "bench", start: start, perSecond: Double(rate), now: clock.now)
        clock.jump(to: start.addingTimeInterval(-2))
        let began = ContinuousClock.now
        let deadline = began + .seconds(seconds + 120)
        while ContinuousClock.now < deadline {
            let stats = server.scheduler.statistics
            if stats.done + stats.skipped + stats.failed >= enrolled.enrolled { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        var run = LagRun()
        let jobs = try await server.finishedJobs()
        run.jobs = jobs.count
        let delays = jobs.compactMap { job in job.finishedAt.map { $0.timeIntervalSince(job.dueAt) } }
        run.delays = Percentiles(delays)
        if let last = jobs.compactMap(\.finishedAt).max() {
            run.throughput = Double(jobs.count) / max(0.001, last.timeIntervalSince(start))
        }
        try await Task.sleep(for: .milliseconds(200))
        run.sms = stands.uniqueCounts().sms
        return run
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// p50 / p99 / max of a list of seconds.
struct Percentiles {
    let p50: Double, p99: Double, max: Double
    init(_ values: [Double]) {
        let sorted = values.sorted()
        guard !sorted.isEmpty else {
            (p50, p99, max) = (0, 0, 0)
            return
        }
        p50 = sorted[sorted.count / 2]
        p99 = sorted[Swift.min(sorted.count - 1, sorted.count * 99 / 100)]
        max = sorted[sorted.count - 1]
    }
}

/// Real time plus an offset the benchmark moves forward: time passes as it does, and the idle
/// stretches (a wait of a day with nothing else due) are skipped.
final class BenchClock: Sendable {
    private let offset: Mutex<TimeInterval>
    init(start: Date) { offset = Mutex(start.timeIntervalSinceNow) }
    var now: Date { Date().addingTimeInterval(offset.withLock { $0 }) }
    func jump(to date: Date) { offset.withLock { $0 = date.timeIntervalSinceNow } }
}

/// The three places a workflow's side effects land.
struct StandIns {
    let telnyx: TelnyxStandIn
    let email: EmailStandIn
    let webhooks: WebhookReceiver

    static func start() async throws -> StandIns {
        StandIns(telnyx: try await TelnyxStandIn.start(), email: try await EmailStandIn.start(), webhooks: try await WebhookReceiver.start())
    }

    func stop() {
        telnyx.stop()
        email.stop()
        webhooks.stop()
    }

    struct Count {
        var unique = 0
        /// Recipients (or webhook ids) that got more than one.
        var twice = 0
    }

    /// Per recipient: texts by number, e-mails by address, webhooks by the lead they are about.
    func counts() -> (sms: Count, emails: Count, webhooks: Count) {
        func count(_ keys: [String]) -> Count {
            var seen: [String: Int] = [:]
            for key in keys { seen[key, default: 0] += 1 }
            return Count(unique: seen.count, twice: seen.values.filter { $0 > 1 }.count)
        }
        let texts = telnyx.received.withLock { $0.filter { $0.action == "messages" }.compactMap { $0.body["to"]?.text } }
        let mails = email.accepted.compactMap(\.to.first)
        let hooks = webhooks.deliveries.compactMap { $0.json["lead_id"]?.text }
        return (count(texts), count(mails), count(hooks))
    }

    func uniqueCounts() -> (sms: Int, emails: Int, webhooks: Int) {
        let (sms, emails, webhooks) = counts()
        return (sms.unique, emails.unique, webhooks.unique)
    }
}
