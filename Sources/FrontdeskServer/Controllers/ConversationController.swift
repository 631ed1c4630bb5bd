import Foundation
import FrontdeskCore
import FrontdeskStore
import Hummingbird

/// Assigning threads to the team, shared by the inbox's routes, a member's reply and a call taken over:
/// the change is kept in the thread's history and published as `conversation.assigned`.
struct Assignments: Sendable {
    let store: Store
    let now: @Sendable () -> Date

    /// The member `raw` names (nil: the caller), checked to belong to the thread's business.
    func member(_ raw: String?, business: BusinessID, claims: AccessClaims) async throws -> UserID {
        guard let raw, !raw.isEmpty else { return claims.userId }
        let user = UserID(rawValue: raw)
        guard try await store.users.role(of: user, in: business) != nil else {
            throw AppError.validation(field: "assignee_id", "is not a member of this business")
        }
        return user
    }

    /// Applies `kind` (by `actor`, to `assignee`); the thread as it is now, changed or not.
    @discardableResult
    func change(
        _ thread: ConversationThread, _ kind: ConversationChangeKind, actor: UserID?, assignee: UserID?, note: String? = nil
    ) async throws -> ConversationThread {
        let change = ConversationChange(
            conversationId: thread.id, kind: kind, actorId: actor, assigneeId: assignee, note: note, createdAt: now())
        guard let updated = try await store.inbox.apply(change) else { return thread }
        guard kind != .closed, kind != .reopened else { return updated }
        await store.feed.publish(.conversationAssigned, business: thread.businessId, data: AssignedView(conversation: updated, change: change), at: change.createdAt)
        return updated
    }

    /// `conversation.assigned`: the thread as it is now and the change that made it so.
    struct AssignedView: Encodable, Sendable {
        let conversation: ConversationThread
        let change: ConversationChange
    }
}

