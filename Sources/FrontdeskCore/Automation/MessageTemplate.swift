import Foundation

public enum TemplateTag: IdentifierPrefixed { public static let idPrefix = "template" }
public typealias TemplateID = Identifier<TemplateTag>

public enum TemplateChannel: String, Sendable, Codable, CaseIterable {
    case sms, email
}

/// A business's reusable message: a text or an e-mail with mustache variables
/// (`{{contact.first_name}}`), sent by a workflow's `send_template` action. Edited once, every workflow
/// and campaign using it sends the new wording from then on.
public struct MessageTemplate: Sendable, Hashable {
    public var id: TemplateID
    public var businessId: BusinessID
    public var name: String
    public var channel: TemplateChannel
    /// E-mail only.
    public var subject: String?
    public var body: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: TemplateID = .generate(), businessId: BusinessID, name: String, channel: TemplateChannel, subject: String?, body: String, createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.businessId = businessId
        self.name = name
        self.channel = channel
        self.subject = subject
        self.body = body
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The variables its subject and body use that no workflow knows (they would render empty).
    public var unknownVariables: [String] {
        let used = WorkflowTemplate.variables(in: body) + WorkflowTemplate.variables(in: subject ?? "")
        return Array(Set(used.filter { !WorkflowField.known.contains($0) })).sorted()
    }
}

extension WorkflowTemplate {
    /// The variable names a template uses, in order.
    public static func variables(in template: String) -> [String] {
        var names: [String] = []
        var rest = template[...]
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            names.append(rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces))
            rest = rest[close.upperBound...]
        }
        return names
    }
}
