import AsyncHTTPClient
import Foundation
import FrontdeskCore
import FrontdeskStore
import FrontdeskWire
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Sends the businesses' events to their webhook endpoints, in the background: stored events become
/// deliveries (`WebhookRepository.dispatch`), due deliveries are leased and posted, each attempt is
/// logged, failures are retried on `schedule`, and an endpoint whose deliveries fail for the whole
/// schedule is disabled (`onEndpointDisabled` tells its owner). Nothing here is on a call's path: a
/// call only stores its events. Several instances share the queue; a delivery cut off by a crash is
/// leased again once its lease runs out, so every event arrives at least once (receivers dedupe by
/// `webhook-id`).
package final class WebhookDeliverer: Sendable {
    private let store: Store
    private let policy: OutboundURLPolicy
    private let schedule: WebhookRetrySchedule
    private let now: @Sendable () -> Date
    private let logger: Logger
    /// Attempts under way at once.
    private let concurrency: Int
    /// How long a receiver may take before the attempt counts as failed.
    private let timeout: Duration
    /// How long a leased delivery stays with this sender (past the timeout, so a live attempt keeps it).
    private let lease: Duration
    /// How often due retries are looked for when nothing new arrives.
    private let poll: Duration
    /// How long events stay in the feed (WebSocket replay) and finished deliveries in the log.
    private let eventRetention: TimeInterval
    private let deliveryRetention: TimeInterval
    private let onEndpointDisabled: @Sendable (WebhookEndpointID, BusinessID, String) async -> Void
    private let wakeup = Wakeup()

    package init(
        store: Store, policy: OutboundURLPolicy, schedule: WebhookRetrySchedule = .standard, now: @escaping @Sendable () -> Date,
        logger: Logger, concurrency: Int = 32, timeout: Duration = .seconds(10), poll: Duration = .seconds(1),
        eventRetention: TimeInterval = 7 * 86_400, deliveryRetention: TimeInterval = 30 * 86_400,
        onEndpointDisabled: @escaping @Sendable (WebhookEndpointID, BusinessID, String) async -> Void = { _, _, _ in }
    ) {
        self.store = store
        self.policy = policy
        self.schedule = schedule
        self.now = now
        self.logger = logger
        self.concurrency = concurrency
        self.timeout = timeout
        self.lease = timeout + .seconds(20)
        self.poll = poll
        self.eventRetention = eventRetention
        self.deliveryRetention = deliveryRetention
        self.onEndpointDisabled = onEndpointDisabled
    }

    /// The client deliveries go out through (made when the service runs, shut down when it stops).
    private func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        // A redirect could lead anywhere (past the address check): a 3xx is the receiver's answer.
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(Int64(timeout.components.seconds)))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Runs until cancelled: wakes when an event is published here, and every `poll` for retries and
    /// for events other instances stored.
    package func run() async {
        let http = makeClient()
        let (listener, published) = store.feed.listen(businesses: nil)
        await withTaskGroup(of: Step.self) { group in
            group.addTask { [wakeup] in
                for await _ in published { wakeup.signal() }
                return .stopped
            }
            group.addTask { [wakeup, poll] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: poll)
                    wakeup.signal()
                }
                return .stopped
            }
            group.addTask { [wakeup] in
                await wakeup.wait()
                return .woke
            }
            var inFlight = 0
            var lastPrune = Date.distantPast
            while !Task.isCancelled {
                await dispatchStored()
                if now().timeIntervalSince(lastPrune) > 3600 {
                    lastPrune = now()
                    await prune()
                }
                if inFlight < concurrency {
                    let due = await claim(limit: concurrency - inFlight)
                    for delivery in due {
                        inFlight += 1
                        group.addTask { [self] in
                            await send(delivery, through: http)
                            return .sent
                        }
                    }
                }
                guard let step = await group.next() else { break }
                switch step {
                case .sent: inFlight -= 1
                case .woke:
                    group.addTask { [wakeup] in
                        await wakeup.wait()
                        return .woke
                    }
                case .stopped: break
                }
            }
            store.feed.stopListening(listener)
            wakeup.signal()
            group.cancelAll()
        }
        try? await http.shutdown()
    }

    private enum Step: Sendable { case sent, woke, stopped }

    /// Turns every stored event not dispatched yet into deliveries.
    private func dispatchStored() async {
        do {
            while try await store.webhooks.dispatch(limit: 500, now: now()) == 500 {}
        } catch {
            logger.error("Events could not be turned into webhook deliveries; trying again", metadata: ["error": "\(error)"])
        }
    }

    private func claim(limit: Int) async -> [DueDelivery] {
        do {
            return try await store.webhooks.claimDue(now: now(), lease: lease, limit: limit)
        } catch {
            logger.error("Due webhook deliveries could not be read; trying again", metadata: ["error": "\(error)"])
            return []
        }
    }

    private func prune() async {
        do {
            let events = try await store.feed.repository.prune(before: now().addingTimeInterval(-eventRetention))
            let deliveries = try await store.webhooks.prune(before: now().addingTimeInterval(-deliveryRetention))
            if events + deliveries > 0 { logger.info("Old events and deliveries forgotten", metadata: ["events": "\(events)", "deliveries": "\(deliveries)"]) }
        } catch {
            logger.warning("Old events could not be pruned", metadata: ["error": "\(error)"])
        }
    }

    /// The body every receiver gets: the CRM seed's `{"event","data","timestamp"}`, and the event's id.
    package static func body(of event: DomainEvent) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("id", event.id)
        writer.field("event", event.type.rawValue)
        writer.key("data")
        writer.raw(Array(event.data.utf8))
        writer.field("timestamp", event.occurredAt)
        writer.endObject()
        return writer.bytes
    }

    /// One attempt, recorded with what follows from it.
    private func send(_ due: DueDelivery, through http: HTTPClient) async {
        let attemptedAt = now()
        let started = ContinuousClock.now
        var statusCode: Int?
        var failure: String?
        do {
            try await policy.check(due.url)
            let body = Self.body(of: due.event)
            let timestamp = Int(now().timeIntervalSince1970)
            var request = HTTPClientRequest(url: due.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "Frontdesk-Webhooks/1")
            request.headers.add(name: "webhook-id", value: due.event.id)
            request.headers.add(name: "webhook-timestamp", value: String(timestamp))
            if let signature = WebhookSigning.standardSignature(secret: due.secret, id: due.event.id, timestamp: timestamp, body: body) {
                request.headers.add(name: "webhook-signature", value: signature)
            }
            request.headers.add(name: "X-Signature", value: WebhookSigning.seedSignature(secret: due.secret, body: body))
            request.headers.add(name: "X-Frontdesk-Event", value: due.event.type.rawValue)
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await http.execute(request, timeout: .seconds(Int64(timeout.components.seconds)))
            statusCode = Int(response.status.code)
            // What the receiver says is not kept; read (a little of) it so the connection can be reused.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            if !(200..<300).contains(statusCode!) { failure = "the receiver answered \(statusCode!)" }
        } catch let refusal as OutboundURLPolicy.Refusal {
            failure = "not sent: the URL \(refusal)"
        } catch {
            failure = Self.describe(error)
        }
        let elapsed = ContinuousClock.now - started
        let attempt = WebhookAttempt(
            deliveryId: due.delivery.id, number: due.delivery.attempts + 1, attemptedAt: attemptedAt, statusCode: statusCode,
            error: failure, latencyMs: Double(elapsed.nanoseconds) / 1_000_000)
        let retryAt = attempt.succeeded ? nil : schedule.wait(after: due.attemptInSchedule).map { now().addingTimeInterval(Double($0.nanoseconds) / 1e9) }
        Telemetry.webhookDelivery(outcome: attempt.succeeded ? "succeeded" : retryAt == nil ? "failed" : "retrying", elapsed)
        do {
            let reason = "Every delivery attempt failed for \(Self.describeSchedule(schedule)) (last: \(failure ?? "?"))"
            let recorded = try await store.webhooks.record(attempt, retryAt: retryAt, now: now(), disabling: reason)
            if recorded.endpointDisabled {
                logger.warning(
                    "A webhook endpoint was disabled after its deliveries failed", metadata: ["endpoint_id": "\(due.delivery.endpointId)"])
                await onEndpointDisabled(due.delivery.endpointId, due.delivery.businessId, reason)
            }
        } catch {
            // The lease runs out and the delivery is tried again: at least once, never lost.
            logger.error("A webhook attempt could not be recorded", metadata: ["delivery_id": "\(due.delivery.id)", "error": "\(error)"])
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "connecting timed out"
            case .readTimeout, .deadlineExceeded: return "the receiver did not answer in time"
            case .remoteConnectionClosed: return "the receiver closed the connection"
            default: return "HTTP error: \(error)"
            }
        }
        if error is CancellationError { return "cancelled (the server stopped)" }
        return "could not connect: \(error)"
    }

    static func describeSchedule(_ schedule: WebhookRetrySchedule) -> String {
        let seconds = schedule.waits.reduce(Duration.zero, +).components.seconds
        return seconds >= 3600 ? "\(seconds / 3600) hours" : "\(seconds) seconds"
    }
}

/// A wake-up call that is never lost: a signal with nobody waiting is kept for the next wait.
final class Wakeup: Sendable {
    private let state = Mutex<(pending: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.pending {
                    state.pending = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }
}
