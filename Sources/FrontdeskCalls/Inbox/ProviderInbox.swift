import Foundation
import FrontdeskCore
import FrontdeskStore
import Logging
import Synchronization

/// Acts on accepted provider events after the webhook has answered: in arrival order per key (one
/// call, one SMS conversation), different keys in parallel. Each event was stored before the 2xx;
/// it is marked processed when done, and what a crash left unprocessed is acted on again.
///
/// With several instances on one database, a key's events are acted on by the instance that holds the
/// key (`KeyOwnership`): the one whose call session is live, or the first to claim it. An instance that
/// accepts an event for a key another holds hands it over (the holder reads it from the database); the
/// holder of a live call keeps its key until the call ends; an instance that dies lets go of its keys,
/// and whichever instance next claims one acts on what is waiting for it — and takes the call over.
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

    /// One provider's part: who acts on its events, whether this instance keeps a key once its events
    /// are done (a call live here), and how a call left in progress by a stopped instance is taken over.
    package struct Provider: Sendable {
        let handler: Handler
        let keeps: @Sendable (_ key: String) -> Bool
        /// The key of a stored call in progress, and how to take it over (false: it cannot be, e.g.
        /// its audio ran over a stream that ended with its instance).
        let callKey: (@Sendable (Call) -> String)?
        let resume: (@Sendable (Call) async -> Bool)?

        package init(
            handler: @escaping Handler, keeps: @escaping @Sendable (String) -> Bool = { _ in false },
            callKey: (@Sendable (Call) -> String)? = nil, resume: (@Sendable (Call) async -> Bool)? = nil
        ) {
            self.handler = handler
            self.keeps = keeps
            self.callKey = callKey
            self.resume = resume
        }
    }

    private struct State {
        /// The last queued work per key; the next one waits for it.
        var chains: [String: (id: Int, task: Task<Void, Never>)] = [:]
        /// Keys this instance holds (claimed once each).
        var owned: Set<String> = []
        /// Events queued and not yet marked ("provider\0id"): not queued twice.
        var inFlight: Set<String> = []
    }

    private let store: Store
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let providers = Mutex<[String: Provider]>([:])
    private let state = Mutex(State())
    private let counter = Atomic<Int>(0)
    /// Events acted on whose mark is not written yet: written together, in one transaction.
    private let marks = Mutex<[PendingProviderEvent]>([])

    package init(store: Store, now: @escaping @Sendable () -> Date, logger: Logger) {
        self.store = store
        self.now = now
        self.logger = logger
    }

    /// Who acts on `provider`'s events.
    package func register(provider: String, handler: @escaping Handler) {
        register(provider: provider, Provider(handler: handler))
    }

    package func register(provider name: String, _ provider: Provider) {
        providers.withLock { $0[name] = provider }
    }

    private var ownership: any KeyOwnership { store.ownership }

    // MARK: routing

    /// An accepted event: acted on here when this instance holds its key or can take it; otherwise
    /// handed over to the instance that holds it.
    func route(_ event: PendingProviderEvent, key: String, parsed: (any Sendable)? = nil) async {
        if await hold(key) {
            enqueue(event, key: key, parsed: parsed)
        } else {
            await ownership.handOver(key)
        }
    }

    /// Whether this instance holds `key`, claiming it when it does not yet.
    private func hold(_ key: String) async -> Bool {
        if state.withLock({ $0.owned.contains(key) }) { return true }
        guard await ownership.claim(key) else { return false }
        let first = state.withLock { $0.owned.insert(key).inserted }
        if !first { await ownership.release(key) }  // claimed twice meanwhile: held once
        return true
    }

    /// Acts on what is waiting for `key` when this instance holds it or can take it (a handover from
    /// another instance, or an event an instance that stopped left behind).
    func adopt(_ key: String) async {
        guard await hold(key) else { return }
        do {
            let waiting = try await store.events.pending(key: key, limit: 1_000)
            for event in waiting { enqueue(event, key: key) }
        } catch {
            logger.error("Could not read the events waiting for a key", metadata: ["key": "\(key)", "error": "\(error)"])
        }
        await releaseIfIdle(key)
    }

    /// Lets go of `key` when nothing here needs it: no queued work, no live call.
    private func releaseIfIdle(_ key: String) async {
        let provider = providers.withLock { Array($0.values) }
        let release = state.withLock { state -> Bool in
            guard state.owned.contains(key), state.chains[key] == nil, !provider.contains(where: { $0.keeps(key) }) else { return false }
            state.owned.remove(key)
            return true
        }
        if release { await ownership.release(key) }
    }

    /// Queues an accepted event behind earlier ones with the same key (once: an event already queued
    /// here is not queued again).
    func enqueue(_ event: PendingProviderEvent, key: String, parsed: (any Sendable)? = nil) {
        let id = counter.add(1, ordering: .relaxed).newValue
        state.withLock { state in
            guard state.inFlight.insert(Self.name(event)).inserted else { return }
            let previous = state.chains[key]?.task
            let task = Task { [self] in
                await previous?.value
                await self.process(event, parsed: parsed)
                let last = self.state.withLock { state -> Bool in
                    guard state.chains[key]?.id == id else { return false }
                    state.chains[key] = nil
                    return true
                }
                if last { await self.releaseIfIdle(key) }
            }
            state.chains[key] = (id, task)
        }
    }

    private static func name(_ event: PendingProviderEvent) -> String { event.provider + "\u{0}" + event.eventId }

    private func process(_ event: PendingProviderEvent, parsed: (any Sendable)?) async {
        if let handler = providers.withLock({ $0[event.provider]?.handler }) {
            let started = ContinuousClock.now
            let outcome = await handler(event, parsed)
            Telemetry.webhookHandled(provider: event.provider, .now - started)
            guard outcome == .done else {
                logger.notice("Provider event kept for the next start", metadata: ["provider": "\(event.provider)", "event_id": "\(event.eventId)"])
                _ = state.withLock { $0.inFlight.remove(Self.name(event)) }
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
            logger.error("Could not mark events processed (they are acted on again later)", metadata: ["count": "\(batch.count)", "error": "\(error)"])
        }
        state.withLock { state in
            for event in batch { state.inFlight.remove(Self.name(event)) }
        }
    }

    // MARK: background work

    /// Acts on keys other instances hand over, until the task is cancelled.
    package func followHandovers() async {
        for await key in ownership.handovers {
            await adopt(key)
        }
    }

    /// Every `interval`, until cancelled: events that have waited longer than `interval` for a key no
    /// live instance holds are acted on here, and calls left in progress by an instance that stopped are
    /// taken over (with one process: the calls a crash or kill left behind).
    package func sweep(every interval: Duration) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            guard !Task.isCancelled else { return }
            await sweepOnce(waitingLongerThan: interval)
        }
    }

    /// One sweep (also at start-up, with nothing waited for).
    package func sweepOnce(waitingLongerThan wait: Duration) async {
        let before = now().addingTimeInterval(-Double(wait.components.seconds) - Double(wait.components.attoseconds) / 1e18)
        do {
            for key in try await store.events.pendingKeys(acceptedBefore: before, limit: 500) {
                await adopt(key)
            }
        } catch {
            logger.error("Could not look for waiting provider events", metadata: ["error": "\(error)"])
        }
        await takeOverCalls()
    }

    /// Calls in progress that no instance holds: taken over (their provider resumes the session).
    private func takeOverCalls() async {
        let providers = self.providers.withLock { $0 }
        let calls: [Call]
        do {
            calls = try await store.calls.inProgress(limit: 500)
        } catch {
            return logger.error("Could not look for calls left in progress", metadata: ["error": "\(error)"])
        }
        for call in calls {
            guard let provider = providers[call.provider], let callKey = provider.callKey, let resume = provider.resume else { continue }
            let key = callKey(call)
            if provider.keeps(key) || state.withLock({ $0.owned.contains(key) }) { continue }  // live here
            guard await hold(key) else { continue }  // live on another instance
            if await resume(call) {
                Telemetry.callTakenOver(provider: call.provider)
                logger.notice("Took over a call left in progress", metadata: ["call_id": "\(call.id.rawValue)", "key": "\(key)"])
            }
            await releaseIfIdle(key)
        }
    }

    /// Waits until every queued event has been acted on and its mark written (the last step of a
    /// graceful stop: the webhooks have stopped coming by then).
    package func drain() async {
        while true {
            let running = state.withLock { $0.chains.values.map(\.task) }
            guard !running.isEmpty else { return }
            for task in running { await task.value }
        }
    }

    /// Events accepted but not processed (the process stopped in between), routed like new ones.
    package func replayPending(key: @Sendable (PendingProviderEvent) -> String) async {
        do {
            let pending = try await store.events.pending()
            if !pending.isEmpty { logger.notice("Replaying provider events accepted before a restart", metadata: ["count": "\(pending.count)"]) }
            for event in pending { await route(event, key: event.key ?? key(event)) }
        } catch {
            logger.error("Could not read pending provider events", metadata: ["error": "\(error)"])
        }
    }
}
