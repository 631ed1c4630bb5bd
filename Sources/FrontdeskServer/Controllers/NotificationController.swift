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
