import Foundation

/// What happened in a business that its team and its other systems may follow: delivered on the
/// `/api/ws` WebSocket and to the business's signed outbound webhooks, kept for a window so a client
/// that reconnects gets what it missed.
public enum EventType: String, Sendable, Codable, CaseIterable, Hashable {
    case callStarted = "call.started"
    case callEnded = "call.ended"
    case transcriptTurn = "transcript.turn"
    case leadCreated = "lead.created"
    case leadUpdated = "lead.updated"
    case leadQualified = "lead.qualified"
    case appointmentBooked = "appointment.booked"
    case appointmentMoved = "appointment.moved"
    case appointmentCancelled = "appointment.cancelled"
    case appointmentNoShow = "appointment.no_show"
    case messageReceived = "message.received"
    case messageSent = "message.sent"
    /// A tag was added to a contact (by a member or a workflow).
    case contactTagged = "contact.tagged"
    case conversationAssigned = "conversation.assigned"
    case agentStatus = "agent.status"
    case notificationCreated = "notification.created"
}

/// The position of an event in the feed: increasing in the order events were stored. Shown as
/// `evt_<n>`, the id a client sends back to get what it missed.
public struct EventSequence: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let value: Int64

    public init(_ value: Int64) { self.value = value }

    /// `evt_123` → 123; nil for anything else.
    public init?(id: String) {
        guard id.hasPrefix("evt_"), let value = Int64(id.dropFirst(4)), value > 0, String(value) == id.dropFirst(4) else {
            return nil
        }
        self.value = value
    }

    public var id: String { "evt_\(value)" }
    public var description: String { id }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
}

/// One stored event. `data` is the JSON object of the resource as the API shows it.
public struct DomainEvent: Sendable, Hashable {
    public let sequence: EventSequence
    public let businessId: BusinessID
    public let type: EventType
    /// A JSON object (UTF-8), as the API encodes the resource.
    public let data: String
    public let occurredAt: Date

    public init(sequence: EventSequence, businessId: BusinessID, type: EventType, data: String, occurredAt: Date) {
        self.sequence = sequence
        self.businessId = businessId
        self.type = type
        self.data = data
        self.occurredAt = occurredAt
    }

    public var id: String { sequence.id }
}

/// An event about to be stored (it gets its sequence when it is).
public struct NewEvent: Sendable {
    public let businessId: BusinessID
    public let type: EventType
    public let data: String
    public let occurredAt: Date

    public init(businessId: BusinessID, type: EventType, data: String, occurredAt: Date) {
        self.businessId = businessId
        self.type = type
        self.data = data
        self.occurredAt = occurredAt
    }
}
