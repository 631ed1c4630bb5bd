import Foundation
import FrontdeskCore
import FrontdeskStore
import FrontdeskWire
import Logging

/// Turns the businesses' events into the team's notifications, in the background: each event once
/// (marked in the transaction that stores its notifications: a crash or a second instance repeats
/// none), each notification published as `notification.created`, and each member's copy sent by email
/// and SMS as they chose (the outbox by default), held through their quiet hours. A webhook endpoint
/// Frontdesk turned off is told to the admins the same way.
package final class TeamNotifier: Sendable {
    private let store: Store
    private let messenger: Messenger
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let poll: Duration

    package init(store: Store, messenger: Messenger, now: @escaping @Sendable () -> Date, logger: Logger, poll: Duration = .seconds(1)) {
        self.store = store
        self.messenger = messenger
        self.now = now
        self.logger = logger
        self.poll = poll
    }

    /// Until cancelled: wakes on every event published here, and every `poll`.
    package func run() async {
        let (listener, published) = store.feed.listen(businesses: nil)
        defer { store.feed.stopListening(listener) }
        await withTaskGroup(of: Void.self) { group in
            let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
            group.addTask {
                // Its own notification.created events wake nothing new.
                for await event in published where event.type != .notificationCreated { wake.yield() }
            }
            group.addTask { [poll] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: poll)
                    wake.yield()
                }
            }
            group.addTask { [self] in
                for await _ in wakes {
                    if Task.isCancelled { break }
                    await drain()
                    await sendHeld()
                }
            }
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            wake.finish()
            group.cancelAll()
        }
    }

    /// Makes the notifications of every event not looked at yet.
    package func drain() async {
        do {
            while true {
                let time = now()
                let (made, taken) = try await store.notifications.notify(limit: 200) { event, members in
                    NotificationRules.notifications(for: event, members: members, now: time)
                }
                await deliver(made)
                if taken < 200 { return }
            }
        } catch {
            logger.error("Events could not be turned into notifications; trying again", metadata: ["error": "\(error)"])
        }
    }

    /// The admins hear that an endpoint was turned off, and why.
    package func endpointDisabled(_ endpoint: WebhookEndpointID, business: BusinessID, reason: String) async {
        do {
            let admins = try await store.notifications.members(of: business).filter { $0.role == .admin }
            let data = #"{"webhook_id":"\#(endpoint.rawValue)"}"#
            let made = admins.map { admin in
                TeamNotification(
                    id: .generate(), businessId: business, userId: admin.userId, category: .system, reason: "webhook.disabled",
                    title: "A webhook endpoint was turned off", message: "\(reason). Fix the receiver, turn it back on and replay what it missed.",
                    data: data, createdAt: now())
            }
            try await store.notifications.insert(made)
            await deliver(made)
        } catch {
            logger.error("The admins could not be told of a disabled webhook endpoint", metadata: ["error": "\(error)"])
        }
    }

    private func deliver(_ made: [TeamNotification]) async {
        for notification in made {
            await store.feed.publish(.notificationCreated, business: notification.businessId, data: NotificationView(notification), at: notification.createdAt)
        }
        await send(made, holdingInQuietHours: true)
    }

    /// Sends the notifications held for quiet hours that have ended.
    package func sendHeld() async {
        do {
            while true {
                let due = try await store.notifications.takeDue(at: now(), limit: 100)
                await send(due, holdingInQuietHours: false)
                if due.count < 100 { return }
            }
        } catch {
            logger.error("Held notifications could not be read; trying again", metadata: ["error": "\(error)"])
        }
    }

    /// Each member's copy by email and SMS as they chose; in their quiet hours (in the business's zone)
    /// it is held until they end.
    private func send(_ notifications: [TeamNotification], holdingInQuietHours: Bool) async {
        var members: [BusinessID: [TeamMember]] = [:]
        var businesses: [BusinessID: Business] = [:]
        for notification in notifications {
            if members[notification.businessId] == nil {
                members[notification.businessId] = (try? await store.notifications.members(of: notification.businessId)) ?? []
                businesses[notification.businessId] = try? await store.businesses.find(notification.businessId)
            }
            guard let member = members[notification.businessId]?.first(where: { $0.userId == notification.userId }) else { continue }
            let email = NotificationRules.emails(notification, to: member)
            let text = NotificationRules.texts(notification, to: member)
            guard email || text else { continue }
            let business = businesses[notification.businessId]
            if holdingInQuietHours, let quiet = member.preferences.quietHours, let zone = business?.settings.timezone,
                let end = quiet.end(after: now(), in: zone)
            {
                do {
                    try await store.notifications.hold(notification.id, until: end)
                    logger.info("Notification held for the member's quiet hours", metadata: ["notification_id": "\(notification.id)", "until": "\(end)"])
                } catch {
                    logger.warning("A notification could not be held for quiet hours", metadata: ["error": "\(error)"])
                }
                continue
            }
            let name = business?.name ?? "Frontdesk"
            if email {
                let body = "\(member.firstName.map { "Hi \($0),\n\n" } ?? "")\(notification.message)\n\n— Frontdesk for \(name)"
                await sendMessage(OutboundMessage(channel: .email, to: member.email.value, subject: "\(name): \(notification.title)", body: body), notification)
            }
            if text, let phone = member.preferences.phone {
                await sendMessage(OutboundMessage(channel: .sms, to: phone.e164, body: "\(name): \(notification.title). \(notification.message)"), notification)
            }
        }
    }

    private func sendMessage(_ message: OutboundMessage, _ notification: TeamNotification) async {
        do {
            _ = try await messenger.send(message, business: notification.businessId, lead: nil, logger: logger)
        } catch {
            logger.warning("A notification \(message.channel.rawValue) could not be sent", metadata: ["error": "\(error)"])
        }
    }
}

/// A notification as the API and `notification.created` show it (the CRM seed's shape: `type` is the category).
package struct NotificationView: Encodable, Sendable {
    let notification: TeamNotification

    package init(_ notification: TeamNotification) { self.notification = notification }

    enum Key: String, CodingKey {
        case id
        case businessId = "business_id"
        case userId = "user_id"
        case type, reason, title, message, data, status
        case createdAt = "created_at"
        case readAt = "read_at"
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(notification.id, forKey: .id)
        try container.encode(notification.businessId, forKey: .businessId)
        try container.encode(notification.userId, forKey: .userId)
        try container.encode(notification.category.rawValue, forKey: .type)
        try container.encode(notification.reason, forKey: .reason)
        try container.encode(notification.title, forKey: .title)
        try container.encode(notification.message, forKey: .message)
        try container.encode((try? JSONParser.parse(notification.data)) ?? JSONValue.object([:]), forKey: .data)
        try container.encode(notification.status.rawValue, forKey: .status)
        try container.encode(notification.createdAt, forKey: .createdAt)
        try container.encode(notification.readAt, forKey: .readAt)
    }
}
