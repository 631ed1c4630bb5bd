import Foundation

public enum WorkflowTag: IdentifierPrefixed { public static let idPrefix = "workflow" }
public typealias WorkflowID = Identifier<WorkflowTag>
public enum EnrollmentTag: IdentifierPrefixed { public static let idPrefix = "enrollment" }
public typealias EnrollmentID = Identifier<EnrollmentTag>

public enum WorkflowStatus: String, Sendable, Codable, CaseIterable {
    /// Enrolls on its trigger.
    case active
    /// Being written: enrolls nobody.
    case draft
    /// Enrolls nobody new; enrollments under way stop at their next step.
    case paused
}

/// A value a condition compares with, or a variable a template uses.
public enum WorkflowValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case string(String)
    case number(Double)
    case bool(Bool)
    case list([String])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let value = try? c.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? c.decode(Double.self) {
            guard value.isFinite else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "must be a finite number") }
            self = .number(value)
        } else if let value = try? c.decode(String.self) {
            guard value.count <= 500 else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "must be at most 500 characters") }
            self = .string(value)
        } else if let value = try? c.decode([String].self) {
            guard value.count <= 100 else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "must list at most 100 values") }
            self = .list(value)
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "must be a string, a number, a boolean or a list of strings")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let value): try c.encode(value)
        case .number(let value): try c.encode(value)
        case .bool(let value): try c.encode(value)
        case .list(let value): try c.encode(value)
        }
    }

    /// As a template shows it.
    public var description: String {
        switch self {
        case .string(let value): value
        case .number(let value): value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .bool(let value): value ? "true" : "false"
        case .list(let value): value.joined(separator: ", ")
        }
    }

    var number: Double? {
        switch self {
        case .number(let value): value
        case .string(let value): Double(value)
        default: nil
        }
    }
}

/// What a condition can look at, and what a template can show: the enrolled lead and its contact, the
/// business, and the event that started it.
public enum WorkflowField {
    public static let known: Set<String> = [
        "lead.id", "lead.name", "lead.status", "lead.source", "lead.score", "lead.phone", "lead.email", "lead.company",
        "contact.first_name", "contact.name", "contact.phone", "contact.email", "contact.tags",
        "business.name", "business.phone", "business.address",
        "appointment.id", "appointment.type", "appointment.status", "appointment.when",
        "call.id", "call.outcome", "call.duration", "call.summary",
        "message.body", "message.channel",
        "event.type", "event.tag", "now.inside_business_hours",
    ]
}

public enum ConditionOperator: String, Sendable, Codable, CaseIterable {
    case eq, neq, gt, gte, lt, lte, contains, notContains = "not_contains", `in`, exists
}

