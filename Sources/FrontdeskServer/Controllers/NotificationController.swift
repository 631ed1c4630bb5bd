import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskStore
import Hummingbird

/// `/api/notifications`: the caller's own notifications (the CRM seed's), newest first, and marking
/// them read. Each member of a business gets their own copy; nobody sees another's.
struct NotificationController {
    let store: Store
    let now: @Sendable () -> Date
    let tenancy: Tenancy

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.put("read", use: readAll)
        group.put(":id/read", use: read)
        group.get("preferences", use: preferences)
        group.put("preferences", use: setPreferences)
    }

    struct PreferencesView: Encodable, Sendable {
        let businessId: BusinessID
        let userId: UserID
        let preferences: MemberPreferences
        /// Whether email is on, the default applied (admins: everything but appointments).
        let emailEffective: Bool

        func encode(to encoder: any Encoder) throws {
            try preferences.encode(to: encoder)
            var container = encoder.container(keyedBy: AnyKey.self)
            try container.encode(businessId, forKey: AnyKey("business_id"))
            try container.encode(userId, forKey: AnyKey("user_id"))
            try container.encode(emailEffective, forKey: AnyKey("email_effective"))
        }
    }

    func view(_ preferences: MemberPreferences, business: BusinessID, claims: AccessClaims) async throws -> PreferencesView {
        let role = try await tenancy.authorize(claims, business: business)
        return PreferencesView(businessId: business, userId: claims.userId, preferences: preferences, emailEffective: preferences.email ?? (role == .admin))
    }

    /// `GET /api/notifications/preferences?business_id=`: the caller's own settings in that business.
    @Sendable func preferences(_ request: Request, context: AppRequestContext) async throws -> APIResponse<PreferencesView> {
        let claims = try context.requireUser()
        let business = try await tenancy.businessId(QueryReader(request).string("business_id"), for: claims)
        let preferences = try await store.notifications.preferences(user: claims.userId, business: business)
        return APIResponse(try await view(preferences, business: business, claims: claims))
    }

    /// `{"business_id", "phone"?, "email"?, "sms"?, "quiet_hours"?: {"start": "HH:mm", "end": "HH:mm"} | null}`:
    /// fields left out keep their value; `null` clears `phone`, `email` (back to the default) and `quiet_hours`.
    struct PreferencesBody: Decodable {
        let businessId: String?
        let phone: Field<PhoneNumber>
        let email: Field<Bool>
        let sms: Bool?
        let quietHours: Field<QuietHours>

        enum CodingKeys: String, CodingKey {
            case businessId = "business_id"
            case phone, email, sms
            case quietHours = "quiet_hours"
        }

        enum Field<Value: Decodable> {
            case absent, null, value(Value)

            /// Left out, `null`, or a value (`decodeIfPresent` cannot tell the first two apart).
            init(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws {
                if !container.contains(key) {
                    self = .absent
                } else if try container.decodeNil(forKey: key) {
                    self = .null
                } else {
                    self = .value(try container.decode(Value.self, forKey: key))
                }
            }

            func applied(to current: Value?) -> Value? {
                switch self {
                case .absent: current
                case .null: nil
                case .value(let value): value
                }
            }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            businessId = try container.decodeIfPresent(String.self, forKey: .businessId)
            phone = try Field(container, .phone)
            email = try Field(container, .email)
            sms = try container.decodeIfPresent(Bool.self, forKey: .sms)
            quietHours = try Field(container, .quietHours)
        }
    }

    @Sendable func setPreferences(_ request: Request, context: AppRequestContext) async throws -> APIResponse<PreferencesView> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(PreferencesBody.self, context: context)
        let business = try await tenancy.businessId(body.businessId, for: claims)
        var preferences = try await store.notifications.preferences(user: claims.userId, business: business)
        preferences.phone = body.phone.applied(to: preferences.phone)
        preferences.email = body.email.applied(to: preferences.email)
        preferences.sms = body.sms ?? preferences.sms
        preferences.quietHours = body.quietHours.applied(to: preferences.quietHours)
        var validator = Validator()
        validator.check(!preferences.sms || preferences.phone != nil, "sms", "needs a phone number")
        if let quiet = preferences.quietHours {
            validator.check(quiet.start != quiet.end, "quiet_hours", "must not start and end at the same time")
            validator.check(quiet.start.minutes < 24 * 60 && quiet.end.minutes < 24 * 60, "quiet_hours", "must use times before 24:00")
        }
        try validator.throwIfInvalid()
        try await store.notifications.setPreferences(preferences, user: claims.userId, business: business, at: now())
        return APIResponse(try await view(preferences, business: business, claims: claims), message: "Notification preferences saved")
    }

    struct ListView: Encodable, Sendable {
        let notifications: [NotificationView]
        let unread: Int
        let pagination: Pagination
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> APIResponse<ListView> {
        let claims = try context.requireUser()
        let query = QueryReader(request)
        let page = try query.page()
        var filter = NotificationFilter(user: claims.userId)
        var validator = Validator()
        switch query.string("status") {
        case nil, "all": break
        case "unread": filter.status = .unread
        case "read": filter.status = .read
        default: validator.add("status", "must be unread, read or all")
        }
        if let type = query.string("type") {
            if let category = NotificationCategory(rawValue: type) { filter.category = category } else {
                validator.add("type", "must be one of \(NotificationCategory.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        try validator.throwIfInvalid()
        if let raw = query.string("business_id") { filter.business = try await tenancy.businessId(raw, for: claims) }
        let result = try await store.notifications.list(filter, page: page)
        let unread = try await store.notifications.unreadCount(user: claims.userId, business: filter.business)
        return APIResponse(
            ListView(notifications: result.items.map(NotificationView.init), unread: unread, pagination: Pagination(page, total: result.total)))
    }

    @Sendable func read(_ request: Request, context: AppRequestContext) async throws -> APIResponse<NotificationView> {
        let claims = try context.requireUser()
        let id = try context.parameters.id("id", as: NotificationID.self)
        guard var notification = try await store.notifications.find(id), notification.userId == claims.userId else {
            throw AppError.notFound("Notification")
        }
        if notification.status == .unread {
            let time = now()
            try await store.notifications.markRead(id, user: claims.userId, business: nil, at: time)
            notification.status = .read
            notification.readAt = time
        }
        return APIResponse(NotificationView(notification), message: "Notification marked as read")
    }

    struct ReadAll: Encodable, Sendable {
        let marked: Int
    }

    /// Every unread notification of the caller (or of one business, `business_id`) marked read.
    @Sendable func readAll(_ request: Request, context: AppRequestContext) async throws -> APIResponse<ReadAll> {
        let claims = try context.requireUser()
        let query = QueryReader(request)
        let business = try await query.string("business_id").asyncFlatMap { try await tenancy.businessId($0, for: claims) }
        let marked = try await store.notifications.markRead(nil, user: claims.userId, business: business, at: now())
        return APIResponse(ReadAll(marked: marked), message: "\(marked) notification(s) marked as read")
    }
}
