import Foundation
import FrontdeskCore

public protocol UserRepository: Sendable {
    func find(_ id: UserID) async throws -> User?

    func find(email: EmailAddress) async throws -> User?

    /// Creates a user together with its first business, as its admin — in one transaction.
    /// Throws `RESOURCE_ALREADY_EXISTS` when the e-mail is taken.
    func register(_ user: User, business: Business) async throws

    func updatePassword(_ id: UserID, hash: String, at now: Date) async throws

    /// The user's role in a business, or nil when not a member.
    func role(of user: UserID, in business: BusinessID) async throws -> Role?

    func memberships(of user: UserID) async throws -> [Membership]

    /// Who belongs to `business`, oldest membership first.
    func members(of business: BusinessID) async throws -> [Membership]

    func addMembership(_ membership: Membership) async throws
}