/// A comparison, or a group of them: `{"field","op","value"}`, `{"any":[…]}` (OR), `{"all":[…]}` (AND).
/// The workflow's list of conditions must all hold.
public indirect enum WorkflowCondition: Sendable, Hashable, Codable {
    case compare(field: String, op: ConditionOperator, value: WorkflowValue?)
    case any([WorkflowCondition])
    case all([WorkflowCondition])

    enum Keys: String, CodingKey { case field, op, value, any, all }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        if let group = try c.decodeIfPresent([WorkflowCondition].self, forKey: .any) {
            guard (1...20).contains(group.count) else { throw DecodingError.dataCorruptedError(forKey: .any, in: c, debugDescription: "must hold 1–20 conditions") }
            self = .any(group)
        } else if let group = try c.decodeIfPresent([WorkflowCondition].self, forKey: .all) {
            guard (1...20).contains(group.count) else { throw DecodingError.dataCorruptedError(forKey: .all, in: c, debugDescription: "must hold 1–20 conditions") }
            self = .all(group)
        } else {
            let field = try c.decode(String.self, forKey: .field)
            guard WorkflowField.known.contains(field) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .field, in: c, debugDescription: "\(field) is not a field conditions can use (\(WorkflowField.known.sorted().joined(separator: ", ")))")
            }
            let op = try c.decode(ConditionOperator.self, forKey: .op)
            let value = try c.decodeIfPresent(WorkflowValue.self, forKey: .value)
            guard value != nil || op == .exists else { throw DecodingError.dataCorruptedError(forKey: .value, in: c, debugDescription: "is required with op \(op.rawValue)") }
            self = .compare(field: field, op: op, value: value)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .compare(let field, let op, let value):
            try c.encode(field, forKey: .field)
            try c.encode(op, forKey: .op)
            try c.encodeIfPresent(value, forKey: .value)
        case .any(let group): try c.encode(group, forKey: .any)
        case .all(let group): try c.encode(group, forKey: .all)
        }
    }

    /// Whether it holds for these variables (a missing field holds only for `neq`, `not_contains`).
    public func holds(in context: [String: WorkflowValue]) -> Bool {
        switch self {
        case .any(let group): return group.contains { $0.holds(in: context) }
        case .all(let group): return group.allSatisfy { $0.holds(in: context) }
        case .compare(let field, let op, let wanted):
            let actual = context[field]
            switch op {
            case .exists: return actual != nil
            case .neq: return actual.map { !Self.equal($0, wanted) } ?? true
            case .notContains: return actual.map { !Self.contains($0, wanted) } ?? true
            default: break
            }
            guard let actual, let wanted else { return false }
            switch op {
            case .eq: return Self.equal(actual, wanted)
            case .gt, .gte, .lt, .lte:
                guard let a = actual.number, let b = wanted.number else { return false }
                return op == .gt ? a > b : op == .gte ? a >= b : op == .lt ? a < b : a <= b
            case .contains: return Self.contains(actual, wanted)
            case .in:
                guard case .list(let options) = wanted else { return Self.equal(actual, wanted) }
                return options.contains { $0.caseInsensitiveCompare(actual.description) == .orderedSame }
            default: return false
            }
        }
    }

    static func equal(_ a: WorkflowValue, _ b: WorkflowValue?) -> Bool {
        guard let b else { return false }
        if let x = a.number, let y = b.number { return x == y }
        return a.description.caseInsensitiveCompare(b.description) == .orderedSame
    }

    static func contains(_ a: WorkflowValue, _ b: WorkflowValue?) -> Bool {
        guard let b else { return false }
        if case .list(let items) = a { return items.contains { $0.caseInsensitiveCompare(b.description) == .orderedSame } }
        return a.description.localizedCaseInsensitiveContains(b.description)
    }
}

/// A lead's field a workflow may set (`update_lead_field`).
public enum LeadField: String, Sendable, Hashable, Codable, CaseIterable {
    case name, company, email, value
}

/// One step of a workflow.
public enum WorkflowAction: Sendable, Hashable, Codable {
    case sendSMS(text: String)
    case sendEmail(subject: String, body: String)
    case wait(minutes: Int)
    case webhook(url: String)
    case addTag(String)
    case removeTag(String)
    case setLeadStatus(LeadStatus)
    /// Sends a message template (`/api/templates`): a text or an e-mail, as the template is.
    case sendTemplate(TemplateID)
    /// Enrolls the lead in another workflow (once per this enrollment), which runs on its own.
    case startWorkflow(WorkflowID)
    /// Tells the team (every member, or the admins): a notification in the app and on `/api/ws`.
    case notify(message: String, adminsOnly: Bool)
    /// Sets one of the lead's fields (the value may use variables).
    case setLeadField(LeadField, String)
    /// Assigns the lead's conversations to a member (the receptionist goes quiet on them).
    case assign(UserID)
    /// Calls the lead (`POST /api/calls`'s call: the receptionist says `purpose`; an answering machine
    /// gets `voicemailMessage`, or a message naming the business and its number).
    case placeCall(purpose: String?, voicemailMessage: String?)
    /// Ends the enrollment here (after a condition-less branch, or as a goal reached).
    case exit

    enum Keys: String, CodingKey {
        case type, text, subject, body, minutes, url, tag, status
        case templateId = "template_id"
        case workflowId = "workflow_id"
        case message, to, field, value, purpose
        case userId = "user_id"
        case voicemailMessage = "voicemail_message"
    }

