import FrontdeskCore
import FrontdeskStore

/// Who may touch which business. A business the caller does not belong to does not exist for it:
/// every miss is 404 `RESOURCE_NOT_FOUND`, so nothing hints at another tenant's data.
struct Tenancy: Sendable {
    let store: Store

    /// The caller's role in `business`; 404 when not a member, 403 when the role is below `minimum`.
    @discardableResult
    func authorize(_ claims: AccessClaims, business: BusinessID, minimum: Role = .agent) async throws -> Role {
        guard let role = try await store.users.role(of: claims.userId, in: business) else {
            throw AppError.notFound("Business")
        }
        guard role >= minimum else { throw AppError.forbidden }
        return role
    }

    /// The `business_id` query parameter (or body field), checked for membership.
    func businessId(_ raw: String?, for claims: AccessClaims, minimum: Role = .agent) async throws -> BusinessID {
        guard let raw, !raw.isEmpty else { throw AppError.validation(field: "business_id", "is required") }
        let id = BusinessID(rawValue: raw)
        try await authorize(claims, business: id, minimum: minimum)
        return id
    }

    /// A resource loaded by id that the caller may see (with at least `minimum`): 404 when it does not
    /// exist or belongs to a business the caller is not a member of, 403 when the role is too low.
    func owned<Resource>(
        _ what: String, by claims: AccessClaims, minimum: Role = .agent, load: () async throws -> Resource?,
        business: (Resource) -> BusinessID
    ) async throws -> Resource {
        guard let resource = try await load(),
            try await store.users.role(of: claims.userId, in: business(resource)) != nil
        else { throw AppError.notFound(what) }
        try await authorize(claims, business: business(resource), minimum: minimum)
        return resource
    }

    /// The business named by a `business_id` query value: 422 when missing, 404 when the caller is
    /// not a member (or it does not exist).
    func business(queryValue raw: String?, for claims: AccessClaims, minimum: Role = .agent) async throws -> Business {
        try await business(try await businessId(raw, for: claims, minimum: minimum), for: claims, minimum: minimum)
    }

    /// The business, or 404 — after checking the caller belongs to it with at least `minimum`.
    func business(_ id: BusinessID, for claims: AccessClaims, minimum: Role = .agent) async throws -> Business {
        try await authorize(claims, business: id, minimum: minimum)
        guard let business = try await store.businesses.find(id) else { throw AppError.notFound("Business") }
        return business
    }
}
