import Foundation
import FrontdeskCore
import FrontdeskProviders
import FrontdeskStore
import FrontdeskWire
import Hummingbird

/// `/api/webhooks`: a business's outbound webhook endpoints (the URL, which events, a secret shown
/// once), their delivery log with each attempt, and a manual replay. Members read; admins change.
struct WebhookController {
    let store: Store
    let policy: OutboundURLPolicy
    let now: @Sendable () -> Date
    let tenancy: Tenancy

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.post(use: create)
        group.get(":id", use: get)
        group.put(":id", use: update)
        group.delete(":id", use: delete)
        group.get(":id/deliveries", use: deliveries)
        group.get(":id/deliveries/:delivery_id", use: delivery)
        group.post(":id/deliveries/:delivery_id/replay", use: replay)
    }

    /// An endpoint as the API shows it; `secret` only in the answer to its creation.
    struct EndpointView: Encodable, Sendable {
        let id: WebhookEndpointID
        let businessId: BusinessID
        let url: String
        let events: [String]
        let description: String?
        let status: WebhookEndpointStatus
        let disabledReason: String?
        let secret: String?
        let createdAt: Date
        let updatedAt: Date

        init(_ endpoint: WebhookEndpoint, showingSecret: Bool = false) {
            id = endpoint.id
            businessId = endpoint.businessId
            url = endpoint.url
            events = endpoint.events.names
            description = endpoint.description
            status = endpoint.status
            disabledReason = endpoint.disabledReason
            secret = showingSecret ? endpoint.secret : nil
            createdAt = endpoint.createdAt
            updatedAt = endpoint.updatedAt
        }

        enum CodingKeys: String, CodingKey {
            case id
            case businessId = "business_id"
            case url, events, description, status
            case disabledReason = "disabled_reason"
            case secret
            case createdAt = "created_at"
            case updatedAt = "updated_at"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(businessId, forKey: .businessId)
            try container.encode(url, forKey: .url)
            try container.encode(events, forKey: .events)
            try container.encode(description, forKey: .description)
            try container.encode(status, forKey: .status)
            try container.encode(disabledReason, forKey: .disabledReason)
            try container.encodeIfPresent(secret, forKey: .secret)
            try container.encode(createdAt, forKey: .createdAt)
            try container.encode(updatedAt, forKey: .updatedAt)
        }
    }

    struct ListView: Encodable, Sendable {
        let webhooks: [EndpointView]
        let pagination: Pagination
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> APIResponse<ListView> {
        let claims = try context.requireUser()
        let query = QueryReader(request)
        let page = try query.page()
        let business = try await tenancy.businessId(query.string("business_id"), for: claims, minimum: .user)
        let result = try await store.webhooks.list(business: business, page: page)
        return APIResponse(ListView(webhooks: result.items.map { EndpointView($0) }, pagination: Pagination(page, total: result.total)))
    }

    struct CreateBody: Decodable {
        let businessId: String
        let url: String
        let events: [String]?
        let description: String?

        enum CodingKeys: String, CodingKey {
            case businessId = "business_id"
            case url, events, description
        }
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> APIResponse<EndpointView> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(CreateBody.self, context: context)
        let business = try await tenancy.businessId(body.businessId, for: claims, minimum: .admin)
        var validator = Validator()
        let events = Self.selection(body.events, into: &validator)
        Self.checkDescription(body.description, into: &validator)
        try validator.throwIfInvalid()
        let endpoint = try await add(business: business, url: body.url, events: events ?? .all, description: body.description)
        return APIResponse(
            EndpointView(endpoint, showingSecret: true), status: .created,
            message: "Webhook endpoint created; keep the secret now, it is not shown again")
    }

    /// A new active endpoint with a fresh secret, its URL checked (also how `/api/integrations` connects one).
    func add(business: BusinessID, url: String, events: EventSelection, description: String?) async throws -> WebhookEndpoint {
        try await checkURL(url)
        let now = now()
        let endpoint = WebhookEndpoint(
            id: .generate(), businessId: business, url: url, events: events, description: LeadController.blankIsNil(description),
            secret: WebhookSigning.newSecret(), status: .active, createdAt: now, updatedAt: now)
        try await store.webhooks.insert(endpoint)
        return endpoint
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> APIResponse<EndpointView> {
        let claims = try context.requireUser()
        return APIResponse(EndpointView(try await endpoint(context, claims, minimum: .user)))
    }

    struct UpdateBody: Decodable {
        let url: String?
        let events: [String]?
        let description: String?
        /// `active` turns a disabled endpoint back on; `disabled` pauses it.
        let status: WebhookEndpointStatus?
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> APIResponse<EndpointView> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(UpdateBody.self, context: context)
        var endpoint = try await endpoint(context, claims, minimum: .admin)
        var validator = Validator()
        let events = Self.selection(body.events, into: &validator)
        Self.checkDescription(body.description, into: &validator)
        try validator.throwIfInvalid()
        if let url = body.url {
            try await checkURL(url)
            endpoint.url = url
        }
        if let events { endpoint.events = events }
        if let description = body.description { endpoint.description = LeadController.blankIsNil(description) }
        if let status = body.status, status != endpoint.status {
            endpoint.status = status
            endpoint.disabledReason = status == .disabled ? "Disabled by a team member" : nil
        }
        endpoint.updatedAt = now()
        try await store.webhooks.update(endpoint)
        return APIResponse(EndpointView(endpoint), message: "Webhook endpoint updated")
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Deleted> {
        let claims = try context.requireUser()
        let endpoint = try await endpoint(context, claims, minimum: .admin)
        try await store.webhooks.delete(endpoint.id)
        return APIResponse(Deleted(id: endpoint.id.rawValue), message: "Webhook endpoint deleted")
    }

    struct DeliveryView: Encodable, Sendable {
        let id: WebhookDeliveryID
        let endpointId: WebhookEndpointID
        let eventId: String
        let eventType: EventType
        let status: WebhookDeliveryStatus
        let attempts: Int
        let nextAttemptAt: Date?
        let lastStatusCode: Int?
        let lastError: String?
        let lastLatencyMs: Double?
        let createdAt: Date
        let updatedAt: Date
        let deliveredAt: Date?
        /// Every attempt, in order (the single delivery's view).
        let attemptLog: [AttemptView]?

        init(_ delivery: WebhookDelivery, attempts log: [WebhookAttempt]? = nil) {
            id = delivery.id
            endpointId = delivery.endpointId
            eventId = delivery.event.id
            eventType = delivery.eventType
            status = delivery.status
            attempts = delivery.attempts
            nextAttemptAt = delivery.nextAttemptAt
            lastStatusCode = delivery.lastStatusCode
            lastError = delivery.lastError
            lastLatencyMs = delivery.lastLatencyMs.map { ($0 * 10).rounded() / 10 }
            createdAt = delivery.createdAt
            updatedAt = delivery.updatedAt
            deliveredAt = delivery.deliveredAt
            attemptLog = log.map { $0.map(AttemptView.init) }
        }

        enum CodingKeys: String, CodingKey {
            case id
            case endpointId = "endpoint_id"
            case eventId = "event_id"
            case eventType = "event_type"
            case status, attempts
            case nextAttemptAt = "next_attempt_at"
            case lastStatusCode = "last_status_code"
            case lastError = "last_error"
            case lastLatencyMs = "last_latency_ms"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
            case deliveredAt = "delivered_at"
            case attemptLog = "attempt_log"
        }
    }

    struct AttemptView: Encodable, Sendable {
        let number: Int
        let attemptedAt: Date
        let statusCode: Int?
        let error: String?
        let latencyMs: Double

        init(_ attempt: WebhookAttempt) {
            number = attempt.number
            attemptedAt = attempt.attemptedAt
            statusCode = attempt.statusCode
            error = attempt.error
            latencyMs = (attempt.latencyMs * 10).rounded() / 10
        }

        enum CodingKeys: String, CodingKey {
            case number
            case attemptedAt = "attempted_at"
            case statusCode = "status_code"
            case error
            case latencyMs = "latency_ms"
        }
    }

    struct DeliveriesView: Encodable, Sendable {
        let deliveries: [DeliveryView]
        let pagination: Pagination
    }

    @Sendable func deliveries(_ request: Request, context: AppRequestContext) async throws -> APIResponse<DeliveriesView> {
        let claims = try context.requireUser()
        let query = QueryReader(request)
        let page = try query.page()
        var status: WebhookDeliveryStatus?
        if let raw = query.string("status") {
            guard let parsed = WebhookDeliveryStatus(rawValue: raw) else {
                throw AppError.validation(field: "status", "must be one of pending, succeeded, failed")
            }
            status = parsed
        }
        let endpoint = try await endpoint(context, claims, minimum: .user)
        let result = try await store.webhooks.deliveries(endpoint: endpoint.id, status: status, page: page)
        return APIResponse(DeliveriesView(deliveries: result.items.map { DeliveryView($0) }, pagination: Pagination(page, total: result.total)))
    }

    @Sendable func delivery(_ request: Request, context: AppRequestContext) async throws -> APIResponse<DeliveryView> {
        let claims = try context.requireUser()
        let (_, delivery) = try await endpointDelivery(context, claims, minimum: .user)
        return APIResponse(DeliveryView(delivery, attempts: try await store.webhooks.attempts(of: delivery.id)))
    }

    /// Sends the delivery again now, with the whole retry schedule ahead of it. The endpoint must be active.
    @Sendable func replay(_ request: Request, context: AppRequestContext) async throws -> APIResponse<DeliveryView> {
        let claims = try context.requireUser()
        let (endpoint, delivery) = try await endpointDelivery(context, claims, minimum: .admin)
        guard endpoint.status == .active else {
            throw AppError.validation(field: "status", "the endpoint is disabled; turn it back on (PUT status \"active\") before replaying")
        }
        guard try await store.feed.repository.event(delivery.event) != nil else {
            throw AppError.validation(field: "delivery_id", "its event is no longer kept (events are kept for 7 days)")
        }
        _ = try await store.webhooks.replay(delivery.id, now: now())
        guard let replayed = try await store.webhooks.delivery(delivery.id) else { throw AppError.notFound("Delivery") }
        return APIResponse(DeliveryView(replayed), status: .accepted, message: "Delivery queued again")
    }

    // MARK: helpers

    private func endpoint(_ context: AppRequestContext, _ claims: AccessClaims, minimum: Role) async throws -> WebhookEndpoint {
        let id = try context.parameters.id("id", as: WebhookEndpointID.self)
        return try await tenancy.owned(
            "Webhook endpoint", by: claims, minimum: minimum, load: { try await store.webhooks.find(id) }, business: \.businessId)
    }

    private func endpointDelivery(_ context: AppRequestContext, _ claims: AccessClaims, minimum: Role) async throws
        -> (WebhookEndpoint, WebhookDelivery)
    {
        let endpoint = try await endpoint(context, claims, minimum: minimum)
        let id = try context.parameters.id("delivery_id", as: WebhookDeliveryID.self)
        guard let delivery = try await store.webhooks.delivery(id), delivery.endpointId == endpoint.id else {
            throw AppError.notFound("Delivery")
        }
        return (endpoint, delivery)
    }

    private func checkURL(_ url: String) async throws {
        do {
            try await policy.check(url)
        } catch let refusal as OutboundURLPolicy.Refusal {
            throw AppError.validation(field: "url", refusal.description)
        }
    }

    static func selection(_ names: [String]?, into validator: inout Validator) -> EventSelection? {
        guard let names else { return nil }
        guard names.count <= 50, let selection = EventSelection(names: names) else {
            validator.add(
                "events", "must be [\"*\"] or a non-empty list of: \(EventType.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return selection
    }

    static func checkDescription(_ text: String?, into validator: inout Validator) {
        validator.check((text?.count ?? 0) <= 500, "description", "must be at most 500 characters")
    }
}
