import Foundation
import FrontdeskCore

/// A member of a business, as notifications address them.
public struct TeamMember: Sendable, Hashable {
    public let userId: UserID
    public let email: EmailAddress
    public let firstName: String?
    public let role: Role
    /// Their phone, channels and quiet hours in this business.
    public let preferences: MemberPreferences

    public init(userId: UserID, email: EmailAddress, firstName: String?, role: Role, preferences: MemberPreferences = MemberPreferences()) {
        self.userId = userId
        self.email = email
        self.firstName = firstName
        self.role = role
        self.preferences = preferences
    }
}

public struct NotificationFilter: Sendable {
    public var user: UserID
    public var business: BusinessID?
    public var status: NotificationStatus?
    public var category: NotificationCategory?

    public init(user: UserID, business: BusinessID? = nil, status: NotificationStatus? = nil, category: NotificationCategory? = nil) {
        self.user = user
        self.business = business
        self.status = status
        self.category = category
    }
}

/// The team's notifications. Events become notifications once each (`notify`, like webhook dispatch:
/// in the transaction that marks the events, so a crash or a second instance makes none twice).
public protocol NotificationRepository: Sendable {
    /// Takes up to `limit` events not turned into notifications yet, oldest first, asks `make` which
    /// notifications each gives for the business's members, stores them and marks the events. Returns
    /// the notifications stored and how many events were taken.
    func notify(limit: Int, make: @escaping @Sendable (DomainEvent, [TeamMember]) -> [TeamNotification]) async throws
        -> (notifications: [TeamNotification], events: Int)

    /// Stores notifications made without an event (a webhook endpoint turned off).
    func insert(_ notifications: [TeamNotification]) async throws

    func members(of business: BusinessID) async throws -> [TeamMember]

    func find(_ id: NotificationID) async throws -> TeamNotification?
    func list(_ filter: NotificationFilter, page: PageRequest) async throws -> Page<TeamNotification>
    func unreadCount(user: UserID, business: BusinessID?) async throws -> Int

    /// A member's settings in a business (the defaults when they set none).
    func preferences(user: UserID, business: BusinessID) async throws -> MemberPreferences

    func setPreferences(_ preferences: MemberPreferences, user: UserID, business: BusinessID, at now: Date) async throws

    /// Holds a notification's email and SMS until `until` (the member's quiet hours end).
    func hold(_ id: NotificationID, until: Date) async throws

    /// Takes up to `limit` held notifications whose time has come, releasing their hold (taken once,
    /// even with several instances).
    func takeDue(at now: Date, limit: Int) async throws -> [TeamNotification]

    /// Marks one (or, with nil, every unread one of the user's) as read at `now`; how many changed.
    @discardableResult
    func markRead(_ id: NotificationID?, user: UserID, business: BusinessID?, at now: Date) async throws -> Int
}
