import Foundation
import FrontdeskCore
import FrontdeskStore
import FrontdeskWire

/// Stores accepted webhook events durably before their 2xx, with group commit: events that arrive
/// while a write is running are written together in the next transaction, and each request is
/// answered only once its own event is committed.
package final class EventAcceptor: Sendable {
    private struct Waiting: Sendable {
        let event: PendingProviderEvent
        let continuation: CheckedContinuation<Bool, any Error>
    }

    private let waiting: BatchQueue<Waiting>

    package init(store: Store, now: @escaping @Sendable () -> Date) {
        // One write (and one statement prepared) for every event that came meanwhile.
        waiting = BatchQueue { batch in
            do {
                let results = try await store.events.accept(batch.map(\.event), at: now())
                for (waiting, isNew) in zip(batch, results) { waiting.continuation.resume(returning: isNew) }
            } catch {
                for waiting in batch { waiting.continuation.resume(throwing: error) }
            }
        }
    }

    /// True when the event is new; false for a duplicate delivery. Durable when this returns.
    func accept(_ event: PendingProviderEvent) async throws -> Bool {
        try await withCheckedThrowingContinuation { continuation in
            waiting.add(Waiting(event: event, continuation: continuation))
        }
    }

    /// A verified webhook's event: stored (durably, deduplicated, with its ordering key), then queued to
    /// be acted on when new — here, or by the instance that holds its key.
    package func intake(
        _ event: PendingProviderEvent, into inbox: ProviderInbox, key: String, parsed: (any Sendable)? = nil
    ) async throws -> WebhookReceipt {
        var event = event
        event.key = key
        let isNew = try await accept(event)
        Telemetry.webhookEvent(provider: event.provider, duplicate: !isNew)
        if isNew { await inbox.route(event, key: key, parsed: parsed) }
        return WebhookReceipt(received: true, duplicate: !isNew, eventId: event.eventId, eventType: event.type ?? "")
    }
}

/// What a provider's webhook is answered with: `duplicate` when the event id was seen before.
package struct WebhookReceipt: Encodable, Sendable, DirectJSONEncodable {
    let received: Bool
    let duplicate: Bool
    let eventId: String
    let eventType: String

    enum CodingKeys: String, CodingKey {
        case received, duplicate
        case eventId = "event_id"
        case eventType = "event_type"
    }

    /// Every webhook answers with one: written directly (the same JSON as `Encodable`'s).
    package func writeJSON(to writer: inout JSONWriter) throws {
        writer.beginObject()
        writer.field("received", received)
        writer.field("duplicate", duplicate)
        writer.field("event_id", eventId)
        writer.field("event_type", eventType)
        writer.endObject()
    }
}
