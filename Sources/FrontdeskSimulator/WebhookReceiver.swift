import Foundation
import FrontdeskCore
import FrontdeskWire
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A local receiver of Frontdesk's outbound webhooks, for the simulator, the tests and the benchmark:
/// it records every delivery with its headers and body, checks both signatures once it knows the
/// endpoint's secret, and answers 200 — or 500 when told to fail. It dedupes nothing itself: what it
/// saw twice is there twice (`uniqueIds` dedupes by `webhook-id`, as a receiver should).
public final class WebhookReceiver: Sendable {
    public struct Delivery: Sendable {
        public let webhookId: String?
        public let timestamp: String?
        public let signature: String?
        public let seedSignature: String?
        public let body: [UInt8]
        public let receivedAt: ContinuousClock.Instant
        public let receivedAtDate: Date

        public var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
        public var event: String? { json["event"]?.text }
        public var data: JSONValue { json["data"] ?? .null }

        /// Both signatures hold for `secret` (Standard Webhooks' and the CRM seed's `X-Signature`).
        public func verifies(secret: String) -> Bool {
            guard let webhookId, let timestamp = timestamp.flatMap(Int.init), let signature, let seedSignature else { return false }
            return WebhookSigning.verifyStandard(secret: secret, id: webhookId, timestamp: timestamp, body: body, header: signature)
                && WebhookSigning.constantTimeEqual(seedSignature, WebhookSigning.seedSignature(secret: secret, body: body))
        }
    }

    public let port: Int
    private let task: Task<Void, any Error>
    private let received = Mutex<[Delivery]>([])
    /// Deliveries answered 500 before the receiver accepts again (each still recorded).
    public let failuresToGive = Mutex(0)
    /// Every delivery answered 500 (a receiver that is down).
    public let failing = Mutex(false)

    private init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    /// The URL to register as the endpoint.
    public var url: String { "http://127.0.0.1:\(port)/hooks" }

    public static func start(port: Int = 0) async throws -> WebhookReceiver {
        let holder = Mutex<WebhookReceiver?>(nil)
        let router = Router()
        router.post("hooks") { request, _ -> Response in
            var request = request
            let bytes = try await request.collectBody(upTo: 4 << 20)
            guard let receiver = holder.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            func header(_ name: String) -> String? { request.headers[HTTPField.Name(name)!] }
            receiver.received.withLock {
                $0.append(
                    Delivery(
                        webhookId: header("webhook-id"), timestamp: header("webhook-timestamp"), signature: header("webhook-signature"),
                        seedSignature: header("X-Signature"), body: Array(bytes.readableBytesView), receivedAt: .now, receivedAtDate: Date()))
            }
            let fail = receiver.failing.withLock { $0 } || receiver.failuresToGive.withLock { count in
                guard count > 0 else { return false }
                count -= 1
                return true
            }
            return Response(status: fail ? .internalServerError : .ok)
        }
        let (bound, task) = try await LoopbackServer.start(router, port: port, name: "webhook-receiver")
        let receiver = WebhookReceiver(port: bound, task: task)
        holder.withLock { $0 = receiver }
        return receiver
    }

    public func stop() { task.cancel() }

    /// Everything received, in arrival order (repeats included).
    public var deliveries: [Delivery] { received.withLock { $0 } }

    /// The distinct `webhook-id`s received.
    public var uniqueIds: Set<String> { Set(deliveries.compactMap(\.webhookId)) }

    /// The deliveries of events of `type`.
    public func deliveries(of type: String) -> [Delivery] { deliveries.filter { $0.event == type } }

    /// Waits until `condition` holds on what was received (nil: it did not within `timeout`).
    @discardableResult
    public func wait(timeout: Duration = .seconds(10), until condition: ([Delivery]) -> Bool) async -> [Delivery]? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let now = deliveries
            if condition(now) { return now }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }
}
