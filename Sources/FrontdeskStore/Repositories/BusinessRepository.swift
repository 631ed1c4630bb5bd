import Foundation
import FrontdeskCore

public protocol BusinessRepository: Sendable {
    func find(_ id: BusinessID) async throws -> Business?

    /// The businesses `user` belongs to, optionally filtered by name, newest first.
    func list(for user: UserID, search: String?, page: PageRequest) async throws -> Page<Business>

    /// Creates a business with `owner` as its admin.
    func create(_ business: Business, owner: UserID) async throws

    func update(_ business: Business) async throws

    /// Deletes the business and, by cascade, everything it owns.
    func delete(_ id: BusinessID) async throws

    func count() async throws -> Int
}