    public var type: String {
        switch self {
        case .sendSMS: "send_sms"
        case .sendEmail: "send_email"
        case .wait: "wait"
        case .webhook: "webhook"
        case .addTag: "add_tag"
        case .removeTag: "remove_tag"
        case .setLeadStatus: "update_lead_status"
        case .sendTemplate: "send_template"
        case .startWorkflow: "start_workflow"
        case .notify: "notify"
        case .setLeadField: "update_lead_field"
        case .assign: "assign"
        case .placeCall: "place_call"
        case .exit: "exit"
        }
    }

    public static let types = [
        "send_sms", "send_email", "send_template", "wait", "webhook", "add_tag", "remove_tag", "update_lead_status", "update_lead_field",
        "start_workflow", "notify", "assign", "place_call", "exit",
    ]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        func text(_ key: Keys, max: Int) throws -> String {
            let value = try c.decode(String.self, forKey: key).trimmingWhitespace()
            guard (1...max).contains(value.count) else { throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "must be 1–\(max) characters") }
            return value
        }
        switch try c.decode(String.self, forKey: .type) {
        case "send_sms": self = .sendSMS(text: try text(.text, max: 1600))
        case "send_email": self = .sendEmail(subject: try text(.subject, max: 200), body: try text(.body, max: 20_000))
        case "wait":
            let minutes = try c.decode(Int.self, forKey: .minutes)
            guard (1...525_600).contains(minutes) else { throw DecodingError.dataCorruptedError(forKey: .minutes, in: c, debugDescription: "must be 1–525600 (a year)") }
            self = .wait(minutes: minutes)
        case "webhook": self = .webhook(url: try text(.url, max: 2000))
        case "add_tag": self = .addTag(try text(.tag, max: 50))
        case "remove_tag": self = .removeTag(try text(.tag, max: 50))
        case "update_lead_status": self = .setLeadStatus(try c.decode(LeadStatus.self, forKey: .status))
        case "send_template": self = .sendTemplate(TemplateID(rawValue: try text(.templateId, max: 100)))
        case "start_workflow": self = .startWorkflow(WorkflowID(rawValue: try text(.workflowId, max: 100)))
        case "notify":
            let to = try c.decodeIfPresent(String.self, forKey: .to) ?? "everyone"
            guard to == "everyone" || to == "admins" else { throw DecodingError.dataCorruptedError(forKey: .to, in: c, debugDescription: "must be everyone or admins") }
            self = .notify(message: try text(.message, max: 500), adminsOnly: to == "admins")
        case "assign": self = .assign(UserID(rawValue: try text(.userId, max: 100)))
        case "update_lead_field":
            self = .setLeadField(try c.decode(LeadField.self, forKey: .field), try text(.value, max: 200))
        case "place_call":
            func optional(_ key: Keys, max: Int) throws -> String? { try c.decodeIfPresent(String.self, forKey: key).map { _ in try text(key, max: max) } }
            self = .placeCall(purpose: try optional(.purpose, max: 300), voicemailMessage: try optional(.voicemailMessage, max: 1000))
        case "exit": self = .exit
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "\(other) is not an action (\(Self.types.joined(separator: ", ")))")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(type, forKey: .type)
        switch self {
        case .sendSMS(let text): try c.encode(text, forKey: .text)
        case .sendEmail(let subject, let body):
            try c.encode(subject, forKey: .subject)
            try c.encode(body, forKey: .body)
        case .wait(let minutes): try c.encode(minutes, forKey: .minutes)
        case .webhook(let url): try c.encode(url, forKey: .url)
        case .addTag(let tag), .removeTag(let tag): try c.encode(tag, forKey: .tag)
        case .setLeadStatus(let status): try c.encode(status, forKey: .status)
        case .sendTemplate(let id): try c.encode(id, forKey: .templateId)
        case .startWorkflow(let id): try c.encode(id, forKey: .workflowId)
        case .notify(let message, let adminsOnly):
            try c.encode(message, forKey: .message)
            try c.encode(adminsOnly ? "admins" : "everyone", forKey: .to)
        case .assign(let user): try c.encode(user, forKey: .userId)
        case .setLeadField(let field, let value):
            try c.encode(field, forKey: .field)
            try c.encode(value, forKey: .value)
        case .placeCall(let purpose, let voicemail):
            try c.encodeIfPresent(purpose, forKey: .purpose)
            try c.encodeIfPresent(voicemail, forKey: .voicemailMessage)
        case .exit: break
        }
    }
}

