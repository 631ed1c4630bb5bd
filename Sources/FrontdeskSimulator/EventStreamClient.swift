import Foundation
import FrontdeskWire
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOWebSocket
import Synchronization

/// A client of `/api/ws`, as a dashboard or an integration would be: it logs in with a token, keeps
/// every frame with when it arrived, and closes when told. For the simulator's checks and the benchmark.
public final class EventStreamClient: Sendable {
    public struct Frame: Sendable {
        public let json: JSONValue
        public let receivedAt: ContinuousClock.Instant
        /// The wall clock at arrival (to compare with the event's `timestamp`, same machine).
        public let receivedAtDate: Date
        public var id: String? { json["id"]?.text }
        public var type: String? { json["type"]?.text }
        public var data: JSONValue { json["data"] ?? .null }
    }

    private let frames = Mutex<[Frame]>([])
    private let state = Mutex<(connected: Bool, closed: Bool)>((false, false))
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)
    private let stop = AsyncStream<Void>.makeStream()

    private init() {}

    /// Connects to `<base>/api/ws?<query>` (base `http://…`) with `token`; returns once subscribed (nil
    /// when the server did not accept within `timeout`).
    public static func connect(base: String, token: String, query: String = "", timeout: Duration = .seconds(10)) async -> EventStreamClient? {
        let client = EventStreamClient()
        let url = base.replacingOccurrences(of: "http://", with: "ws://").replacingOccurrences(of: "https://", with: "wss://")
            + "/api/ws" + (query.isEmpty ? "" : "?" + query)
        var configuration = WebSocketClientConfiguration()
        configuration.additionalHeaders[.authorization] = "Bearer \(token)"
        configuration.maxFrameSize = 1 << 20
        var logger = Logger(label: "event-stream")
        logger.logLevel = .critical
        let stopping = client.stop.stream
        let (settings, log) = (configuration, logger)
        client.task.withLock {
            $0 = Task {
                try? await WebSocketClient.connect(url: url, configuration: settings, logger: log) { inbound, outbound, _ in
                    let reader = Task {
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            guard case .text(let text) = message, let json = try? JSONParser.parse(text) else { continue }
                            let frame = Frame(json: json, receivedAt: .now, receivedAtDate: Date())
                            client.frames.withLock { $0.append(frame) }
                            if frame.type == "subscribed" { client.state.withLock { $0.connected = true } }
                        }
                    }
                    for await _ in stopping { break }
                    try? await outbound.close(.normalClosure, reason: nil)
                    _ = await reader.result
                }
                client.state.withLock { $0.closed = true }
            }
        }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let (connected, closed) = client.state.withLock { ($0.connected, $0.closed) }
            if connected { return client }
            if closed { break }
            try? await Task.sleep(for: .milliseconds(5))
        }
        await client.close()
        return nil
    }

    /// Every frame so far, in arrival order.
    public var received: [Frame] { frames.withLock { $0 } }
    /// The events (frames with an id).
    public var events: [Frame] { received.filter { $0.id != nil } }
    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Waits until `condition` holds on the events received (false: not within `timeout`).
    @discardableResult
    public func wait(timeout: Duration = .seconds(10), until condition: ([Frame]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(events) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition(events)
    }

    public func close() async {
        stop.continuation.finish()
        let running = task.withLock { $0 }
        await running?.value
    }
}
