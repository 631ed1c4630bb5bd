import Foundation
import FrontdeskCore
import FrontdeskStore
import FrontdeskWire
import Hummingbird
import Logging

/// Businesses the caller belongs to: list (search, pages), create, read, update (settings merge), delete.
struct BusinessController {
    let store: Store
    let now: @Sendable () -> Date
    let tenancy: Tenancy

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.post(use: create)
        group.get(":id", use: get)
        group.put(":id", use: update)
        group.delete(":id", use: delete)
        group.get(":id/members", use: members)
        group.post(":id/members", use: addMember)
    }

    struct ListView: Encodable, Sendable {
        let businesses: [Business]
        let pagination: Pagination
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> APIResponse<ListView> {
        let claims = try context.requireUser()
        let query = QueryReader(request)
        let page = try query.page()
        let search = query.string("search")
        if let search, search.count > 200 { throw AppError.validation(field: "search", "must be at most 200 characters") }
        let result = try await store.businesses.list(for: claims.userId, search: search, page: page)
        return APIResponse(ListView(businesses: result.items, pagination: Pagination(page, total: result.total)))
    }

    struct CreateBody: Decodable {
        let name: String
        let settings: BusinessSettings?
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Business> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(CreateBody.self, context: context)
        let name = try Self.validName(body.name)
        let now = now()
        let business = Business(
            id: .generate(), name: name, settings: body.settings ?? .default, createdAt: now, updatedAt: now)
        try await store.businesses.create(business, owner: claims.userId)
        return APIResponse(business, status: .created, message: "Business created")
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Business> {
        let claims = try context.requireUser()
        let id = try context.parameters.id("id", as: BusinessID.self)
        return APIResponse(try await tenancy.business(id, for: claims))
    }

    struct UpdateBody: Decodable {
        let name: String?
        /// Merged key by key into the stored settings: `{"timezone": …}` changes only the zone.
        let settings: [String: JSONValue]?
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Business> {
        let claims = try context.requireUser()
        let id = try context.parameters.id("id", as: BusinessID.self)
        var request = request
        let body = try await request.decodeJSON(UpdateBody.self, context: context)
        var business = try await tenancy.business(id, for: claims, minimum: .admin)
        if let name = body.name { business.name = try Self.validName(name) }
        if let patch = body.settings {
            business.settings = try Self.merge(patch, into: business.settings)
        }
        business.updatedAt = now()
        try await store.businesses.update(business)
        return APIResponse(business, message: "Business updated")
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Deleted> {
        let claims = try context.requireUser()
        let id = try context.parameters.id("id", as: BusinessID.self)
        _ = try await tenancy.business(id, for: claims, minimum: .admin)
        try await store.businesses.delete(id)
        return APIResponse(Deleted(id: id.rawValue), message: "Business deleted")
    }

    struct MemberBody: Decodable {
        let email: String
        let role: Role
    }

    struct MemberView: Encodable, Sendable {
        let userId: UserID
        let email: EmailAddress
        let firstName: String?
        let lastName: String?
        let role: Role
        let createdAt: Date
        enum CodingKeys: String, CodingKey {
            case userId = "user_id"
            case email
            case firstName = "first_name"
            case lastName = "last_name"
            case role
            case createdAt = "created_at"
        }
    }

    struct MemberList: Encodable, Sendable { let members: [MemberView] }

    /// `GET /businesses/{id}/members`: who belongs to the business, with their roles (any member may look).
    @Sendable func members(_ request: Request, context: AppRequestContext) async throws -> APIResponse<MemberList> {
        let claims = try context.requireUser()
        let id = try context.parameters.id("id", as: BusinessID.self)
        _ = try await tenancy.business(id, for: claims)
        var members: [MemberView] = []
        for membership in try await store.users.members(of: id) {
            guard let user = try await store.users.find(membership.userId) else { continue }
            members.append(
                MemberView(
                    userId: user.id, email: user.email, firstName: user.firstName, lastName: user.lastName, role: membership.role,
                    createdAt: membership.createdAt))
        }
        return APIResponse(MemberList(members: members))
    }

    /// Gives an existing account a role in this business (or changes its role). Admins only.
    @Sendable func addMember(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Membership> {
        let claims = try context.requireUser()
        let id = try context.parameters.id("id", as: BusinessID.self)
        var request = request
        let body = try await request.decodeJSON(MemberBody.self, context: context)
        _ = try await tenancy.business(id, for: claims, minimum: .admin)
        guard let email = EmailAddress(body.email), let user = try await store.users.find(email: email) else {
            throw AppError.validation(field: "email", "has no Frontdesk account; ask them to register first")
        }
        guard user.id != claims.userId else {
            throw AppError.validation(field: "email", "is your own account; you cannot change your own role")
        }
        let membership = Membership(userId: user.id, businessId: id, role: body.role, createdAt: now())
        try await store.users.addMembership(membership)
        return APIResponse(membership, status: .created, message: "Member added as \(body.role.rawValue)")
    }

    static func validName(_ raw: String) throws(AppError) -> String {
        let name = raw.trimmingWhitespace()
        guard (1...200).contains(name.count) else {
            throw AppError.validation(field: "name", "must be 1–200 characters")
        }
        return name
    }

    /// Applies a partial settings object over the stored settings and validates the result.
    static func merge(_ patch: [String: JSONValue], into settings: BusinessSettings) throws -> BusinessSettings {
        let current = try APIJSON.decoder.decode(
            [String: JSONValue].self, from: APIJSON.encoder.encode(settings))
        let merged = current.merging(patch) { _, new in new }
        let data = try APIJSON.encoder.encode(merged)
        do {
            return try APIJSON.decoder.decode(BusinessSettings.self, from: data)
        } catch let error as DecodingError {
            let appError = Request.appError(from: error, body: data)
            let details = appError.details.map { details in
                Dictionary(uniqueKeysWithValues: details.map { ("settings." + $0.key, $0.value) })
            }
            throw AppError(.validationError, "Validation failed", details: details)
        }
    }
}