/// What starts an enrollment: an event type, narrowed by optional filters; `schedule` or `date` (a
/// time each day, week or month; see `WorkflowSchedule`); or `manual`: only a bulk enrollment or a
/// campaign enrolls leads.
public struct WorkflowTrigger: Sendable, Hashable, Codable {
    public static let types: [EventType] = [
        .leadCreated, .leadUpdated, .leadQualified, .appointmentBooked, .appointmentMoved, .appointmentCancelled, .appointmentNoShow,
        .callEnded, .messageReceived, .contactTagged,
    ]
    public static let manual = "manual"
    /// Every trigger type's name, as the API spells it.
    public static let names = types.map(\.rawValue) + [manual, "schedule", "date"]

    /// nil: manual.
    public var type: EventType?
    /// `call.ended`: only calls with this outcome.
    public var outcome: CallOutcome?
    /// `message.received`: only texts containing this word (case-insensitive, whole word).
    public var keyword: String?
    /// `schedule` and `date` triggers (then `type` is nil).
    public var schedule: WorkflowSchedule?
    /// `contact.tagged`: only this tag.
    public var tag: String?

    public init(type: EventType?, outcome: CallOutcome? = nil, keyword: String? = nil, schedule: WorkflowSchedule? = nil, tag: String? = nil) {
        self.tag = tag
        self.type = type
        self.outcome = outcome
        self.keyword = keyword
        self.schedule = schedule
    }

    /// The type as the API and the store spell it.
    public var name: String {
        if let type { return type.rawValue }
        guard let schedule else { return Self.manual }
        return schedule.date == nil ? "schedule" : "date"
    }

    enum CodingKeys: String, CodingKey {
        case type, outcome, keyword, every, at, weekday, day, field, audience, tag
        case offsetDays = "offset_days"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .type)
        try c.encodeIfPresent(outcome, forKey: .outcome)
        try c.encodeIfPresent(keyword, forKey: .keyword)
        try c.encodeIfPresent(tag, forKey: .tag)
        if let schedule {
            if schedule.date == nil { try c.encode(schedule.every, forKey: .every) }
            try c.encode(schedule.at, forKey: .at)
            try c.encodeIfPresent(schedule.weekday, forKey: .weekday)
            try c.encodeIfPresent(schedule.day, forKey: .day)
            try c.encodeIfPresent(schedule.date?.field, forKey: .field)
            try c.encodeIfPresent(schedule.date?.offsetDays, forKey: .offsetDays)
            try c.encodeIfPresent(schedule.audience, forKey: .audience)
        }
    }

    /// `schedule`: every (day, week, month), at, weekday (week, 1 = Monday), day (month, 1–28), audience;
    /// `date`: field, offset_days (-365…365), at (default 09:00), audience.
    private static func schedule(_ c: KeyedDecodingContainer<CodingKeys>, date: Bool) throws -> WorkflowSchedule {
        let at = try c.decodeIfPresent(WallClockTime.self, forKey: .at) ?? (date ? WallClockTime("09:00")! : nil)
        guard let at, at.minutes < 1440 else { throw DecodingError.dataCorruptedError(forKey: .at, in: c, debugDescription: "is required: a time of day, HH:mm (00:00–23:59)") }
        let audience = try c.decodeIfPresent(LeadAudience.self, forKey: .audience)
        if date {
            guard let field = try c.decodeIfPresent(WorkflowSchedule.DateField.self, forKey: .field) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .field, in: c, debugDescription: "is required: \(WorkflowSchedule.DateField.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let offset = try c.decodeIfPresent(Int.self, forKey: .offsetDays) ?? 0
            guard (-365...365).contains(offset) else { throw DecodingError.dataCorruptedError(forKey: .offsetDays, in: c, debugDescription: "must be -365…365") }
            return WorkflowSchedule(every: .day, at: at, date: .init(field: field, offsetDays: offset), audience: audience)
        }
        guard let every = try c.decodeIfPresent(WorkflowSchedule.Every.self, forKey: .every) else {
            throw DecodingError.dataCorruptedError(forKey: .every, in: c, debugDescription: "is required: day, week or month")
        }
        let weekday = try c.decodeIfPresent(Int.self, forKey: .weekday)
        let day = try c.decodeIfPresent(Int.self, forKey: .day)
        if let weekday, every != .week || !(1...7).contains(weekday) {
            throw DecodingError.dataCorruptedError(forKey: .weekday, in: c, debugDescription: "is for every: week, 1 (Monday) to 7 (Sunday)")
        }
        if let day, every != .month || !(1...28).contains(day) {
            throw DecodingError.dataCorruptedError(forKey: .day, in: c, debugDescription: "is for every: month, 1–28")
        }
        return WorkflowSchedule(every: every, at: at, weekday: every == .week ? weekday ?? 1 : nil, day: every == .month ? day ?? 1 : nil, audience: audience)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let raw = try c.decode(String.self, forKey: .type)
        if raw == "schedule" || raw == "date" {
            (type, outcome, keyword, tag) = (nil, nil, nil, nil)
            schedule = try Self.schedule(c, date: raw == "date")
            return
        }
        schedule = nil
        let type = EventType(rawValue: raw)
        guard raw == Self.manual || type.map(Self.types.contains) == true else {
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: c, debugDescription: "\(raw) is not a trigger (\(Self.names.joined(separator: ", ")))")
        }
        self.type = type
        outcome = try c.decodeIfPresent(CallOutcome.self, forKey: .outcome)
        keyword = try c.decodeIfPresent(String.self, forKey: .keyword)?.trimmingWhitespace()
        if let keyword, !(1...50).contains(keyword.count) {
            throw DecodingError.dataCorruptedError(forKey: .keyword, in: c, debugDescription: "must be 1–50 characters")
        }
        if outcome != nil, type != .callEnded {
            throw DecodingError.dataCorruptedError(forKey: .outcome, in: c, debugDescription: "applies to call.ended only")
        }
        if keyword != nil, type != .messageReceived {
            throw DecodingError.dataCorruptedError(forKey: .keyword, in: c, debugDescription: "applies to message.received only")
        }
        tag = try c.decodeIfPresent(String.self, forKey: .tag)?.trimmingWhitespace()
        if let tag, type != .contactTagged || !(1...50).contains(tag.count) {
            throw DecodingError.dataCorruptedError(forKey: .tag, in: c, debugDescription: "applies to contact.tagged only: the tag, 1–50 characters")
        }
    }
}