/// `/api/conversations`: the inbox — one thread per contact and channel (calls with their transcripts,
/// texts, e-mails), filtered by channel, status, assignee, unread and lead; a thread's lines and
/// history; assigning a thread to a member (the receptionist goes quiet on it) and giving it back.
struct ConversationController {
    let store: Store
    let tenancy: Tenancy
    let assignments: Assignments

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.get(":id", use: get)
        group.get(":id/messages", use: messages)
        group.put(":id/read", use: read)
        group.post(":id/assign", use: assign)
        group.post(":id/release", use: release)
        group.post(":id/close", use: close)
        group.post(":id/reopen", use: reopen)
    }

    /// A thread in the inbox, with who it is with.
    struct ThreadView: Encodable, Sendable {
        let thread: ConversationThread
        let contact: Contact?

        func encode(to encoder: any Encoder) throws {
            try thread.encode(to: encoder)
            var container = encoder.container(keyedBy: AnyKey.self)
            try container.encode(contact.map(ContactSummary.init), forKey: AnyKey("contact"))
            try container.encode(contact?.name ?? contact?.phone?.e164 ?? contact?.email?.value, forKey: AnyKey("lead_name"))
        }
    }

    struct ContactSummary: Encodable, Sendable {
        let id: ContactID
        let name: String?
        let phone: PhoneNumber?
        let email: EmailAddress?

        init(_ contact: Contact) {
            id = contact.id
            name = contact.name
            phone = contact.phone
            email = contact.email
        }
    }

    struct ListView: Encodable, Sendable {
        let conversations: [ThreadView]
        let pagination: Pagination
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> APIResponse<ListView> {
        let claims = try context.requireUser()
        let query = QueryReader(request)
        let business = try await tenancy.businessId(query.string("business_id"), for: claims)
        var filter = ConversationFilter(
            business: business, channel: try query.enum("channel", ThreadChannel.self), status: try query.enum("status", ThreadStatus.self),
            unread: try query.bool("unread"), lead: query.string("lead_id").map(LeadID.init(rawValue:)),
            contact: query.string("contact_id").map(ContactID.init(rawValue:)))
        switch query.string("assignee") {
        case nil: break
        case "me": filter.assignee = claims.userId
        case "none": filter.assigned = false
        case "any": filter.assigned = true
        case let raw?: filter.assignee = UserID(rawValue: raw)
        }
        let page = try query.page()
        let result = try await store.inbox.list(filter, page: page)
        var views: [ThreadView] = []
        for thread in result.items { views.append(ThreadView(thread: thread, contact: try await store.contacts.find(thread.contactId))) }
        return APIResponse(ListView(conversations: views, pagination: Pagination(page, total: result.total)))
    }

    func thread(_ context: AppRequestContext) async throws -> (ConversationThread, AccessClaims) {
        let claims = try context.requireUser()
        let id = try context.parameters.id("id", as: ConversationID.self)
        let thread = try await tenancy.owned("Conversation", by: claims, load: { try await store.inbox.find(id) }, business: \.businessId)
        return (thread, claims)
    }

    struct DetailView: Encodable, Sendable {
        let thread: ThreadView
        let history: [ConversationChange]

        func encode(to encoder: any Encoder) throws {
            try thread.encode(to: encoder)
            var container = encoder.container(keyedBy: AnyKey.self)
            try container.encode(history, forKey: AnyKey("history"))
        }
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> APIResponse<DetailView> {
        let (thread, _) = try await thread(context)
        return APIResponse(try await detail(thread))
    }

    func detail(_ thread: ConversationThread) async throws -> DetailView {
        DetailView(
            thread: ThreadView(thread: thread, contact: try await store.contacts.find(thread.contactId)),
            history: try await store.inbox.history(of: thread.id))
    }

    struct MessagesView: Encodable, Sendable {
        let messages: [ThreadMessage]
        let pagination: Pagination
    }

    /// The thread's lines, oldest first (`page`/`limit` as everywhere).
    @Sendable func messages(_ request: Request, context: AppRequestContext) async throws -> APIResponse<MessagesView> {
        let (thread, _) = try await thread(context)
        let page = try QueryReader(request).page()
        let result = try await store.inbox.messages(of: thread, page: page)
        return APIResponse(MessagesView(messages: result.items, pagination: Pagination(page, total: result.total)))
    }

    @Sendable func read(_ request: Request, context: AppRequestContext) async throws -> APIResponse<DetailView> {
        var (thread, _) = try await thread(context)
        try await store.inbox.markRead(thread.id, at: assignments.now())
        thread.unreadCount = 0
        return APIResponse(try await detail(thread), message: "Conversation marked as read")
    }

    struct AssignBody: Decodable {
        let assigneeId: String?
        let note: String?

        enum CodingKeys: String, CodingKey {
            case assigneeId = "assignee_id"
            case note
        }
    }

    /// `{"assignee_id"?, "note"?}` — the caller when no assignee is named.
    @Sendable func assign(_ request: Request, context: AppRequestContext) async throws -> APIResponse<DetailView> {
        let (thread, claims) = try await thread(context)
        var request = request
        let body = try await request.decodeJSONIfPresent(AssignBody.self, context: context)
        if let note = body?.note, note.count > 1000 { throw AppError.validation(field: "note", "must be at most 1000 characters") }
        let assignee = try await assignments.member(body?.assigneeId, business: thread.businessId, claims: claims)
        let updated = try await assignments.change(thread, .assigned, actor: claims.userId, assignee: assignee, note: body?.note)
        return APIResponse(try await detail(updated), message: "Conversation assigned: the receptionist will not answer on it until it is released")
    }

    @Sendable func release(_ request: Request, context: AppRequestContext) async throws -> APIResponse<DetailView> {
        let (thread, claims) = try await thread(context)
        let updated = try await assignments.change(thread, .released, actor: claims.userId, assignee: nil)
        return APIResponse(try await detail(updated), message: "Conversation released: the receptionist answers on it again")
    }

    @Sendable func close(_ request: Request, context: AppRequestContext) async throws -> APIResponse<DetailView> {
        let (thread, claims) = try await thread(context)
        let updated = try await assignments.change(thread, .closed, actor: claims.userId, assignee: thread.assigneeId)
        return APIResponse(try await detail(updated), message: "Conversation closed")
    }

    @Sendable func reopen(_ request: Request, context: AppRequestContext) async throws -> APIResponse<DetailView> {
        let (thread, claims) = try await thread(context)
        let updated = try await assignments.change(thread, .reopened, actor: claims.userId, assignee: thread.assigneeId)
        return APIResponse(try await detail(updated), message: "Conversation reopened")
    }
}
