import Foundation

public enum WebhookEndpointTag: IdentifierPrefixed { public static let idPrefix = "whk" }
public typealias WebhookEndpointID = Identifier<WebhookEndpointTag>
public enum WebhookDeliveryTag: IdentifierPrefixed { public static let idPrefix = "dlv" }
public typealias WebhookDeliveryID = Identifier<WebhookDeliveryTag>

/// Which events an endpoint receives: all of them, or the types it names.
public enum EventSelection: Sendable, Hashable {
    case all
    case only(Set<EventType>)

    public func includes(_ type: EventType) -> Bool {
        switch self {
        case .all: true
        case .only(let types): types.contains(type)
        }
    }

    /// As the API shows (and stores) it: `["*"]`, or the types in name order.
    public var names: [String] {
        switch self {
        case .all: ["*"]
        case .only(let types): types.map(\.rawValue).sorted()
        }
    }

    /// From the API's list: `"*"` alone means all; otherwise every name must be a known type. Nil when
    /// the list is empty or names an unknown type.
    public init?(names: [String]) {
        if names == ["*"] {
            self = .all
            return
        }
        let types = names.compactMap(EventType.init(rawValue:))
        guard !names.isEmpty, types.count == names.count else { return nil }
        self = .only(Set(types))
    }
}

public enum WebhookEndpointStatus: String, Sendable, Codable, CaseIterable {
    /// Receives deliveries.
    case active
    /// Receives nothing: turned off by its owner, or by Frontdesk after a day of failed deliveries.
    case disabled
}

/// A URL of another system that receives a business's events, signed with the endpoint's secret.
public struct WebhookEndpoint: Sendable, Hashable {
    public var id: WebhookEndpointID
    public var businessId: BusinessID
    public var url: String
    public var events: EventSelection
    public var description: String?
    /// `whsec_` + base64 of 24 random bytes (Standard Webhooks); shown once, when the endpoint is made.
    public var secret: String
    public var status: WebhookEndpointStatus
    /// Why it is disabled, when Frontdesk disabled it.
    public var disabledReason: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: WebhookEndpointID, businessId: BusinessID, url: String, events: EventSelection, description: String?, secret: String,
        status: WebhookEndpointStatus, disabledReason: String? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.businessId = businessId
        self.url = url
        self.events = events
        self.description = description
        self.secret = secret
        self.status = status
        self.disabledReason = disabledReason
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

public enum WebhookDeliveryStatus: String, Sendable, Codable, CaseIterable {
    /// Waiting for its next attempt.
    case pending
    /// The receiver answered 2xx.
    case succeeded
    /// Every attempt failed (or its endpoint was disabled); a replay tries again.
    case failed
}

/// One event on its way to one endpoint, with what its last attempt got.
public struct WebhookDelivery: Sendable, Hashable {
    public var id: WebhookDeliveryID
    public var endpointId: WebhookEndpointID
    public var businessId: BusinessID
    public var event: EventSequence
    public var eventType: EventType
    public var status: WebhookDeliveryStatus
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var lastStatusCode: Int?
    public var lastError: String?
    public var lastLatencyMs: Double?
    public var createdAt: Date
    public var updatedAt: Date
    public var deliveredAt: Date?

    public init(
        id: WebhookDeliveryID, endpointId: WebhookEndpointID, businessId: BusinessID, event: EventSequence, eventType: EventType,
        status: WebhookDeliveryStatus, attempts: Int, nextAttemptAt: Date?, lastStatusCode: Int?, lastError: String?,
        lastLatencyMs: Double?, createdAt: Date, updatedAt: Date, deliveredAt: Date?
    ) {
        self.id = id
        self.endpointId = endpointId
        self.businessId = businessId
        self.event = event
        self.eventType = eventType
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastStatusCode = lastStatusCode
        self.lastError = lastError
        self.lastLatencyMs = lastLatencyMs
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.deliveredAt = deliveredAt
    }
}

/// One try at a delivery: what the receiver answered (or why nothing was), and how long it took.
public struct WebhookAttempt: Sendable, Hashable {
    public var deliveryId: WebhookDeliveryID
    public var number: Int
    public var attemptedAt: Date
    public var statusCode: Int?
    public var error: String?
    public var latencyMs: Double

    public init(deliveryId: WebhookDeliveryID, number: Int, attemptedAt: Date, statusCode: Int?, error: String?, latencyMs: Double) {
        self.deliveryId = deliveryId
        self.number = number
        self.attemptedAt = attemptedAt
        self.statusCode = statusCode
        self.error = error
        self.latencyMs = latencyMs
    }

    public var succeeded: Bool { statusCode.map { (200..<300).contains($0) } ?? false }
}

/// When a failed delivery is tried again: after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h — eight
/// attempts over about 28 hours (Standard Webhooks' schedule) — then it has failed.
public struct WebhookRetrySchedule: Sendable {
    public let waits: [Duration]

    public init(waits: [Duration]) { self.waits = waits }

    public static let standard = WebhookRetrySchedule(waits: [
        .seconds(5), .seconds(300), .seconds(1800), .seconds(7200), .seconds(18000), .seconds(36000), .seconds(36000),
    ])

    /// The wait after attempt `attempt` (1-based) failed; nil when it was the last.
    public func wait(after attempt: Int) -> Duration? {
        attempt >= 1 && attempt <= waits.count ? waits[attempt - 1] : nil
    }

    public var attempts: Int { waits.count + 1 }
}