/// A workflow: when its trigger happens to a lead and its conditions hold, the lead is enrolled and
/// the actions run in order on the durable scheduler (a `wait` puts the next one off).
public struct Workflow: Sendable, Hashable {
    public var id: WorkflowID
    public var businessId: BusinessID
    public var name: String
    public var status: WorkflowStatus
    public var trigger: WorkflowTrigger
    public var conditions: [WorkflowCondition]
    public var actions: [WorkflowAction]
    /// A lead may be enrolled again after an earlier enrollment (default: once per lead).
    public var allowReentry: Bool
    /// When these all hold before a step (the lead booked, converted, was tagged …), the enrollment
    /// ends there: the goal is reached. Empty: no goal.
    public var goal: [WorkflowCondition]
    /// Signs the workflow's webhook calls (Standard Webhooks).
    public var secret: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: WorkflowID, businessId: BusinessID, name: String, status: WorkflowStatus, trigger: WorkflowTrigger, conditions: [WorkflowCondition],
        actions: [WorkflowAction], allowReentry: Bool, goal: [WorkflowCondition] = [], secret: String, createdAt: Date, updatedAt: Date
    ) {
        self.goal = goal
        self.id = id
        self.businessId = businessId
        self.name = name
        self.status = status
        self.trigger = trigger
        self.conditions = conditions
        self.actions = actions
        self.allowReentry = allowReentry
        self.secret = secret
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The part stored as one JSON document.
    public struct Definition: Sendable, Hashable, Codable {
        public var trigger: WorkflowTrigger
        public var conditions: [WorkflowCondition]
        public var actions: [WorkflowAction]
        public var allowReentry: Bool
        /// Absent in workflows stored before goals existed.
        public var goal: [WorkflowCondition]?

        public init(trigger: WorkflowTrigger, conditions: [WorkflowCondition], actions: [WorkflowAction], allowReentry: Bool, goal: [WorkflowCondition]) {
            self.trigger = trigger
            self.conditions = conditions
            self.actions = actions
            self.allowReentry = allowReentry
            self.goal = goal.isEmpty ? nil : goal
        }

        enum CodingKeys: String, CodingKey {
            case trigger, conditions, actions, goal
            case allowReentry = "allow_reentry"
        }
    }

    public var definition: Definition {
        Definition(trigger: trigger, conditions: conditions, actions: actions, allowReentry: allowReentry, goal: goal)
    }

    /// Whether the goal holds on these variables (never, without a goal).
    public func reachedGoal(_ context: [String: WorkflowValue]) -> Bool {
        !goal.isEmpty && goal.allSatisfy { $0.holds(in: context) }
    }

    /// Whether this event, with these variables, enrolls its lead.
    public func matches(_ type: EventType, context: [String: WorkflowValue]) -> Bool {
        guard status == .active, trigger.type == type else { return false }
        if let outcome = trigger.outcome, context["call.outcome"]?.description != outcome.rawValue { return false }
        if let tag = trigger.tag, context["event.tag"]?.description != tag { return false }
        if let keyword = trigger.keyword {
            let words = (context["message.body"]?.description ?? "").lowercased().split { !$0.isLetter && !$0.isNumber }
            let wanted = keyword.lowercased().split { !$0.isLetter && !$0.isNumber }
            guard !wanted.isEmpty, words.count >= wanted.count,
                (0...(words.count - wanted.count)).contains(where: { Array(words[$0..<$0 + wanted.count]) == wanted })
            else { return false }
        }
        return conditions.allSatisfy { $0.holds(in: context) }
    }
}

