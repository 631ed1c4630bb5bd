import Foundation

public enum CallTag: IdentifierPrefixed { public static let idPrefix = "call" }
public typealias CallID = Identifier<CallTag>

public enum CallStatus: String, Sendable, Codable, CaseIterable {
    case inProgress = "in_progress", completed, failed
}

public enum CallDirection: String, Sendable, Codable, CaseIterable {
    case inbound, outbound
}

/// What a call achieved, for the owner's overview.
public enum CallOutcome: String, Sendable, Codable, CaseIterable {
    case booked, qualified, transferred, messageTaken = "message_taken", informationOnly = "information_only"
    case abandoned, spam, failed
    /// An outbound call reached an answering machine and left a message after the beep.
    case voicemail
    /// An outbound call nobody answered (busy, rejected, rang out).
    case noAnswer = "no_answer"
}

public struct Call: Sendable, Codable, Hashable {
    public var id: CallID
    public var businessId: BusinessID
    public var agentId: AgentID?
    public var leadId: LeadID?
    /// The caller's number.
    public var phone: PhoneNumber?
    public var direction: CallDirection
    public var provider: String
    public var providerCallId: String?
    public var status: CallStatus
    /// Seconds.
    public var duration: Int?
    public var recordingUrl: String?
    public var outcome: CallOutcome?
    public var summary: String?
    public var hangupCause: String?
    public var startedAt: Date
    public var endedAt: Date?
    public var createdAt: Date
    /// Language-model tokens the call used (zero with the scripted policy).
    public var llmPromptTokens: Int = 0
    public var llmCompletionTokens: Int = 0
    /// What the call's model use cost in US dollars, from the configured per-million-token prices.
    public var cost: Double = 0
    /// An outbound call: what it is about (said in the greeting).
    public var purpose: String?
    /// An outbound call: what is left on an answering machine (a default message when nil).
    public var voicemailMessage: String?

    public init(
        id: CallID, businessId: BusinessID, agentId: AgentID?, leadId: LeadID?, phone: PhoneNumber?,
        direction: CallDirection, provider: String, providerCallId: String?, status: CallStatus, duration: Int?,
        recordingUrl: String?, outcome: CallOutcome?, summary: String?, hangupCause: String?, startedAt: Date,
        endedAt: Date?, createdAt: Date
    ) {
        self.id = id
        self.businessId = businessId
        self.agentId = agentId
        self.leadId = leadId
        self.phone = phone
        self.direction = direction
        self.provider = provider
        self.providerCallId = providerCallId
        self.status = status
        self.duration = duration
        self.recordingUrl = recordingUrl
        self.outcome = outcome
        self.summary = summary
        self.hangupCause = hangupCause
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.createdAt = createdAt
    }

    public enum CodingKeys: String, CodingKey {
        case id
        case businessId = "business_id"
        case agentId = "agent_id"
        case leadId = "lead_id"
        case phone, direction, provider
        case providerCallId = "provider_call_id"
        case status, duration
        case recordingUrl = "recording_url"
        case outcome, summary
        case hangupCause = "hangup_cause"
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case createdAt = "created_at"
        case llmPromptTokens = "llm_prompt_tokens"
        case llmCompletionTokens = "llm_completion_tokens"
        case cost, purpose
        case voicemailMessage = "voicemail_message"
    }
}

public enum Speaker: String, Sendable, Codable, CaseIterable {
    case caller, agent, system
}

/// One turn of a call's transcript, written as it happens.
public struct TranscriptTurn: Sendable, Codable, Hashable {
    public var id: Int64?
    public var callId: CallID
    public var sequence: Int
    public var speaker: Speaker
    public var text: String
    public var startedAt: Date
    public var endedAt: Date?
    public var confidence: Double?
    /// The agent's reply latency in milliseconds, for agent turns.
    public var latencyMs: Int?
    /// For a caller's turn, the carrier's event that delivered the words (its id): an instance that takes
    /// the call over does not act on the same words twice when the carrier's event is replayed.
    public var providerEventId: String?

    public init(
        id: Int64? = nil, callId: CallID, sequence: Int, speaker: Speaker, text: String, startedAt: Date,
        endedAt: Date?, confidence: Double?, latencyMs: Int?, providerEventId: String? = nil
    ) {
        self.id = id
        self.callId = callId
        self.sequence = sequence
        self.speaker = speaker
        self.text = text
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.confidence = confidence
        self.latencyMs = latencyMs
        self.providerEventId = providerEventId
    }

    public enum CodingKeys: String, CodingKey {
        case id
        case callId = "call_id"
        case sequence, speaker, text
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case confidence
        case latencyMs = "latency_ms"
        case providerEventId = "provider_event_id"
    }
}
