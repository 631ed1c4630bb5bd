import Foundation

public enum NotificationTag: IdentifierPrefixed { public static let idPrefix = "ntf" }
public typealias NotificationID = Identifier<NotificationTag>

/// What a notification is about (the CRM seed's `type` filter, with the receptionist's own kinds).
public enum NotificationCategory: String, Sendable, Codable, CaseIterable {
    case lead, appointment, call, agent, message, system
}

public enum NotificationStatus: String, Sendable, Codable, CaseIterable {
    case unread, read
}

/// Something a member of a business's team should know: a lead that qualified, a booking, a caller
/// who asked for a person, a failed call, an agent that stopped, a webhook endpoint turned off.
/// One per member; each member reads (and marks) their own.
public struct TeamNotification: Sendable, Hashable {
    public var id: NotificationID
    public var businessId: BusinessID
    public var userId: UserID
    public var category: NotificationCategory
    /// The event that caused it (`lead.qualified` …), or a system reason (`webhook.disabled`).
    public var reason: String
    public var title: String
    public var message: String
    /// A JSON object: the ids a client needs to open what it is about (`lead_id`, `call_id` …).
    public var data: String
    public var status: NotificationStatus
    public var createdAt: Date
    public var readAt: Date?
    /// The event it was made from (one notification per event and member).
    public var event: EventSequence?

    public init(
        id: NotificationID, businessId: BusinessID, userId: UserID, category: NotificationCategory, reason: String, title: String,
        message: String, data: String, status: NotificationStatus = .unread, createdAt: Date, readAt: Date? = nil,
        event: EventSequence? = nil
    ) {
        self.id = id
        self.businessId = businessId
        self.userId = userId
        self.category = category
        self.reason = reason
        self.title = title
        self.message = message
        self.data = data
        self.status = status
        self.createdAt = createdAt
        self.readAt = readAt
        self.event = event
    }
}
