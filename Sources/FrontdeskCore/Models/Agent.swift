import Foundation

public enum AgentTag: IdentifierPrefixed { public static let idPrefix = "agent" }
public typealias AgentID = Identifier<AgentTag>

public enum AgentStatus: String, Sendable, Codable, CaseIterable {
    case active, inactive
}

/// How a voice call is carried (product.md): the provider speaks and transcribes, or Frontdesk gets
/// the audio stream.
public enum VoiceMode: String, Sendable, Codable, CaseIterable {
    case provider, media
}

public struct VoiceSettings: Sendable, Codable, Hashable {
    public var voiceId: String?
    public var speed: Double = 1.0
    public var pitch: Double = 1.0
    public var language: String = "en-US"
    public var mode: VoiceMode = .provider

    public init() {}

    enum CodingKeys: String, CodingKey {
        case voiceId = "voice_id"
        case speed, pitch, language, mode
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        voiceId = try c.decodeIfPresent(String.self, forKey: .voiceId)
        speed = try c.decodeIfPresent(Double.self, forKey: .speed) ?? 1.0
        pitch = try c.decodeIfPresent(Double.self, forKey: .pitch) ?? 1.0
        language = try c.decodeIfPresent(String.self, forKey: .language) ?? "en-US"
        mode = try c.decodeIfPresent(VoiceMode.self, forKey: .mode) ?? .provider
        guard (0.25...4).contains(speed) else {
            throw DecodingError.dataCorruptedError(forKey: .speed, in: c, debugDescription: "must be 0.25–4")
        }
        guard (0.25...4).contains(pitch) else {
            throw DecodingError.dataCorruptedError(forKey: .pitch, in: c, debugDescription: "must be 0.25–4")
        }
    }
}

/// What can make the agent hand a caller to a person.
public enum EscalationTrigger: String, Sendable, Codable, CaseIterable {
    case angry, confused, requestsHuman = "requests_human"
}

public struct BehaviorSettings: Sendable, Codable, Hashable {
    public var personality: String = "professional"
    public var conversationStyle: String = "friendly"
    public var escalationTriggers: [EscalationTrigger] = [.angry, .requestsHuman]
    public var greeting: String?
    /// Seconds; the call ends politely after this.
    public var maxCallDuration: Int = 900
    /// Seconds of silence before the agent reprompts.
    public var silenceTimeout: Int = 6

    public init() {}

    enum CodingKeys: String, CodingKey {
        case personality
        case conversationStyle = "conversation_style"
        case escalationTriggers = "escalation_triggers"
        case greeting
        case maxCallDuration = "max_call_duration"
        case silenceTimeout = "silence_timeout"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        personality = try c.decodeIfPresent(String.self, forKey: .personality) ?? "professional"
        conversationStyle = try c.decodeIfPresent(String.self, forKey: .conversationStyle) ?? "friendly"
        escalationTriggers =
            try c.decodeIfPresent([EscalationTrigger].self, forKey: .escalationTriggers) ?? [.angry, .requestsHuman]
        greeting = try c.decodeIfPresent(String.self, forKey: .greeting)
        maxCallDuration = try c.decodeIfPresent(Int.self, forKey: .maxCallDuration) ?? 900
        silenceTimeout = try c.decodeIfPresent(Int.self, forKey: .silenceTimeout) ?? 6
        guard (30...14_400).contains(maxCallDuration) else {
            throw DecodingError.dataCorruptedError(
                forKey: .maxCallDuration, in: c, debugDescription: "must be 30–14400 seconds")
        }
        guard (1...60).contains(silenceTimeout) else {
            throw DecodingError.dataCorruptedError(
                forKey: .silenceTimeout, in: c, debugDescription: "must be 1–60 seconds")
        }
        if let greeting, greeting.count > 1000 {
            throw DecodingError.dataCorruptedError(forKey: .greeting, in: c, debugDescription: "is too long")
        }
    }
}

public struct Agent: Sendable, Codable, Hashable {
    public var id: AgentID
    public var businessId: BusinessID
    public var name: String
    /// The E.164 number whose calls and texts this agent answers (unique across all businesses).
    public var phoneNumber: PhoneNumber?
    public var voiceSettings: VoiceSettings
    public var behaviorSettings: BehaviorSettings
    /// When set, the agent answers only in these hours; otherwise in the business's hours.
    public var workingHours: WeeklyHours?
    public var status: AgentStatus
    /// When the agent was last started (uptime is measured from here).
    public var startedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: AgentID, businessId: BusinessID, name: String, phoneNumber: PhoneNumber?, voiceSettings: VoiceSettings,
        behaviorSettings: BehaviorSettings, workingHours: WeeklyHours?, status: AgentStatus, startedAt: Date?,
        createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.businessId = businessId
        self.name = name
        self.phoneNumber = phoneNumber
        self.voiceSettings = voiceSettings
        self.behaviorSettings = behaviorSettings
        self.workingHours = workingHours
        self.status = status
        self.startedAt = startedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var isActive: Bool { status == .active }

    public enum CodingKeys: String, CodingKey {
        case id
        case businessId = "business_id"
        case name
        case phoneNumber = "phone_number"
        case voiceSettings = "voice_settings"
        case behaviorSettings = "behavior_settings"
        case workingHours = "working_hours"
        case status
        case startedAt = "started_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}
