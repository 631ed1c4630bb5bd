import Foundation
import FrontdeskCore
import FrontdeskStore
import Hummingbird

/// `/api/contacts` (the CRM seed's): the people a business deals with — one per person however many
/// leads, calls and threads; made and merged from leads by phone and e-mail, or created by hand.
struct ContactController {
    let store: Store
    let now: @Sendable () -> Date
    let tenancy: Tenancy

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.post(use: create)
        group.get(":id", use: get)
        group.put(":id", use: update)
        group.delete(":id", use: delete)
    }

    struct ListView: Encodable, Sendable {
        let contacts: [Contact]
        let total: Int
        let pagination: Pagination
    }

    /// `business_id`, `search`, `tags` (comma-separated, all required), `status`, `sort` (name, company,
    /// createdAt, lastContactDate), `order` (asc, desc).
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> APIResponse<ListView> {
        let claims = try context.requireUser()
        let query = QueryReader(request)
        let business = try await tenancy.businessId(query.string("business_id"), for: claims)
        var validator = Validator()
        let search = query.string("search")
        validator.check((search?.count ?? 0) <= 200, "search", "must be at most 200 characters")
        let tags = (query.string("tags") ?? "").split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        validator.check(tags.count <= 20, "tags", "must name at most 20 tags")
        var sort = ContactSort.createdAt
        if let raw = query.string("sort") {
            if let value = ContactSort(rawValue: raw) ?? (raw == "created_at" ? .createdAt : raw == "last_contact_date" ? .lastContact : nil) {
                sort = value
            } else {
                validator.add("sort", "must be one of name, company, createdAt, lastContactDate")
            }
        }
        var ascending = sort == .name || sort == .company
        switch query.string("order") {
        case nil: break
        case "asc": ascending = true
        case "desc": ascending = false
        default: validator.add("order", "must be asc or desc")
        }
        let status = try query.enum("status", ContactStatus.self)
        try validator.throwIfInvalid()
        let page = try query.page()
        let result = try await store.contacts.list(
            ContactFilter(business: business, search: search, tags: tags, status: status, sort: sort, ascending: ascending), page: page)
        return APIResponse(ListView(contacts: result.items, total: result.total, pagination: Pagination(page, total: result.total)))
    }

    struct Body: Decodable {
        let businessId: String?
        let name: String?
        let email: EmailAddress?
        let phone: PhoneNumber?
        let company: String?
        let position: String?
        let tags: [String]?
        let status: ContactStatus?
        let notes: String?

        enum CodingKeys: String, CodingKey {
            case businessId = "business_id"
            case name, email, phone, company, position, tags, status, notes
        }

        func validate(requireIdentity: Bool) throws {
            var validator = Validator()
            validator.check((name?.count ?? 0) <= 200, "name", "must be at most 200 characters")
            validator.check((company?.count ?? 0) <= 200, "company", "must be at most 200 characters")
            validator.check((position?.count ?? 0) <= 200, "position", "must be at most 200 characters")
            validator.check((notes?.count ?? 0) <= 10_000, "notes", "must be at most 10000 characters")
            if let tags {
                validator.check(tags.count <= 50, "tags", "must be at most 50 tags")
                validator.check(tags.allSatisfy { (1...50).contains($0.trimmingWhitespace().count) }, "tags", "must each be 1–50 characters")
            }
            if requireIdentity {
                validator.check(
                    name?.trimmingWhitespace().isEmpty == false || email != nil || phone != nil, "name", "is required (or an email or phone)")
            }
            try validator.throwIfInvalid()
        }
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Contact> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(Body.self, context: context)
        let business = try await tenancy.businessId(body.businessId, for: claims)
        try body.validate(requireIdentity: true)
        let time = now()
        let contact = Contact(
            id: .generate(), businessId: business, name: body.name?.trimmingWhitespace(), phone: body.phone, email: body.email,
            company: body.company, position: body.position, tags: Self.tags(body.tags ?? []), status: body.status ?? .active, notes: body.notes,
            createdAt: time, updatedAt: time)
        try await store.contacts.insert(contact)
        return APIResponse(contact, status: .created, message: "Contact created")
    }

    static func tags(_ raw: [String]) -> [String] {
        var seen: [String] = []
        for tag in raw.map({ $0.trimmingWhitespace() }) where !seen.contains(tag) { seen.append(tag) }
        return seen
    }

    struct DetailView: Encodable, Sendable {
        let contact: Contact
        let leadIds: [LeadID]
        let conversations: [ConversationThread]

        func encode(to encoder: any Encoder) throws {
            try contact.encode(to: encoder)
            var container = encoder.container(keyedBy: AnyKey.self)
            try container.encode(leadIds, forKey: AnyKey("lead_ids"))
            try container.encode(conversations, forKey: AnyKey("conversations"))
        }
    }

    func load(_ context: AppRequestContext) async throws -> (Contact, AccessClaims) {
        let claims = try context.requireUser()
        let id = try context.parameters.id("id", as: ContactID.self)
        return (try await tenancy.owned("Contact", by: claims, load: { try await store.contacts.find(id) }, business: \.businessId), claims)
    }

    func detail(_ contact: Contact) async throws -> DetailView {
        let threads = try await store.inbox.list(ConversationFilter(business: contact.businessId, contact: contact.id), page: PageRequest(page: 1, limit: 100))
        return DetailView(contact: contact, leadIds: try await store.contacts.leads(of: contact.id), conversations: threads.items)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> APIResponse<DetailView> {
        let (contact, _) = try await load(context)
        return APIResponse(try await detail(contact))
    }

    /// Fields given are set (`null` is not a value: a field left out keeps what it had).
    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> APIResponse<DetailView> {
        var (contact, claims) = try await load(context)
        try await tenancy.authorize(claims, business: contact.businessId)
        let tagsBefore = contact.tags
        var request = request
        let body = try await request.decodeJSON(Body.self, context: context)
        try body.validate(requireIdentity: false)
        if let name = body.name { contact.name = name.trimmingWhitespace() }
        if let email = body.email { contact.email = email }
        if let phone = body.phone { contact.phone = phone }
        if let company = body.company { contact.company = company }
        if let position = body.position { contact.position = position }
        if let tags = body.tags { contact.tags = Self.tags(tags) }
        if let status = body.status { contact.status = status }
        if let notes = body.notes { contact.notes = notes }
        contact.updatedAt = now()
        try await store.contacts.update(contact)
        await store.contactTagged(contact, added: contact.tags.filter { !tagsBefore.contains($0) }, at: contact.updatedAt)
        return APIResponse(try await detail(contact), message: "Contact updated")
    }

    /// Deletes the contact and its threads (admins and users); its leads, calls and messages stay.
    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Deleted> {
        let (contact, claims) = try await load(context)
        try await tenancy.authorize(claims, business: contact.businessId, minimum: .user)
        try await store.contacts.delete(contact.id)
        return APIResponse(Deleted(id: contact.id.rawValue), message: "Contact deleted")
    }
}
