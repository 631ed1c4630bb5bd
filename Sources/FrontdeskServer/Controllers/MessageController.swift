import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskStore
import Hummingbird
import Logging

/// `GET|POST /sms` and `GET|POST /emails`: the message log of one channel, and sending on it.
struct MessageController {
    let store: Store
    let messenger: Messenger
    let tenancy: Tenancy
    let channel: MessageChannel

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.post(use: send)
    }

    struct ListView: Encodable, Sendable {
        let messages: [Message]
        let pagination: Pagination
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> APIResponse<ListView> {
        let claims = try context.requireUser()
        let query = QueryReader(request)
        let business = try await tenancy.businessId(query.string("business_id"), for: claims)
        let filter = MessageFilter(
            business: business, channel: channel, leadId: query.string("lead_id").map(LeadID.init(rawValue:)),
            status: try query.enum("status", MessageStatus.self))
        let page = try query.page()
        let result = try await store.messages.list(filter, page: page)
        return APIResponse(ListView(messages: result.items, pagination: Pagination(page, total: result.total)))
    }

    /// SMS: `{business_id, lead_id?, phone?, message}`; e-mail: `{business_id, lead_id?, to?, subject, content}`.
    struct SendBody: Decodable {
        let businessId: String
        let leadId: String?
        let phone: PhoneNumber?
        let to: EmailAddress?
        let subject: String?
        let message: String?
        let content: String?

        enum CodingKeys: String, CodingKey {
            case businessId = "business_id"
            case leadId = "lead_id"
            case phone, to, subject, message, content
        }
    }

    @Sendable func send(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Message> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(SendBody.self, context: context)
        let business = try await tenancy.business(BusinessID(rawValue: body.businessId), for: claims)
        var lead: Lead?
        if let raw = body.leadId {
            lead = try await store.leads.find(LeadID(rawValue: raw))
            guard lead?.businessId == business.id else {
                throw AppError.validation(field: "lead_id", "is not a lead of this business")
            }
        }
        var validator = Validator()
        let outbound: OutboundMessage
        switch channel {
        case .sms:
            let phone = body.phone ?? lead?.phone
            let text = body.message?.trimmingWhitespace() ?? ""
            validator.check(phone != nil, "phone", "is required (or a lead_id whose lead has a phone)")
            validator.check((1...1600).contains(text.count), "message", "must be 1–1600 characters")
            try validator.throwIfInvalid()
            outbound = OutboundMessage(channel: .sms, to: phone!.e164, from: nil, body: text)
        case .email:
            let to = body.to ?? lead?.email
            let subject = body.subject?.trimmingWhitespace() ?? ""
            let content = body.content ?? ""
            validator.check(to != nil, "to", "is required (or a lead_id whose lead has an email)")
            validator.check((1...200).contains(subject.count), "subject", "must be 1–200 characters")
            validator.check((1...100_000).contains(content.count), "content", "must be 1–100000 characters")
            try validator.throwIfInvalid()
            outbound = OutboundMessage(channel: .email, to: to!.value, subject: subject, body: content)
        }
        let message = try await messenger.send(outbound, business: business.id, lead: lead?.id, logger: context.logger)
        let note = message.status == .outbox ? "recorded in the outbox (no provider configured)" : message.status.rawValue
        return APIResponse(message, status: .created, message: "\(channel == .sms ? "SMS" : "Email") \(note)")
    }
}