public enum EnrollmentStatus: String, Sendable, Codable, CaseIterable {
    case active, completed, exited, failed
}

/// One step's record in an enrollment's execution log.
public struct EnrollmentLogEntry: Sendable, Hashable, Codable {
    public var step: Int
    public var action: String
    /// `done`, `skipped`, `failed`, `waiting`.
    public var status: String
    public var detail: String
    public var at: Date

    public init(step: Int, action: String, status: String, detail: String, at: Date) {
        self.step = step
        self.action = action
        self.status = status
        self.detail = detail
        self.at = at
    }
}

/// A lead going through a workflow: where it is, the variables it started with, what each step did.
public struct Enrollment: Sendable, Hashable {
    public var id: EnrollmentID
    public var workflowId: WorkflowID
    public var businessId: BusinessID
    public var leadId: LeadID
    public var status: EnrollmentStatus
    /// The next action to run (= `actions.count` when finished).
    public var step: Int
    /// The variables at enrollment (the event's), refreshed with the lead's as steps run.
    public var context: [String: WorkflowValue]
    public var log: [EnrollmentLogEntry]
    /// What enrolled it, e.g. `evt_42` (unique per workflow: an event enrolls a lead once).
    public var source: String
    public var createdAt: Date
    public var updatedAt: Date
    public var finishedAt: Date?

    public init(
        id: EnrollmentID = .generate(), workflowId: WorkflowID, businessId: BusinessID, leadId: LeadID, status: EnrollmentStatus = .active,
        step: Int = 0, context: [String: WorkflowValue], log: [EnrollmentLogEntry] = [], source: String, createdAt: Date, updatedAt: Date,
        finishedAt: Date? = nil
    ) {
        self.id = id
        self.workflowId = workflowId
        self.businessId = businessId
        self.leadId = leadId
        self.status = status
        self.step = step
        self.context = context
        self.log = log
        self.source = source
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.finishedAt = finishedAt
    }
}

/// `{{contact.first_name}}` → the variable's value ("" when it has none); `{{ name }}` spaces allowed.
public enum WorkflowTemplate {
    public static func render(_ template: String, _ context: [String: WorkflowValue]) -> String {
        var output = ""
        var rest = template[...]
        while let open = rest.range(of: "{{") {
            output += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                output += rest[open.lowerBound...]
                return output
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            output += context[name]?.description ?? ""
            rest = rest[close.upperBound...]
        }
        return output + rest
    }
}
