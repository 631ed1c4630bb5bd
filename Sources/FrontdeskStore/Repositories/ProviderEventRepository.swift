import Foundation
import FrontdeskCore

/// A provider event accepted and not yet acted on.
public struct PendingProviderEvent: Sendable, Equatable {
    public var provider: String
    public var eventId: String
    public var type: String?
    public var payload: Data
    /// What orders it: events with one key (one call, one texting pair) are acted on in arrival order,
    /// by the instance that holds the key (`KeyOwnership`).
    public var key: String?

    public init(provider: String, eventId: String, type: String?, payload: Data, key: String? = nil) {
        self.provider = provider
        self.eventId = eventId
        self.type = type
        self.payload = payload
        self.key = key
    }
}

/// What claiming a webhook's event id found.
public enum EventClaim: Sendable, Equatable {
    case new
    case answered(Data)
    case unfinished
}

public protocol ProviderEventRepository: Sendable {
    /// Records the event; returns false when it had been recorded before (a duplicate delivery).
    func recordIfNew(provider: String, eventId: String, type: String?, at now: Date) async throws -> Bool

    /// For a webhook answered with the result of acting on it (Twilio's TwiML): takes the event id the
    /// first time (`.new`); a redelivery gets the stored answer (`.answered`), or `.unfinished` when the
    /// first delivery never stored one (it failed or the process stopped) and it should be acted on again.
    func claim(provider: String, eventId: String, type: String?, at now: Date) async throws -> EventClaim

    /// Stores the answer given to a claimed event, for its redeliveries.
    func storeAnswer(provider: String, eventId: String, answer: Data) async throws

    /// Stores an accepted event with its body, durably, before it is acted on. False for a duplicate.
    func accept(provider: String, eventId: String, type: String?, payload: Data?, at now: Date) async throws -> Bool

    /// Stores several accepted events in one transaction; for each, false when it was a duplicate
    /// (of an earlier delivery, or of one before it in the same batch).
    func accept(_ events: [PendingProviderEvent], at now: Date) async throws -> [Bool]

    /// Marks several events acted on, in one transaction. The body is dropped then: it is kept only for
    /// a replay after a crash; the id stays for deduplication (and the table stays small).
    func markProcessed(_ events: [(provider: String, eventId: String)], at now: Date) async throws

    /// Accepted events not yet acted on, oldest first (replayed at start-up).
    func pending(limit: Int) async throws -> [PendingProviderEvent]

    /// Accepted events with `key` not yet acted on, in the order they were accepted (what an instance
    /// that takes the key over acts on).
    func pending(key: String, limit: Int) async throws -> [PendingProviderEvent]

    /// The keys of events accepted before `before` and not yet acted on, oldest first (left behind by an
    /// instance that stopped, or handed over while its owner was going away).
    func pendingKeys(acceptedBefore before: Date, limit: Int) async throws -> [String]

    /// Events accepted from `provider`, and how many of them have been acted on.
    func progress(provider: String) async throws -> (accepted: Int, processed: Int)

    func count(provider: String) async throws -> Int
}

extension ProviderEventRepository {
    /// Accepted events not yet acted on, oldest first, up to a thousand.
    public func pending() async throws -> [PendingProviderEvent] { try await pending(limit: 1000) }
}
