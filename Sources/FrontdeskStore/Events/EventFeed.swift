import Foundation
import FrontdeskCore
import FrontdeskWire
import Logging
import Synchronization

/// The businesses' events: stored in order (`EventFeedRepository`), then handed at once to everyone
/// listening in this process — WebSocket clients, the webhook dispatcher. Whoever changes something a
/// business follows publishes it here after the change is stored; publishing never fails its caller
/// (an event that cannot be stored is logged).
public final class EventFeed: Sendable {
    public let repository: any EventFeedRepository
    private let logger: Logger
    private let listeners = Mutex<[UInt64: Listener]>([:])
    private let nextListener = Atomic<UInt64>(1)
    /// Hears other instances' events (PostgreSQL), from the first listener on until the store closes.
    private let others = Mutex<(task: Task<Void, Never>?, closed: Bool)>((nil, false))

    /// How many events a listener may fall behind before it is cut off (it reconnects and replays).
    public static let listenerBuffer = 4096

    private struct Listener {
        /// Takes an event (synchronously, under the feed's lock: it must not block); false when the
        /// listener has fallen too far behind and is cut off.
        let take: @Sendable (DomainEvent) -> Bool
        let end: @Sendable () -> Void
        let businesses: Set<BusinessID>?
    }

    init(repository: any EventFeedRepository, logger: Logger = Logger(label: "frontdesk.events")) {
        self.repository = repository
        self.logger = logger
    }

    /// Stores the event and hands it to the listeners; nil (logged) when it could not be stored.
    @discardableResult
    public func publish(_ type: EventType, business: BusinessID, data: some Encodable & Sendable, at time: Date) async -> DomainEvent? {
        do {
            let text = String(decoding: try JSONWriter.encoder.encode(data), as: UTF8.self)
            let event = try await repository.append(NewEvent(businessId: business, type: type, data: text, occurredAt: time))
            Telemetry.eventPublished(type: type.rawValue)
            deliver(event)
            return event
        } catch {
            logger.error("An event could not be stored", metadata: ["type": "\(type.rawValue)", "business_id": "\(business)", "error": "\(error)"])
            return nil
        }
    }

    /// Hands a stored event to this process's listeners (events stored by another instance arrive here too).
    func deliver(_ event: DomainEvent) {
        let cut: [UInt64] = listeners.withLock { listeners in
            var cut: [UInt64] = []
            for (id, listener) in listeners where listener.businesses?.contains(event.businessId) ?? true {
                if !listener.take(event) { cut.append(id) }
            }
            return cut
        }
        for id in cut { stopListening(id) }
    }

    /// Events published from now on (for `businesses`, or all), until `stopListening`. The stream ends
    /// early when the listener falls `listenerBuffer` events behind.
    public func listen(businesses: Set<BusinessID>?) -> (id: UInt64, events: AsyncStream<DomainEvent>) {
        let (stream, continuation) = AsyncStream.makeStream(of: DomainEvent.self, bufferingPolicy: .bufferingOldest(Self.listenerBuffer))
        let id = listen(
            businesses: businesses,
            take: { event in
                if case .dropped = continuation.yield(event) { return false }
                return true
            },
            end: { continuation.finish() })
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        return (id, stream)
    }

    /// Events published from now on (for `businesses`, or all) handed to `take` as they are published,
    /// on the publisher's thread and under the feed's lock — so `take` only queues them (and returns
    /// false to be cut off). `end` is called when the listener is stopped or the store closes.
    public func listen(
        businesses: Set<BusinessID>?, take: @escaping @Sendable (DomainEvent) -> Bool, end: @escaping @Sendable () -> Void = {}
    ) -> UInt64 {
        others.withLock { others in
            guard others.task == nil, !others.closed else { return }
            let feed = WeakFeed(self)
            others.task = Task { [repository] in
                await repository.listenToOtherInstances { event in feed.feed?.deliver(event) }
            }
        }
        let id = nextListener.wrappingAdd(1, ordering: .relaxed).oldValue
        listeners.withLock { $0[id] = Listener(take: take, end: end, businesses: businesses) }
        return id
    }

    /// Changes which businesses a listener hears.
    public func change(_ id: UInt64, businesses: Set<BusinessID>?) {
        listeners.withLock { listeners in
            guard let listener = listeners[id] else { return }
            listeners[id] = Listener(take: listener.take, end: listener.end, businesses: businesses)
        }
    }

    public func stopListening(_ id: UInt64) {
        let listener = listeners.withLock { $0.removeValue(forKey: id) }
        listener?.end()
    }

    private func remove(_ id: UInt64) {
        _ = listeners.withLock { $0.removeValue(forKey: id) }
    }

    /// Listeners in this process.
    public var listenerCount: Int { listeners.withLock { $0.count } }

    /// Stops hearing other instances and ends every listener (the store is closing).
    func close() async {
        let task = others.withLock { others -> Task<Void, Never>? in
            others.closed = true
            defer { others.task = nil }
            return others.task
        }
        // Not awaited: a LISTEN under way ends when the database's connections close (next, in
        // `Store.close`), not at cancellation.
        task?.cancel()
        let all = listeners.withLock { listeners in
            defer { listeners.removeAll() }
            return Array(listeners.values)
        }
        for listener in all { listener.end() }
    }
}

/// The feed, held weakly by its own listening task (so the task never keeps a dropped store alive).
private final class WeakFeed: Sendable {
    nonisolated(unsafe) weak var feed: EventFeed?
    init(_ feed: EventFeed) { self.feed = feed }
}
