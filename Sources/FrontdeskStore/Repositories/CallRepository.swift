import Foundation
import FrontdeskCore

public struct CallFilter: Sendable {
    public var business: BusinessID
    public var leadId: LeadID?
    public var status: CallStatus?

    public init(business: BusinessID, leadId: LeadID? = nil, status: CallStatus? = nil) {
        self.business = business
        self.leadId = leadId
        self.status = status
    }
}

public struct CallStats: Sendable {
    public let total: Int
    public let today: Int
    public let averageDuration: Double
    public let completed: Int
    public let ended: Int
}

/// What `CallRepository.start` found or made.
public enum CallStart: Sendable {
    /// A new call record (and the caller's lead, created when new).
    case started(Call, lead: Lead?)
    /// The provider's call was recorded already (a webhook came first, or a redelivery).
    case existing(Call, lead: Lead?)
}

public protocol CallRepository: Sendable {
    func find(_ id: CallID) async throws -> Call?

    /// The call a provider knows by `providerCallId`.
    func find(provider: String, providerCallId: String) async throws -> Call?

    /// Calls still in progress, in every business, oldest first (the ones an instance that stopped left
    /// behind are among them: another takes them over).
    func inProgress(limit: Int) async throws -> [Call]

    func list(_ filter: CallFilter, page: PageRequest) async throws -> Page<Call>

    /// Calls no longer in progress, across all businesses (benchmarks).
    func countEnded() async throws -> Int

    /// Starts a call in one transaction: the record of `call.provider`/`call.providerCallId` when there is
    /// one; otherwise the caller's lead (matched by phone in the business, or `newLead` inserted) and
    /// `call` inserted with that lead. Nothing half-written if it fails.
    func start(_ call: Call, newLead: Lead?) async throws -> CallStart

    /// Stores a finished call and, when given, its lead as re-scored at the end: one transaction.
    func finish(_ call: Call, lead: Lead?) async throws

    /// A new call (one statement; `save` tries an update first).
    func insert(_ call: Call) async throws

    func save(_ call: Call) async throws

    /// Appends a transcript turn; it is durable when this returns.
    @discardableResult
    func append(_ turn: TranscriptTurn) async throws -> TranscriptTurn

    /// A transcript turn's words replaced (a barge-in: the agent's turn is what the caller heard).
    func updateTurnText(call: CallID, sequence: Int, text: String) async throws

    /// Stores one turn's latency stages (a repeated turn number replaces the earlier figures).
    func recordLatency(_ latency: TurnLatency, call: CallID, at time: Date) async throws

    func latencies(of call: CallID) async throws -> [TurnLatency]

    /// Every turn latency of the business's calls in the period (for analytics).
    func latencies(business: BusinessID, from: Date?, to: Date?) async throws -> [TurnLatency]

    /// Where the call's recording is served (`url`) and kept on disk (`path`, never shown in the API).
    func setRecording(_ call: CallID, url: String, path: String) async throws

    /// The recording file of a call, when it has one.
    func recordingPath(_ call: CallID) async throws -> String?

    /// Forgets the recordings of up to `limit` calls that started before `cutoff` (the retention
    /// policy): their `recording_url` and path are cleared, and the paths returned for the caller to
    /// delete. Calls still in progress keep theirs.
    func expireRecordings(startedBefore cutoff: Date, limit: Int) async throws -> [String]

    func turns(of call: CallID) async throws -> [TranscriptTurn]

    /// The transcripts of several calls as text (`Caller: …\nAgent: …`), for list views.
    func transcripts(of calls: [CallID]) async throws -> [CallID: String]

    func stats(business: BusinessID, from: Date?, to: Date?, todayStart: Date) async throws -> CallStats

    /// Start, status, outcome and cost of the business's calls started in `[from, to)` (the owner's
    /// daily charts; four columns per call, by the business-and-start index).
    func activity(business: BusinessID, from: Date, to: Date) async throws -> [CallActivity]
}

extension CallRepository {
    /// Stores one turn's latency stages, timed now.
    public func recordLatency(_ latency: TurnLatency, call: CallID) async throws {
        try await recordLatency(latency, call: call, at: Date())
    }
}
