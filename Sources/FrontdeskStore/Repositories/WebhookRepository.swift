import Foundation
import FrontdeskCore

/// A delivery due now, with what sending it needs.
public struct DueDelivery: Sendable {
    public let delivery: WebhookDelivery
    public let url: String
    public let secret: String
    public let event: DomainEvent
    /// Which attempt of its retry schedule this is (1 for the first; a replay starts the schedule again).
    public let attemptInSchedule: Int

    public init(delivery: WebhookDelivery, url: String, secret: String, event: DomainEvent, attemptInSchedule: Int) {
        self.delivery = delivery
        self.attemptInSchedule = attemptInSchedule
        self.url = url
        self.secret = secret
        self.event = event
    }
}

/// What an attempt's outcome did to its delivery and endpoint.
public struct AttemptRecorded: Sendable, Equatable {
    /// The delivery's status now.
    public let status: WebhookDeliveryStatus
    /// The endpoint was disabled by this attempt (its deliveries had failed for the whole schedule).
    public let endpointDisabled: Bool

    public init(status: WebhookDeliveryStatus, endpointDisabled: Bool) {
        self.status = status
        self.endpointDisabled = endpointDisabled
    }
}

/// Outbound webhook endpoints, and the durable queue of their deliveries: each stored event becomes a
/// delivery per active endpoint that wants it (`dispatch`); due deliveries are leased to one sender
/// at a time (`claimDue`), and a lease that runs out — a sender killed mid-attempt — makes the delivery
/// due again, so every event is delivered at least once.
public protocol WebhookRepository: Sendable {
    func insert(_ endpoint: WebhookEndpoint) async throws
    func find(_ id: WebhookEndpointID) async throws -> WebhookEndpoint?
    func list(business: BusinessID, page: PageRequest) async throws -> Page<WebhookEndpoint>
    func update(_ endpoint: WebhookEndpoint) async throws
    /// Deletes the endpoint and its deliveries.
    func delete(_ id: WebhookEndpointID) async throws

    /// Turns events not dispatched yet (up to `limit`, oldest first) into deliveries, due at `now`,
    /// for every active endpoint of their business that wants them. Returns how many events it took.
    func dispatch(limit: Int, now: Date) async throws -> Int

    /// Leases up to `limit` deliveries due at `now` (pending, or leased before and not finished by
    /// `now`) until `now + lease`, oldest due first.
    func claimDue(now: Date, lease: Duration, limit: Int) async throws -> [DueDelivery]

    /// Records an attempt and what follows: succeeded, due again at `retryAt`, or failed (a failed
    /// attempt with nil `retryAt`). A delivery that fails for good while its endpoint has had no
    /// success since the delivery was made disables the endpoint (`reason`); its other pending
    /// deliveries fail with it.
    func record(_ attempt: WebhookAttempt, retryAt: Date?, now: Date, disabling reason: String) async throws -> AttemptRecorded

    func delivery(_ id: WebhookDeliveryID) async throws -> WebhookDelivery?
    func deliveries(endpoint: WebhookEndpointID, status: WebhookDeliveryStatus?, page: PageRequest) async throws -> Page<WebhookDelivery>
    func attempts(of delivery: WebhookDeliveryID) async throws -> [WebhookAttempt]

    /// Makes the delivery due again at `now`, with the whole retry schedule ahead of it (its attempts
    /// so far stay in its log). False when there is no such delivery.
    func replay(_ id: WebhookDeliveryID, now: Date) async throws -> Bool

    /// Deliveries not finished yet (pending), across all endpoints: for health and tests.
    func pendingCount() async throws -> Int

    /// Forgets finished deliveries (and their attempts) older than `before`.
    @discardableResult
    func prune(before: Date) async throws -> Int
}
