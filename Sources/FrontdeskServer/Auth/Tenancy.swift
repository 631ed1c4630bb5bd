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
    func business(_ raw: String?, for claims: AccessClaims, minimum: Role = .agent) async throws -> BusinessID {
        guard let raw, !raw.isEmpty else { throw AppError.validation(field: "business_id", "is required") }
        let id = BusinessID(rawValue: raw)
        try await authorize(claims, business: id, minimum: minimum)
        return id
    }
}
