import Foundation
import FrontdeskCore

public struct JobFilter: Sendable {
    public var business: BusinessID
    public var status: JobStatus?
    public var kind: JobKind?

    public init(business: BusinessID, status: JobStatus? = nil, kind: JobKind? = nil) {
        self.business = business
        self.status = status
        self.kind = kind
    }
}

/// The durable scheduler's jobs. A job is stored once per key (`schedule`, `plan`); due jobs are
/// leased to one runner at a time (`claimDue`), and a lease that runs out — the runner's process was
/// killed — makes the job due again with its attempt counted. `finish` and `retry` name the attempt
/// they close, so a runner whose lease ran out cannot overwrite the outcome of the one that took over.
public protocol JobRepository: Sendable {
    /// Stores the jobs whose key is new; returns those stored.
    @discardableResult
    func schedule(_ jobs: [Job]) async throws -> [Job]

    /// Up to `limit` events not planned yet, oldest first.
    func unplannedEvents(limit: Int) async throws -> [DomainEvent]

    /// Stores the jobs whose key is new and marks the events planned, in one transaction (a crash
    /// before it plans them again; the keys keep the jobs from being stored twice). Returns how
    /// many jobs were new.
    @discardableResult
    func plan(_ jobs: [Job], events: [EventSequence]) async throws -> Int

    /// Leases up to `limit` jobs due at `now` (pending, or running with a lease that ran out) until
    /// `now + lease`, earliest due first; each claimed job's `attempts` is the attempt now started.
    func claimDue(now: Date, lease: Duration, limit: Int) async throws -> [Job]

    /// Closes attempt `attempt` of a running job with a final status. False when the job is no
    /// longer that attempt (its lease ran out and another runner took it).
    @discardableResult
    func finish(_ id: JobID, attempt: Int, status: JobStatus, result: String?, now: Date) async throws -> Bool

    /// Puts a running job back to pending, due at `at`, recording the error.
    @discardableResult
    func retry(_ id: JobID, attempt: Int, at: Date, error: String) async throws -> Bool

    func find(_ id: JobID) async throws -> Job?
    func list(_ filter: JobFilter, page: PageRequest) async throws -> Page<Job>

    /// The earliest due time of a pending job, or of a running job's lease.
    func nextDue() async throws -> Date?

    /// Jobs not final yet (pending or running).
    func openCount() async throws -> Int
}
