import Foundation

public enum JobTag: IdentifierPrefixed { public static let idPrefix = "job" }
public typealias JobID = Identifier<JobTag>

/// What a scheduled job does when it comes due.
public enum JobKind: String, Sendable, Codable, CaseIterable {
    /// A text (or e-mail) reminding the client of a booked appointment, at an offset before it.
    case appointmentReminder = "appointment_reminder"
    /// A text after an appointment was marked a no-show, offering to book again.
    case noShowFollowUp = "no_show_follow_up"
    /// A text to a caller whose call was missed or ended before anything was done.
    case missedCallTextBack = "missed_call_text_back"
    /// One action of a workflow enrollment.
    case workflowStep = "workflow_step"
    /// A campaign's start: its audience enrolled in its workflow.
    case campaignStart = "campaign_start"
    /// A `schedule` or `date` workflow's run: the leads it picks enrolled, the next run planned.
    case workflowSchedule = "workflow_schedule"

    /// The receptionist's own texts, which mind the quiet hours as a whole (a workflow minds them per text).
    public var isFollowUp: Bool { self == .appointmentReminder || self == .noShowFollowUp || self == .missedCallTextBack }
}

/// Where a job is. `pending` waits for its due time (or for a retry); `running` is leased to one
/// process until its lease runs out; the other three are final.
public enum JobStatus: String, Sendable, Codable, CaseIterable {
    case pending, running
    /// It did what it was for.
    case done
    /// It was no longer wanted when it came due (the appointment was cancelled or moved, the
    /// recipient opted out, quiet hours): `result` says why.
    case skipped
    /// It failed on every attempt.
    case failed

    public var isFinal: Bool { self == .done || self == .skipped || self == .failed }
}

/// A unit of background work stored in the database, run once when due by whichever process claims
/// it. `key` is unique across all jobs: planning the same thing twice (a retried event, two
/// processes) stores it once, and every side effect of the job carries `job:<id>` so a retry after a
/// crash never sends twice.
public struct Job: Sendable, Hashable, Codable {
    public var id: JobID
    public var businessId: BusinessID
    public var kind: JobKind
    public var key: String
    /// The job's input, a JSON object.
    public var payload: String
    public var dueAt: Date
    public var status: JobStatus
    /// Attempts started so far (a lease that ran out counts as one).
    public var attempts: Int
    public var leaseUntil: Date?
    /// What the last attempt did: the message sent, why it was skipped, the error.
    public var result: String?
    public var createdAt: Date
    public var finishedAt: Date?

    public init(
        id: JobID = .generate(), businessId: BusinessID, kind: JobKind, key: String, payload: String, dueAt: Date,
        status: JobStatus = .pending, attempts: Int = 0, leaseUntil: Date? = nil, result: String? = nil, createdAt: Date,
        finishedAt: Date? = nil
    ) {
        self.id = id
        self.businessId = businessId
        self.kind = kind
        self.key = key
        self.payload = payload
        self.dueAt = dueAt
        self.status = status
        self.attempts = attempts
        self.leaseUntil = leaseUntil
        self.result = result
        self.createdAt = createdAt
        self.finishedAt = finishedAt
    }

    /// The idempotency key every side effect of this job carries.
    public var effectKey: String { "job:\(id.rawValue)" }

    public enum CodingKeys: String, CodingKey {
        case id
        case businessId = "business_id"
        case kind, key, payload, status, attempts, result
        case dueAt = "due_at"
        case leaseUntil = "lease_until"
        case createdAt = "created_at"
        case finishedAt = "finished_at"
    }
}

/// How many attempts a job gets, and the wait before each retry.
public enum JobRetry {
    public static let maxAttempts = 5

    /// 30 s, 2 min, 8 min, 32 min after attempts 1–4; nil after the last.
    public static func delay(afterAttempt attempt: Int) -> TimeInterval? {
        guard attempt < maxAttempts else { return nil }
        return 30 * pow(4, Double(max(0, attempt - 1)))
    }
}
