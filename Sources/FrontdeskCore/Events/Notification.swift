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

/// A member's own settings in one business: their phone (for texts and for calls they take over),
/// which notifications reach them outside the app, and the hours they are not to be disturbed.
public struct MemberPreferences: Sendable, Codable, Hashable {
    /// Where texts go, and where a live call a member takes over is transferred to.
    public var phone: PhoneNumber?
    /// Notifications by email (nil: the default — admins, for everything but appointments).
    public var email: Bool?
    /// Notifications by SMS (to `phone`).
    public var sms: Bool
    /// No email or SMS in these hours of the business's zone; what came in is sent when they end.
    public var quietHours: QuietHours?

    public init(phone: PhoneNumber? = nil, email: Bool? = nil, sms: Bool = false, quietHours: QuietHours? = nil) {
        self.phone = phone
        self.email = email
        self.sms = sms
        self.quietHours = quietHours
    }

    public enum CodingKeys: String, CodingKey {
        case phone, email, sms
        case quietHours = "quiet_hours"
    }
}

/// A daily span of local time; `end` before `start` runs across midnight (22:00–07:00).
public struct QuietHours: Sendable, Codable, Hashable {
    public var start: WallClockTime
    public var end: WallClockTime

    public init(start: WallClockTime, end: WallClockTime) {
        self.start = start
        self.end = end
    }

    /// When the quiet hours holding `instant` end, or nil when `instant` is not in them.
    public func end(after instant: Date, in zone: BusinessTimeZone) -> Date? {
        guard start != end else { return nil }
        let calendar = zone.calendar
        let parts = calendar.dateComponents([.hour, .minute], from: instant)
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        let quiet = start < end ? (start.minutes <= minute && minute < end.minutes) : (minute >= start.minutes || minute < end.minutes)
        guard quiet else { return nil }
        let day = calendar.startOfDay(for: instant)
        let endToday = calendar.date(bySettingHour: end.hour, minute: end.minute, second: 0, of: day) ?? instant
        return endToday > instant ? endToday : calendar.date(byAdding: .day, value: 1, to: endToday) ?? instant
    }
}
