import Foundation

/// What the engine asks the transport and the runtime to do.
public enum ConversationAction: Sendable, Equatable {
    case say(String)
    case transfer(to: PhoneNumber)
    case hangUp
    case sendSMS(to: PhoneNumber, text: String)
    case takeMessage(String)
    case updateLead(LeadUpdate)
}

/// What the conversation learnt about the caller this turn.
public struct LeadUpdate: Sendable, Equatable {
    public var name: String?
    public var email: EmailAddress?
    public var signals: [FiredSignal] = []
    public var disqualifier: Disqualifier?

    public init(name: String? = nil, email: EmailAddress? = nil, signals: [FiredSignal] = [], disqualifier: Disqualifier? = nil) {
        self.name = name
        self.email = email
        self.signals = signals
        self.disqualifier = disqualifier
    }

    public var isEmpty: Bool { name == nil && email == nil && signals.isEmpty && disqualifier == nil }
}

/// An appointment of the caller's, as the tools report it.
public struct CallerAppointment: Sendable, Equatable, Codable {
    public let id: String
    public let start: Date
    public let duration: Int
    public let type: String?

    public init(id: String, start: Date, duration: Int, type: String?) {
        self.id = id
        self.start = start
        self.duration = duration
        self.type = type
    }
}

public enum BookingOutcome: Sendable, Equatable {
    case booked(CallerAppointment)
    /// Someone else took the slot between offer and booking (or it is outside the rules).
    case unavailable
}

/// The engine's only way to touch the business's calendar: checked by the same rules as the API.
public protocol ReceptionistTools: Sendable {
    func freeSlots(from: LocalDate, through: LocalDate, duration: Int) async throws -> [Slot]
    func book(start: Date, duration: Int, service: String?, callerName: String?) async throws -> BookingOutcome
    /// The caller's next live appointment (matched by phone number), if any.
    func upcomingAppointment() async throws -> CallerAppointment?
    func cancel(_ appointment: CallerAppointment) async throws
    func reschedule(_ appointment: CallerAppointment, to start: Date) async throws -> BookingOutcome
}

public enum Channel: String, Sendable, Codable {
    case voice, sms, api
}

/// The business and caller a conversation is about.
public struct ReceptionistContext: Sendable {
    public var businessName: String
    public var settings: BusinessSettings
    public var behavior: BehaviorSettings
    public var callerPhone: PhoneNumber?
    public var channel: Channel
    public var now: Date

    public init(
        businessName: String, settings: BusinessSettings, behavior: BehaviorSettings, callerPhone: PhoneNumber?,
        channel: Channel, now: Date
    ) {
        self.businessName = businessName
        self.settings = settings
        self.behavior = behavior
        self.callerPhone = callerPhone
        self.channel = channel
        self.now = now
    }

    public var hours: OpeningHours { OpeningHours(settings: settings) }
    public var today: LocalDate { hours.localDate(of: now) }
}

/// Where a conversation stands between turns; stored per conversation, so it resumes later.
public struct ConversationState: Sendable, Codable, Equatable {
    public enum Pending: Sendable, Codable, Equatable {
        case confirmBooking(start: Date)
        case needName(start: Date)
        case confirmCancel(CallerAppointment)
        case takeMessage
        case anythingElse
    }

    public var turn = 0
    public var name: String?
    public var serviceName: String?
    public var date: LocalDate?
    public var time: WallClockTime?
    public var partOfDay: PartOfDay?
    public var offered: [Date] = []
    public var pending: Pending?
    public var booking = false
    public var rescheduling: CallerAppointment?
    public var bookedAppointmentId: String?
    public var misunderstood = 0
    public var signals: [FiredSignal] = []
    public var outcome: CallOutcome?
    public var ended = false
    /// The LLM policy's chat so far (user, assistant and tool messages; the system prompt is rendered
    /// fresh each turn).
    public var llmMessages: [LLMMessage] = []
    /// Tokens the LLM policy used in this conversation.
    public var llmPromptTokens = 0
    public var llmCompletionTokens = 0

    public init() {}
}
