import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskStore
import Hummingbird

/// `/api/templates`: a business's reusable texts and e-mails with mustache variables, sent by
/// workflows' `send_template` actions (and so by campaigns). A variable no workflow knows is refused
/// when the template is saved, not discovered as a blank in a customer's text. `preview` renders one
/// for a lead as it would go out now.
struct TemplateController {
    let store: Store
    let now: @Sendable () -> Date
    let tenancy: Tenancy

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.post(use: create)
        group.get(":id", use: get)
        group.put(":id", use: update)
        group.delete(":id", use: delete)
        group.post(":id/preview", use: preview)
    }

    struct TemplateView: Encodable, Sendable {
        let template: MessageTemplate

        enum Keys: String, CodingKey {
            case id, name, channel, subject, body, variables
            case businessId = "business_id"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(template.id, forKey: .id)
            try c.encode(template.businessId, forKey: .businessId)
            try c.encode(template.name, forKey: .name)
            try c.encode(template.channel, forKey: .channel)
            try c.encode(template.subject, forKey: .subject)
            try c.encode(template.body, forKey: .body)
            try c.encode(Array(Set(WorkflowTemplate.variables(in: (template.subject ?? "") + " " + template.body))).sorted(), forKey: .variables)
            try c.encode(template.createdAt, forKey: .createdAt)
            try c.encode(template.updatedAt, forKey: .updatedAt)
        }
    }

    struct ListView: Encodable, Sendable {
        let templates: [TemplateView]
        let pagination: Pagination
    }

    struct Body: Decodable {
        let businessId: String?
        let name: String?
        let channel: TemplateChannel?
        let subject: String?
        let body: String?

        enum CodingKeys: String, CodingKey {
            case name, channel, subject, body
            case businessId = "business_id"
        }
    }

    struct Preview: Encodable, Sendable {
        let channel: TemplateChannel
        let to: String?
        let subject: String?
        let body: String
    }

    /// A name, a body within the channel's length (1,600 for a text, 20,000 for an e-mail), a subject
    /// for an e-mail, and only variables a workflow knows.
    private func checked(_ template: MessageTemplate) throws -> MessageTemplate {
        var template = template
        template.name = template.name.trimmingWhitespace()
        template.body = template.body.trimmingWhitespace()
        template.subject = template.channel == .email ? template.subject?.trimmingWhitespace() : nil
        var validator = Validator()
        validator.check((1...200).contains(template.name.count), "name", "must be 1–200 characters")
        let limit = template.channel == .sms ? 1600 : 20_000
        validator.check((1...limit).contains(template.body.count), "body", "must be 1–\(limit) characters for \(template.channel == .sms ? "a text" : "an e-mail")")
        if template.channel == .email { validator.check((1...200).contains(template.subject?.count ?? 0), "subject", "is required for an e-mail: 1–200 characters") }
        let unknown = template.unknownVariables
        validator.check(
            unknown.isEmpty, "body",
            "uses variables no workflow has: \(unknown.map { "{{\($0)}}" }.joined(separator: ", ")) (known: \(WorkflowField.known.sorted().joined(separator: ", ")))")
        try validator.throwIfInvalid()
        return template
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> APIResponse<ListView> {
        let claims = try context.requireUser()
        let query = QueryReader(request)
        let page = try query.page()
        let business = try await tenancy.businessId(query.string("business_id"), for: claims)
        let result = try await store.workflows.templates(business: business, channel: try query.enum("channel", TemplateChannel.self), page: page)
        return APIResponse(ListView(templates: result.items.map(TemplateView.init), pagination: Pagination(page, total: result.total)))
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> APIResponse<TemplateView> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(Body.self, context: context)
        let business = try await tenancy.businessId(body.businessId, for: claims, minimum: .user)
        var validator = Validator()
        validator.check(body.name != nil, "name", "is required")
        validator.check(body.channel != nil, "channel", "is required: sms or email")
        validator.check(body.body != nil, "body", "is required")
        try validator.throwIfInvalid()
        let time = now()
        let template = try checked(
            MessageTemplate(
                businessId: business, name: body.name!, channel: body.channel!, subject: body.subject, body: body.body!, createdAt: time, updatedAt: time))
        try await store.workflows.insert(template)
        return APIResponse(TemplateView(template: template), status: .created, message: "Template created")
    }

    private func template(_ context: AppRequestContext, _ claims: AccessClaims, minimum: Role = .agent) async throws -> MessageTemplate {
        let id = try context.parameters.require("id")
        return try await tenancy.owned(
            "Template", by: claims, minimum: minimum, load: { try await store.workflows.template(TemplateID(rawValue: id)) }, business: \.businessId)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> APIResponse<TemplateView> {
        let claims = try context.requireUser()
        return APIResponse(TemplateView(template: try await template(context, claims)))
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> APIResponse<TemplateView> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(Body.self, context: context)
        var template = try await template(context, claims, minimum: .user)
        if let name = body.name { template.name = name }
        if let channel = body.channel { template.channel = channel }
        if let subject = body.subject { template.subject = subject }
        if let text = body.body { template.body = text }
        template.updatedAt = now()
        template = try checked(template)
        try await store.workflows.update(template)
        return APIResponse(TemplateView(template: template), message: "Template updated; workflows using it send the new wording")
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Deleted> {
        let claims = try context.requireUser()
        let template = try await template(context, claims, minimum: .user)
        let users = try await WorkflowController.workflows(of: template.businessId, store: store).filter { workflow in
            workflow.actions.contains { if case .sendTemplate(let id) = $0 { id == template.id } else { false } }
        }
        guard users.isEmpty else {
            throw AppError.validation(field: "id", "is used by \(users.map { "\"\($0.name)\" (\($0.id))" }.joined(separator: ", ")); change those first")
        }
        try await store.workflows.delete(template.id)
        return APIResponse(Deleted(id: template.id.rawValue), message: "Template deleted")
    }

    @Sendable func preview(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Preview> {
        let claims = try context.requireUser()
        var request = request
        struct PreviewBody: Decodable {
            let leadId: String?
            enum CodingKeys: String, CodingKey { case leadId = "lead_id" }
        }
        let body = try await request.decodeJSON(PreviewBody.self, context: context)
        let template = try await template(context, claims)
        guard let leadId = body.leadId else { throw AppError.validation(field: "lead_id", "is required: the lead to render it for") }
        guard let lead = try await store.leads.find(LeadID(rawValue: leadId)), lead.businessId == template.businessId else {
            throw AppError.validation(field: "lead_id", "is not a lead of this business")
        }
        guard let business = try await store.businesses.find(template.businessId) else { throw AppError.notFound("Business") }
        let variables = try await WorkflowEngine.context(lead: lead, business: business, store: store, now: now())
        return APIResponse(
            Preview(
                channel: template.channel, to: template.channel == .sms ? lead.phone?.e164 : lead.email?.value,
                subject: template.subject.map { WorkflowTemplate.render($0, variables) }, body: WorkflowTemplate.render(template.body, variables)))
    }
}
