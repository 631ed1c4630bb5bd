import Foundation
import FrontdeskCore
import FrontdeskStore
import Testing

/// The event feed and the webhook delivery queue, on both engines: the same calls give the same answers.
@Suite("Events and webhook deliveries: ordered, leased once, retried, never lost")
struct EventQueueTests {
    func endpoint(_ business: Business, events: EventSelection = .all, at now: Date) -> WebhookEndpoint {
        WebhookEndpoint(
            id: .generate(), businessId: business.id, url: "https://hooks.example.com/\(UUID().uuidString)", events: events,
            description: nil, secret: "whsec_c2VjcmV0", status: .active, createdAt: now, updatedAt: now)
    }

    @Test("events are numbered in order, read per business after an id, and pruned once dispatched, notified and planned", arguments: Engine.allCases)
    func feed(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (_, mine) = try await temp.business()
            let (_, theirs) = try await temp.business(name: "Other")
            let feed = temp.store.feed.repository
            var stored: [DomainEvent] = []
            for (index, business) in [mine, theirs, mine, mine].enumerated() {
                stored.append(
                    try await feed.append(
                        NewEvent(businessId: business.id, type: .leadCreated, data: #"{"n":\#(index)}"#, occurredAt: temp.now.addingTimeInterval(Double(index)))))
            }
            #expect(stored.map(\.sequence) == stored.map(\.sequence).sorted())
            let all = try await feed.events(businesses: [mine.id], after: nil, limit: 10)
            #expect(all.map(\.data) == [#"{"n":0}"#, #"{"n":2}"#, #"{"n":3}"#])
            #expect(all.allSatisfy { $0.businessId == mine.id && $0.type == .leadCreated })
            #expect(try await feed.events(businesses: [mine.id], after: stored[0].sequence, limit: 1).map(\.data) == [#"{"n":2}"#])
            #expect(try await feed.events(businesses: [mine.id, theirs.id], after: stored[0].sequence, limit: 10).count == 3)
            #expect(try await feed.events(businesses: [], after: nil, limit: 10).isEmpty)
            #expect(try await feed.event(stored[1].sequence)?.businessId == theirs.id)
            #expect(try await feed.oldest() == stored[0].sequence)
            #expect(try await feed.newest() == stored[3].sequence)
            // Not dispatched to webhooks yet: kept, however old.
            #expect(try await feed.prune(before: temp.now.addingTimeInterval(100)) == 0)
            #expect(try await temp.store.webhooks.dispatch(limit: 100, now: temp.now) == 4)
            #expect(try await feed.prune(before: temp.now.addingTimeInterval(100)) == 0, "not looked at for notifications yet")
            let looked = try await temp.store.notifications.notify(limit: 100) { _, _ in [] }
            #expect(looked.events == 4 && looked.notifications.isEmpty)
            #expect(try await feed.prune(before: temp.now.addingTimeInterval(100)) == 0, "not looked at by the scheduler yet")
            let unplanned = try await temp.store.jobs.unplannedEvents(limit: 100)
            #expect(unplanned.map(\.sequence) == stored.map(\.sequence))
            #expect(try await temp.store.jobs.plan([], events: unplanned.map(\.sequence)) == 0)
            #expect(try await temp.store.jobs.unplannedEvents(limit: 100).isEmpty)
            #expect(try await feed.prune(before: temp.now.addingTimeInterval(1.5)) == 2)
            #expect(try await feed.oldest() == stored[2].sequence)
            #expect(try await feed.newest() == stored[3].sequence)
        }
    }

    @Test("dispatch makes one delivery per wanting endpoint; a lease hides it until it runs out; attempts retry, then fail and disable", arguments: Engine.allCases)
    func queue(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (_, business) = try await temp.business()
            let (_, other) = try await temp.business(name: "Other")
            let everything = endpoint(business, at: temp.now)
            let leadsOnly = endpoint(business, events: .only([.leadCreated]), at: temp.now)
            var paused = endpoint(business, at: temp.now)
            paused.status = .disabled
            let foreign = endpoint(other, at: temp.now)
            for endpoint in [everything, leadsOnly, paused, foreign] { try await temp.store.webhooks.insert(endpoint) }
            let feed = temp.store.feed.repository
            let lead = try await feed.append(NewEvent(businessId: business.id, type: .leadCreated, data: "{}", occurredAt: temp.now))
            let call = try await feed.append(NewEvent(businessId: business.id, type: .callStarted, data: #"{"id":"call_1"}"#, occurredAt: temp.now))
            #expect(try await temp.store.webhooks.dispatch(limit: 1, now: temp.now) == 1)
            #expect(try await temp.store.webhooks.dispatch(limit: 100, now: temp.now) == 1)
            #expect(try await temp.store.webhooks.dispatch(limit: 100, now: temp.now) == 0, "each event is dispatched once")
            #expect(try await temp.store.webhooks.pendingCount() == 3, "lead → both wanting endpoints, call → the one wanting everything")

            let first = try await temp.store.webhooks.claimDue(now: temp.now, lease: .seconds(30), limit: 10)
            #expect(first.count == 3)
            #expect(Set(first.map(\.delivery.endpointId)) == [everything.id, leadsOnly.id])
            #expect(first.first { $0.event.sequence == call.sequence }?.event.data == #"{"id":"call_1"}"#)
            #expect(first.allSatisfy { $0.attemptInSchedule == 1 && $0.secret == "whsec_c2VjcmV0" })
            #expect(try await temp.store.webhooks.claimDue(now: temp.now, lease: .seconds(30), limit: 10).isEmpty, "leased: no one else takes them")
            // The sender died (kill -9) before recording: once the lease runs out, each is due again.
            let again = try await temp.store.webhooks.claimDue(now: temp.now.addingTimeInterval(31), lease: .seconds(30), limit: 10)
            #expect(Set(again.map(\.delivery.id)) == Set(first.map(\.delivery.id)))

            let leadDelivery = try #require(again.first { $0.delivery.endpointId == leadsOnly.id })
            let later = temp.now.addingTimeInterval(40)
            var recorded = try await temp.store.webhooks.record(
                WebhookAttempt(deliveryId: leadDelivery.delivery.id, number: 1, attemptedAt: later, statusCode: 503, error: "the receiver answered 503", latencyMs: 12.5),
                retryAt: later.addingTimeInterval(5), now: later, disabling: "dead")
            #expect(recorded == AttemptRecorded(status: .pending, endpointDisabled: false))
            #expect(try await temp.store.webhooks.claimDue(now: later.addingTimeInterval(4), lease: .seconds(30), limit: 10).filter { $0.delivery.id == leadDelivery.delivery.id }.isEmpty)
            let retry = try #require(try await temp.store.webhooks.claimDue(now: later.addingTimeInterval(5), lease: .seconds(30), limit: 10).first { $0.delivery.id == leadDelivery.delivery.id })
            #expect(retry.attemptInSchedule == 2)
            recorded = try await temp.store.webhooks.record(
                WebhookAttempt(deliveryId: retry.delivery.id, number: 2, attemptedAt: later.addingTimeInterval(5), statusCode: nil, error: "could not connect", latencyMs: 3),
                retryAt: nil, now: later.addingTimeInterval(5), disabling: "every attempt failed")
            #expect(recorded == AttemptRecorded(status: .failed, endpointDisabled: true))
            let disabled = try #require(try await temp.store.webhooks.find(leadsOnly.id))
            #expect(disabled.status == .disabled && disabled.disabledReason == "every attempt failed")
            let failed = try #require(try await temp.store.webhooks.delivery(leadDelivery.delivery.id))
            #expect(failed.status == .failed && failed.attempts == 2 && failed.lastError == "could not connect" && failed.lastStatusCode == nil)
            #expect(try await temp.store.webhooks.attempts(of: failed.id).map(\.statusCode) == [503, nil])
            #expect(try await temp.store.webhooks.attempts(of: failed.id).map(\.latencyMs) == [12.5, 3])

            // Success on the other endpoint; then a replay starts the schedule again.
            for due in again where due.delivery.endpointId == everything.id {
                let result = try await temp.store.webhooks.record(
                    WebhookAttempt(deliveryId: due.delivery.id, number: 1, attemptedAt: later, statusCode: 204, error: nil, latencyMs: 2),
                    retryAt: nil, now: later, disabling: "x")
                #expect(result == AttemptRecorded(status: .succeeded, endpointDisabled: false))
            }
            let page = try await temp.store.webhooks.deliveries(endpoint: everything.id, status: .succeeded, page: PageRequest(page: 1, limit: 10))
            #expect(page.total == 2 && page.items.map(\.event) == [call.sequence, lead.sequence])
            #expect(page.items.allSatisfy { $0.deliveredAt != nil && $0.lastStatusCode == 204 })
            #expect(try await temp.store.webhooks.replay(page.items[0].id, now: later.addingTimeInterval(60)))
            let replayed = try #require(try await temp.store.webhooks.claimDue(now: later.addingTimeInterval(60), lease: .seconds(30), limit: 10).first)
            #expect(replayed.delivery.id == page.items[0].id && replayed.attemptInSchedule == 1 && replayed.delivery.attempts == 1)
            #expect(try await temp.store.webhooks.replay(WebhookDeliveryID(rawValue: "dlv_missing"), now: later) == false)
            // The endpoint's list, and its deletion taking its deliveries along.
            #expect(try await temp.store.webhooks.list(business: business.id, page: PageRequest(page: 1, limit: 10)).total == 3)
            try await temp.store.webhooks.delete(everything.id)
            #expect(try await temp.store.webhooks.delivery(page.items[1].id) == nil)
            #expect(try await temp.store.webhooks.find(everything.id) == nil)
        }
    }

    @Test("notifications: one per member per event, made once, listed per user, marked read", arguments: Engine.allCases)
    func notifications(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (owner, business) = try await temp.business()
            let (member, _) = try await temp.business(name: "Member's own")
            try await temp.store.users.addMembership(Membership(userId: member.id, businessId: business.id, role: .agent, createdAt: temp.now))
            let members = try await temp.store.notifications.members(of: business.id)
            #expect(Set(members.map(\.userId)) == [owner.id, member.id])
            #expect(members.first { $0.userId == member.id }?.role == .agent)
            let event = try await temp.store.feed.repository.append(
                NewEvent(businessId: business.id, type: .leadQualified, data: #"{"id":"lead_1"}"#, occurredAt: temp.now))
            let make: @Sendable (DomainEvent, [TeamMember]) -> [TeamNotification] = { event, members in
                members.map {
                    TeamNotification(
                        id: .generate(), businessId: event.businessId, userId: $0.userId, category: .lead, reason: event.type.rawValue,
                        title: "t", message: "m", data: event.data, createdAt: event.occurredAt, event: event.sequence)
                }
            }
            let first = try await temp.store.notifications.notify(limit: 10, make: make)
            #expect(first.events == 1 && first.notifications.count == 2)
            #expect(try await temp.store.notifications.notify(limit: 10, make: make).events == 0, "each event once")
            // Stored again for the same event and member (a second instance's attempt): refused quietly.
            try await temp.store.notifications.insert([first.notifications[0]])
            let mine = try await temp.store.notifications.list(NotificationFilter(user: owner.id), page: PageRequest(page: 1, limit: 10))
            #expect(mine.total == 1 && mine.items[0].event == event.sequence && mine.items[0].data == #"{"id":"lead_1"}"#)
            #expect(try await temp.store.notifications.unreadCount(user: owner.id, business: business.id) == 1)
            #expect(try await temp.store.notifications.markRead(mine.items[0].id, user: member.id, business: nil, at: temp.now) == 0, "not theirs")
            #expect(try await temp.store.notifications.markRead(mine.items[0].id, user: owner.id, business: nil, at: temp.now) == 1)
            let read = try #require(try await temp.store.notifications.find(mine.items[0].id))
            #expect(read.status == .read && read.readAt != nil)
            #expect(try await temp.store.notifications.list(NotificationFilter(user: owner.id, status: .unread), page: PageRequest(page: 1, limit: 10)).total == 0)
            #expect(try await temp.store.notifications.markRead(nil, user: member.id, business: business.id, at: temp.now) == 1)
            #expect(try await temp.store.notifications.unreadCount(user: member.id, business: nil) == 0)
        }
    }
}
