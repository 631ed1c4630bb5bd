import Foundation
import FrontdeskCore
import FrontdeskStore
import Logging
import Synchronization

/// Acts on accepted provider events after the webhook has answered: in arrival order per key (one
/// call, one SMS conversation), different keys in parallel. Each event was stored before the 2xx;
/// it is marked processed when done, and what a crash left unprocessed is replayed at start-up.
package final class ProviderInbox: Sendable {
    /// Acts on an event; `parsed` is the webhook's own decoding of it when there was one (a replay
    /// decodes the stored body again).
    package typealias Handler = @Sendable (_ event: PendingProviderEvent, _ parsed: (any Sendable)?) async -> Outcome

    /// What became of an event.
    package enum Outcome: Sendable {
        /// Acted on (or nothing to do): marked processed.
        case done
        /// Not acted on because this process is stopping (a call that must not be answered by a server
        /// on its way out): left pending, so the next start acts on it.
        case keepForReplay
    }

    private let store: Store
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let handlers = Mutex<[String: Handler]>([:])
    /// The last queued work per key; the next one waits for it.
    private let chains = Mutex<[String: (id: Int, task: Task<Void, Never>)]>([:])
    private let counter = Atomic<Int>(0)
    /// Events acted on whose mark is not written yet: written together, in one transaction.
    private let marks = Mutex<[PendingProviderEvent]>([])

    package init(store: Store, now: @escaping @Sendable () -> Date, logger: Logger) {
        self.store = store
        self.now = now
        self.logger = logger
    }

    /// Who acts on `provider`'s events, and how an event's ordering key is found.
    package func register(provider: String, handler: @escaping Handler) {
        handlers.withLock { $0[provider] = handler }
    }

    /// Queues an accepted event behind earlier ones with the same key.
    func enqueue(_ event: PendingProviderEvent, key: String, parsed: (any Sendable)? = nil) {
        let id = counter.add(1, ordering: .relaxed).newValue
        chains.withLock { chains in
            let previous = chains[key]?.task
            let task = Task { [self] in
                await previous?.value
                await self.process(event, parsed: parsed)
                self.chains.withLock { chains in
                    if chains[key]?.id == id { chains[key] = nil }
                }
            }
            chains[key] = (id, task)
        }
    }

    private func process(_ event: PendingProviderEvent, parsed: (any Sendable)?) async {
        if let handler = handlers.withLock({ $0[event.provider] }) {
            guard await handler(event, parsed) == .done else {
                logger.notice("Provider event kept for the next start", metadata: ["provider": "\(event.provider)", "event_id": "\(event.eventId)"])
                return
            }
        } else {
            logger.error("No handler for provider events", metadata: ["provider": "\(event.provider)"])
        }
        // The first mark of a batch writes the batch, with whatever joined it meanwhile.
        let first = marks.withLock { marks in
            marks.append(event)
            return marks.count == 1
        }
        guard first else { return }
        await Task.yield()
        let batch = marks.withLock { marks in defer { marks = [] }; return marks }
        do {
            try await store.events.markProcessed(batch.map { ($0.provider, $0.eventId) }, at: now())
        } catch {
            logger.error("Could not mark events processed (they are replayed at the next start)", metadata: ["count": "\(batch.count)", "error": "\(error)"])
        }
    }

    /// Waits until every queued event has been acted on and its mark written (the last step of a
    /// graceful stop: the webhooks have stopped coming by then).
    package func drain() async {
        while true {
            let running = chains.withLock { $0.values.map(\.task) }
            guard !running.isEmpty else { return }
            for task in running { await task.value }
        }
    }

    /// Replays events accepted but not processed (the process stopped in between).
    package func replayPending(key: @Sendable (PendingProviderEvent) -> String) async {
        do {
            let pending = try await store.events.pending()
            if !pending.isEmpty { logger.notice("Replaying provider events accepted before a restart", metadata: ["count": "\(pending.count)"]) }
            for event in pending { enqueue(event, key: key(event)) }
        } catch {
            logger.error("Could not read pending provider events", metadata: ["error": "\(error)"])
        }
    }
}
