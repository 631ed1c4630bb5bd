import Foundation
import FrontdeskCore
import FrontdeskStore
import Logging
import Synchronization

/// The durable scheduler, run as a background service by every instance: it turns new events into
/// jobs (`FollowUpPlanner`), then leases the jobs that are due and runs them (`JobRunner`), a few at
/// a time. Everything it knows is in the database: a job whose process died mid-run is due again
/// when its lease runs out, and its side effects carry the job's key, so nothing is sent twice.
/// Time is `now()` — a virtual clock in the simulator — and the scheduler looks every `poll` of real
/// time, and at once when an event is published here.
package final class Scheduler: Sendable {
    private let store: Store
    private let planner: FollowUpPlanner
    /// Enrolls leads by hand (bulk enrollment) on this scheduler's jobs.
    package let workflows: WorkflowEngine
    private let runner: JobRunner
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let poll: Duration
    private let lease: Duration
    private let concurrency: Int
    private let counts = Mutex(Counts())

    /// What this process's scheduler has done since it started (health, tests, benchmarks).
    package struct Counts: Sendable, Equatable {
        package var planned = 0
        package var done = 0
        package var skipped = 0
        package var failed = 0
        package var retried = 0
        /// How late the last jobs ran after their due time, seconds (the last 1,000).
        package var lags: [Double] = []
    }

    package init(
        store: Store, messenger: Messenger, poster: (any OutboundPoster)? = nil, now: @escaping @Sendable () -> Date, logger: Logger,
        poll: Duration = .milliseconds(250), lease: Duration = .seconds(60), concurrency: Int = 8, outbound: OutboundCalls? = nil
    ) {
        self.store = store
        let workflows = WorkflowEngine(store: store, messenger: messenger, poster: poster, outbound: outbound)
        self.workflows = workflows
        self.planner = FollowUpPlanner(store: store, workflows: workflows)
        self.runner = JobRunner(store: store, messenger: messenger, workflows: workflows)
        self.now = now
        self.logger = logger
        self.poll = poll
        self.lease = lease
        self.concurrency = concurrency
    }

    package var statistics: Counts { counts.withLock { $0 } }

    /// Until cancelled.
    package func run() async {
        let (listener, published) = store.feed.listen(businesses: nil)
        defer { store.feed.stopListening(listener) }
        await withTaskGroup(of: Void.self) { group in
            let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
            group.addTask {
                for await event in published where Self.plans(event.type) { wake.yield() }
            }
            group.addTask { [poll] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: poll)
                    wake.yield()
                }
            }
            group.addTask { [self] in
                for await _ in wakes {
                    if Task.isCancelled { break }
                    await tick()
                }
            }
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            wake.finish()
            group.cancelAll()
        }
    }

    static func plans(_ type: EventType) -> Bool { FollowUpPlanner.types.contains(type) }

    /// Plans what new events call for, then runs every job due now (tests call this directly).
    package func tick() async {
        await planEvents()
        await runDue()
    }

    package func planEvents() async {
        do {
            while true {
                let events = try await store.jobs.unplannedEvents(limit: 200)
                guard !events.isEmpty else { return }
                let time = now()
                var jobs: [Job] = []
                for event in events where Self.plans(event.type) {
                    do {
                        jobs += try await planner.jobs(for: event, now: time)
                    } catch {
                        logger.error("Planning an event's follow-ups failed", metadata: ["event": "\(event.id)", "error": "\(error)"])
                    }
                }
                let stored = try await store.jobs.plan(jobs, events: events.map(\.sequence))
                counts.withLock { $0.planned += stored }
                if events.count < 200 { return }
            }
        } catch where !(error is CancellationError) {
            logger.error("Planning follow-ups failed; trying again shortly", metadata: ["error": "\(error)"])
        } catch {
            // Stopping.
        }
    }

    package func runDue() async {
        do {
            while !Task.isCancelled {
                let time = now()
                let due = try await store.jobs.claimDue(now: time, lease: lease, limit: concurrency * 4)
                guard !due.isEmpty else { return }
                await withTaskGroup(of: Void.self) { group in
                    var running = 0
                    for job in due {
                        if running == concurrency {
                            await group.next()
                            running -= 1
                        }
                        group.addTask { [self] in await execute(job) }
                        running += 1
                    }
                }
                // Again at once: a step that finished may have planned the next one due now.
            }
        } catch where !(error is CancellationError) {
            logger.error("Claiming due jobs failed; trying again shortly", metadata: ["error": "\(error)"])
        } catch {
            // Stopping.
        }
    }

    private func execute(_ job: Job) async {
        let started = now()
        var logger = logger
        logger[metadataKey: "job_id"] = "\(job.id)"
        logger[metadataKey: "job_kind"] = "\(job.kind.rawValue)"
        let outcome: Result<JobOutcome, any Error>
        do {
            outcome = .success(try await runner.run(job, now: started, logger: logger))
        } catch {
            outcome = .failure(error)
        }
        let finished = now()
        do {
            switch outcome {
            case .success(.done(let result)):
                try await store.jobs.finish(job.id, attempt: job.attempts, status: .done, result: result, now: finished)
                logger.info("Scheduled job done", metadata: ["result": "\(result)"])
                counts.withLock { $0.done += 1 }
            case .success(.skipped(let reason)):
                try await store.jobs.finish(job.id, attempt: job.attempts, status: .skipped, result: reason, now: finished)
                logger.info("Scheduled job skipped", metadata: ["reason": "\(reason)"])
                counts.withLock { $0.skipped += 1 }
            case .success(.failed(let reason)):
                try await store.jobs.finish(job.id, attempt: job.attempts, status: .failed, result: reason, now: finished)
                logger.warning("Scheduled job failed", metadata: ["reason": "\(reason)"])
                counts.withLock { $0.failed += 1 }
            case .success(.later(let time, let reason)):
                try await store.jobs.retry(job.id, attempt: job.attempts, at: time, error: "waiting: \(reason)")
                counts.withLock { $0.retried += 1 }
            case .failure(let error):
                if let delay = JobRetry.delay(afterAttempt: job.attempts) {
                    try await store.jobs.retry(job.id, attempt: job.attempts, at: finished.addingTimeInterval(delay), error: "\(error)")
                    logger.warning("Scheduled job will be tried again", metadata: ["attempt": "\(job.attempts)", "error": "\(error)"])
                    counts.withLock { $0.retried += 1 }
                } else {
                    try await store.jobs.finish(job.id, attempt: job.attempts, status: .failed, result: "\(error)", now: finished)
                    logger.error("Scheduled job failed on every attempt", metadata: ["error": "\(error)"])
                    counts.withLock { $0.failed += 1 }
                }
            }
        } catch {
            // Its lease runs out and it runs again; its side effects are keyed, so nothing is sent twice.
            logger.error("Recording a job's outcome failed", metadata: ["error": "\(error)"])
        }
        let lag = started.timeIntervalSince(job.dueAt)
        counts.withLock {
            $0.lags.append(lag)
            if $0.lags.count > 1000 { $0.lags.removeFirst($0.lags.count - 1000) }
        }
    }
}
