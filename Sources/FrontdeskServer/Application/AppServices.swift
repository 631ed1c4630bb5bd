import Foundation
import FrontdeskCore
import FrontdeskStore

/// What the controllers share: storage, tokens, hashing, messaging, the clock.
struct AppServices: Sendable {
    let configuration: AppConfiguration
    let store: Store
    let tokens: TokenService
    let passwords: PasswordHasher
    let messenger: Messenger
    let now: @Sendable () -> Date
    /// When this process started (for uptime).
    let startedAt: Date

    var tenancy: Tenancy { Tenancy(store: store) }

    /// The business, or 404 — after checking the caller belongs to it with at least `minimum`.
    func business(_ id: BusinessID, for claims: AccessClaims, minimum: Role = .agent) async throws -> Business {
        try await tenancy.authorize(claims, business: id, minimum: minimum)
        guard let business = try await store.businesses.find(id) else { throw AppError.notFound("Business") }
        return business
    }
}
