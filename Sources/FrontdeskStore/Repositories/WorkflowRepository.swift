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
    /// or — with `once` — the lead has any enrollment in the workflow (then returns nil).
    func enroll(_ enrollment: Enrollment, once: Bool) async throws -> Enrollment?
    func enrollment(_ id: EnrollmentID) async throws -> Enrollment?
    func enrollments(workflow: WorkflowID, status: EnrollmentStatus?, page: PageRequest) async throws -> Page<Enrollment>
    /// Writes the enrollment's step, status, variables and log.
    func save(_ enrollment: Enrollment) async throws
}

/// How workflows and enrollments are kept as JSON text (both engines).
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
            conditions: definition.conditions, actions: definition.actions, allowReentry: definition.allowReentry, secret: secret,
            createdAt: created, updatedAt: updated)
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
