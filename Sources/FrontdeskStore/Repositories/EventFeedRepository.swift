import Foundation
import FrontdeskCore

/// The businesses' events, in the order they were stored, kept for a window (`prune`).
public protocol EventFeedRepository: Sendable {
    /// Stores the event; it is numbered after every event stored before it.
    func append(_ event: NewEvent) async throws -> DomainEvent

    /// The events of `businesses` after `after` (from the oldest kept when nil), oldest first.
    func events(businesses: [BusinessID], after: EventSequence?, limit: Int) async throws -> [DomainEvent]

    /// One event by its sequence.
    func event(_ sequence: EventSequence) async throws -> DomainEvent?

    /// The oldest event still kept (nil when none is).
    func oldest() async throws -> EventSequence?

    /// The newest event stored (nil when none is).
    func newest() async throws -> EventSequence?

    /// Forgets events older than `before`; returns how many.
    @discardableResult
    func prune(before: Date) async throws -> Int

    /// Hands `handle` every event other instances store from now on, until cancelled (PostgreSQL;
    /// SQLite has one process and returns at once).
    func listenToOtherInstances(_ handle: @escaping @Sendable (DomainEvent) -> Void) async
}
