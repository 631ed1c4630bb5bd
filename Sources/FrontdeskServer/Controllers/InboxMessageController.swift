import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskStore
import Hummingbird

/// The CRM seed's `/api/messages`: a lead's texts and e-mails (`GET /api/messages/{leadId}`), and a
/// member of the team writing to a contact (`POST /api/messages`) through the business's channel —
/// the outbox in embedded mode. A member who replies on a thread nobody holds takes it: the
/// receptionist does not talk over a person.
struct InboxMessageController {
    let store: Store
    let messenger: Messenger
    let tenancy: Tenancy
    let assignments: Assignments

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(":leadId", use: list)
        group.post(use: send)
    }

    /// A message as the seed shows it, with its channel and thread.
    struct MessageView: Encodable, Sendable {
        let message: Message
        let conversationId: ConversationID?

        enum Key: String, CodingKey {
            case id
            case leadId = "lead_id"
            case conversationId = "conversation_id"
            case channel, direction, content, subject, sender
            case senderId = "sender_id"
            case timestamp, status, error
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(message.id, forKey: .id)
            try container.encode(message.leadId, forKey: .leadId)
            try container.encode(conversationId, forKey: .conversationId)
            try container.encode(message.channel, forKey: .channel)
            try container.encode(message.direction, forKey: .direction)
            try container.encode(message.body, forKey: .content)
            try container.encode(message.subject, forKey: .subject)
            try container.encode(ThreadSender(message), forKey: .sender)
            try container.encode(message.sentBy, forKey: .senderId)
            try container.encode(message.createdAt, forKey: .timestamp)
            try container.encode(message.status, forKey: .status)
            try container.encode(message.error, forKey: .error)
        }
    }

    struct ListView: Encodable, Sendable {
        let messages: [MessageView]
        let pagination: Pagination
    }

    /// The lead's texts and e-mails, oldest first.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> APIResponse<ListView> {
        let claims = try context.requireUser()
        let id = try context.parameters.id("leadId", as: LeadID.self)
        let lead = try await tenancy.owned("Lead", by: claims, load: { try await store.leads.find(id) }, business: \.businessId)
        let page = try QueryReader(request).page()
        // Both channels' newest `offset + limit`, merged: enough for the page asked for.
        let window = PageRequest(page: 1, limit: page.offset + page.limit)
        var all: [Message] = []
        var total = 0
        var threads: [MessageChannel: ConversationID] = [:]
        for channel in MessageChannel.allCases {
            let result = try await store.messages.list(MessageFilter(business: lead.businessId, channel: channel, leadId: lead.id), page: window)
            all += result.items
            total += result.total
            threads[channel] = try await store.inbox.thread(lead: lead.id, channel: ThreadChannel(channel))?.id
        }
        // Newest first from the store (each channel in the order written); merged by time, a tie kept in
        // the store's order. The page counts back from the newest and is shown oldest first.
        let newestFirst = all.enumerated().sorted { ($0.element.createdAt, $1.offset) > ($1.element.createdAt, $0.offset) }.map(\.element)
        let slice = newestFirst.dropFirst(page.offset).prefix(page.limit).reversed()
        return APIResponse(
            ListView(
                messages: slice.map { MessageView(message: $0, conversationId: threads[$0.channel]) },
                pagination: Pagination(page, total: total)))
    }

    struct SendBody: Decodable {
        let leadId: String?
        let conversationId: String?
        let content: String
        let channel: MessageChannel?
        let subject: String?

        enum CodingKeys: String, CodingKey {
            case leadId = "lead_id"
            case conversationId = "conversation_id"
            case content, channel, subject
        }
    }

    struct SentView: Encodable, Sendable {
        let message: MessageView
        let conversation: ConversationThread?
    }

    /// `{"lead_id" | "conversation_id", "content", "channel"?: "sms"|"email", "subject"?}`.
    @Sendable func send(_ request: Request, context: AppRequestContext) async throws -> APIResponse<SentView> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(SendBody.self, context: context)
        var lead: Lead
        var channel: MessageChannel
        if let raw = body.conversationId {
            let id = ConversationID(rawValue: raw)
            let thread = try await tenancy.owned("Conversation", by: claims, load: { try await store.inbox.find(id) }, business: \.businessId)
            var leadId = thread.leadId
            if leadId == nil { leadId = try await store.contacts.leads(of: thread.contactId).first }
            guard let leadId, let found = try await store.leads.find(leadId) else {
                throw AppError.validation(field: "conversation_id", "has no lead to write to")
            }
            lead = found
            channel = body.channel ?? (thread.channel == .email ? .email : .sms)
        } else if let raw = body.leadId {
            let id = LeadID(rawValue: raw)
            lead = try await tenancy.owned("Lead", by: claims, load: { try await store.leads.find(id) }, business: \.businessId)
            channel = body.channel ?? .sms
        } else {
            throw AppError.validation(field: "lead_id", "is required (or conversation_id)")
        }
        let contact = try await store.contacts.link(lead, at: assignments.now())
        let business = try await tenancy.business(lead.businessId, for: claims)
        let text = body.content.trimmingWhitespace()
        var validator = Validator()
        let outbound: OutboundMessage
        switch channel {
        case .sms:
            let phone = lead.phone ?? contact.phone
            validator.check(phone != nil, "lead_id", "has no phone number to text")
            validator.check((1...1600).contains(text.count), "content", "must be 1–1600 characters")
            try validator.throwIfInvalid()
            outbound = OutboundMessage(channel: .sms, to: phone!.e164, body: text)
        case .email:
            let email = lead.email ?? contact.email
            let subject = body.subject?.trimmingWhitespace() ?? "A message from \(business.name)"
            validator.check(email != nil, "lead_id", "has no e-mail address")
            validator.check((1...100_000).contains(text.count), "content", "must be 1–100000 characters")
            validator.check((1...200).contains(subject.count), "subject", "must be 1–200 characters")
            try validator.throwIfInvalid()
            outbound = OutboundMessage(channel: .email, to: email!.value, subject: subject, body: text)
        }
        let message = try await messenger.send(outbound, business: business.id, lead: lead.id, logger: context.logger, sentBy: claims.userId)
        var thread = try await store.inbox.thread(lead: lead.id, channel: ThreadChannel(channel))
        if let current = thread, current.assigneeId == nil {
            thread = try await assignments.change(current, .assigned, actor: claims.userId, assignee: claims.userId, note: "Replied from the inbox")
        }
        let note = message.status == .outbox ? "recorded in the outbox (no provider configured)" : message.status.rawValue
        return APIResponse(
            SentView(message: MessageView(message: message, conversationId: thread?.id), conversation: thread), status: .created,
            message: "Message \(note)")
    }
}
