import Foundation
import FrontdeskCore

/// Workflows and their enrollments. An enrollment is unique per workflow and `source` (the event that
/// made it), so planning an event twice enrolls its lead once.
public protocol WorkflowRepository: Sendable {
    func insert(_ workflow: Workflow) async throws
    func find(_ id: WorkflowID) async throws -> Workflow?
    func list(business: BusinessID, status: WorkflowStatus?, page: PageRequest) async throws -> Page<Workflow>
    func update(_ workflow: Workflow) async throws
    /// Deletes the workflow and its enrollments (their pending steps find nothing and are skipped).
    func delete(_ id: WorkflowID) async throws
    /// The business's active workflows started by events of this type.
    func active(business: BusinessID, trigger: EventType) async throws -> [Workflow]

    /// Stores the enrollment unless one with its workflow and source exists (then returns that one),
    /// or — with `once` — the lead has any enrollment in the workflow (then returns nil), or — with
    /// `reentryAfter` — the lead has one still active, or made at or after that instant (nil).
    func enroll(_ enrollment: Enrollment, once: Bool, reentryAfter: Date?) async throws -> Enrollment?
    func enrollment(_ id: EnrollmentID) async throws -> Enrollment?
    func enrollments(workflow: WorkflowID, status: EnrollmentStatus?, page: PageRequest) async throws -> Page<Enrollment>
    /// Writes the enrollment's step, status, variables and log.
    func save(_ enrollment: Enrollment) async throws
    /// How many of the workflow's enrollments whose source starts with `prefix` are in each status.
    func enrollmentCounts(workflow: WorkflowID, sourcePrefix prefix: String) async throws -> [EnrollmentStatus: Int]
    /// Ends (`exited`) the active enrollments whose source starts with `prefix`; how many.
    @discardableResult
    func endEnrollments(workflow: WorkflowID, sourcePrefix prefix: String, at now: Date) async throws -> Int

    // Campaigns: a workflow run over an audience from a start time.
    func insert(_ campaign: Campaign) async throws
    func campaign(_ id: CampaignID) async throws -> Campaign?
    func campaigns(business: BusinessID, status: CampaignStatus?, page: PageRequest) async throws -> Page<Campaign>
    func update(_ campaign: Campaign) async throws
    func delete(_ id: CampaignID) async throws

    // Message templates, sent by `send_template` actions.
    func insert(_ template: MessageTemplate) async throws
    func template(_ id: TemplateID) async throws -> MessageTemplate?
    func templates(business: BusinessID, channel: TemplateChannel?, page: PageRequest) async throws -> Page<MessageTemplate>
    func update(_ template: MessageTemplate) async throws
    func delete(_ id: TemplateID) async throws
}

/// How workflows and enrollments are kept as JSON text (both engines).
extension WorkflowRepository {
    public func enroll(_ enrollment: Enrollment, once: Bool) async throws -> Enrollment? {
        try await enroll(enrollment, once: once, reentryAfter: nil)
    }
}

enum WorkflowCoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return encoder
    }()
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }()

    static func text<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
    static func value<T: Decodable>(_ type: T.Type, _ text: String) throws -> T { try decoder.decode(type, from: Data(text.utf8)) }

    static func workflow(
        id: String, business: String, name: String, status: String, definition: String, secret: String, created: Date, updated: Date
    ) throws -> Workflow? {
        guard let status = WorkflowStatus(rawValue: status) else { return nil }
        let definition = try value(Workflow.Definition.self, definition)
        return Workflow(
            id: WorkflowID(rawValue: id), businessId: BusinessID(rawValue: business), name: name, status: status, trigger: definition.trigger,
            conditions: definition.conditions, actions: definition.actions, allowReentry: definition.allowReentry, goal: definition.goal ?? [], secret: secret,
            createdAt: created, updatedAt: updated)
    }

    static func template(
        id: String, business: String, name: String, channel: String, subject: String?, body: String, created: Date, updated: Date
    ) -> MessageTemplate? {
        guard let channel = TemplateChannel(rawValue: channel) else { return nil }
        return MessageTemplate(
            id: TemplateID(rawValue: id), businessId: BusinessID(rawValue: business), name: name, channel: channel, subject: subject, body: body,
            createdAt: created, updatedAt: updated)
    }

    static func campaign(
        id: String, business: String, name: String, workflow: String, audience: String, start: Date, perMinute: Int?, status: String,
        matched: Int, enrolled: Int, started: Date?, created: Date, updated: Date
    ) throws -> Campaign? {
        guard let status = CampaignStatus(rawValue: status) else { return nil }
        return Campaign(
            id: CampaignID(rawValue: id), businessId: BusinessID(rawValue: business), name: name, workflowId: WorkflowID(rawValue: workflow),
            audience: try value(LeadAudience.self, audience), startAt: start, perMinute: perMinute, status: status, matched: matched, enrolled: enrolled,
            startedAt: started, createdAt: created, updatedAt: updated)
    }

    static func enrollment(
        id: String, workflow: String, business: String, lead: String, status: String, step: Int, context: String, log: String, source: String,
        created: Date, updated: Date, finished: Date?
    ) throws -> Enrollment? {
        guard let status = EnrollmentStatus(rawValue: status) else { return nil }
        return Enrollment(
            id: EnrollmentID(rawValue: id), workflowId: WorkflowID(rawValue: workflow), businessId: BusinessID(rawValue: business),
            leadId: LeadID(rawValue: lead), status: status, step: step, context: try value([String: WorkflowValue].self, context),
            log: try value([EnrollmentLogEntry].self, log), source: source, createdAt: created, updatedAt: updated, finishedAt: finished)
    }
}
