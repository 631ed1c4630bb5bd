import Foundation
import FrontdeskCore
import FrontdeskServer
import FrontdeskWire
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A local stand-in for Telnyx's REST API, for the simulator and the tests: it records every Call
/// Control command (`POST /v2/calls/{id}/actions/{action}`) and message (`POST /v2/messages`) with its
/// JSON body and answers as Telnyx does — or with 500s when told to. It places no real calls.
public final class TelnyxStandIn: Sendable {
    public struct Received: Sendable {
        public let path: String
        /// The JSON body as sent (decoded when asked: under load the stand-in only records).
        public let raw: Data
        /// The request's `Idempotency-Key` header, if any.
        public var idempotencyKey: String? = nil
        /// A dial's new call (`POST /v2/calls`): the `call_control_id` the stand-in answered with.
        public var dialled: String? = nil
        public var body: JSONValue { (try? JSONParser.parse(raw)) ?? .null }
        /// When it arrived.
        public var receivedAt = ContinuousClock.now
        /// The command (`answer`, `speak` …) or `messages`.
        public var action: String { path.hasSuffix("/messages") ? "messages" : String(path.split(separator: "/").last ?? "") }
        /// The call the command is for.
        public var callControlId: String? {
            let parts = path.split(separator: "/")
            guard let index = parts.firstIndex(of: "calls"), index + 1 < parts.count else { return nil }
            return String(parts[index + 1]).removingPercentEncoding
        }
        public var commandId: String? { body["command_id"]?.text }
        public var clientState: String? {
            body["client_state"]?.text.flatMap { Data(base64Encoded: $0) }.flatMap { String(data: $0, encoding: .utf8) }
        }
    }

    public let received = Mutex<[Received]>([])
    /// Requests answered 500 before the stand-in behaves again (each still recorded).
    public let failuresToGive = Mutex(0)
    /// Requests answered 429 (rate limited: not taken) before the stand-in behaves again.
    public let rateLimitsToGive = Mutex(0)
    /// Requests answered only after this long (longer than a client's timeout: a request that may have
    /// been taken but was never confirmed), before the stand-in behaves again.
    public let stallsToGive = Mutex(0)
    public let stall = Duration.seconds(3)
    public let port: Int
    private let task: Task<Void, any Error>

    private init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    /// What `TELNYX_API_BASE` must be for a server to talk to this stand-in.
    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)/v2")! }

    /// Starts on `port` of 127.0.0.1 (0: any free port).
    public static func start(port: Int = 0) async throws -> TelnyxStandIn {
        let holder = Mutex<TelnyxStandIn?>(nil)
        let router = Router()
        router.post("**") { request, _ -> Response in
            var request = request
            let bytes = try await request.collectBody(upTo: 1 << 20)
            guard let server = holder.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            let entry = Received(
                path: request.uri.path, raw: Data(bytes.readableBytesView),
                idempotencyKey: request.headers[HTTPField.Name("Idempotency-Key")!],
                dialled: request.uri.path.hasSuffix("/calls") ? "v3:out-" + UUID().uuidString.lowercased() : nil)
            server.received.withLock { $0.append(entry) }
            // Each request's fate is decided as it arrives (a stalled one does not take a later one's).
            let stalls = takeOne(server.stallsToGive)
            let rateLimited = !stalls && takeOne(server.rateLimitsToGive)
            if stalls { try await Task.sleep(for: server.stall) }
            if rateLimited {
                return Response(
                    status: .tooManyRequests,
                    body: .init(byteBuffer: ByteBuffer(string: #"{"errors":[{"code":"10011","title":"Too many requests"}]}"#)))
            }
            let fail = !stalls && takeOne(server.failuresToGive)
            if fail {
                return Response(
                    status: .internalServerError,
                    body: .init(byteBuffer: ByteBuffer(string: #"{"errors":[{"code":"10007","title":"Unexpected error"}]}"#)))
            }
            let answer: String
            switch entry.action {
            case "messages":
                answer = #"{"data":{"id":"msg-\#(UUID().uuidString.lowercased())","record_type":"message","direction":"outbound","to":[{"phone_number":"\#(entry.body["to"]?.text ?? "")","status":"queued"}]}}"#
            case "calls":
                // Dial: a new call, ringing (its events are the test's to send).
                let id = entry.dialled ?? ""
                answer = #"{"data":{"call_control_id":"\#(id)","call_leg_id":"leg-\#(id)","call_session_id":"session-\#(id)","is_alive":false,"record_type":"call"}}"#
            default:
                answer = #"{"data":{"result":"ok"}}"#
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: answer)))
        }
        let (bound, task) = try await LoopbackServer.start(router, port: port, name: "telnyx-stand-in")
        let server = TelnyxStandIn(port: bound, task: task)
        holder.withLock { $0 = server }
        return server
    }

    public func stop() { task.cancel() }

    /// Call Control commands (all, or one kind), or `messages`.
    public func commands(_ action: String? = nil) -> [Received] {
        received.withLock { all in all.filter { action == nil ? !["messages", "calls"].contains($0.action) : $0.action == action } }
    }

    /// The calls dialled (`POST /v2/calls`), in order.
    public var dials: [Received] { commands("calls") }

    /// What the runtime asked Telnyx to say, in order.
    public var spoken: [String] { commands("speak").compactMap { $0.body["payload"]?.text } }

    /// Everything received so far (a mark to wait for what comes after).
    public var count: Int { received.withLock { $0.count } }

    /// What arrived after the first `mark` requests.
    public func received(after mark: Int) -> [Received] { received.withLock { Array($0.dropFirst(mark)) } }

    /// Waits until something arrives after `mark` that `matches`, then until nothing new has arrived
    /// for `quiet` (a reply may be several sentences); returns what arrived after `mark`. Gives up at
    /// `timeout` and returns what there is.
    public func settle(
        after mark: Int, quiet: Duration, timeout: Duration, until matches: (Received) -> Bool = { _ in true }
    ) async -> [Received] {
        let deadline = ContinuousClock.now + timeout
        var lastCount = -1
        var stableSince = ContinuousClock.now
        while ContinuousClock.now < deadline {
            let now = ContinuousClock.now
            let fresh = received.withLock { Array($0.dropFirst(mark)) }
            if fresh.count != lastCount {
                lastCount = fresh.count
                stableSince = now
            } else if fresh.contains(where: matches), now - stableSince >= quiet {
                return fresh
            }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return received.withLock { Array($0.dropFirst(mark)) }
    }
}

/// Takes one from a count of misbehaviours still to give; false when none are left.
private func takeOne(_ count: borrowing Mutex<Int>) -> Bool {
    count.withLock { count in
        guard count > 0 else { return false }
        count -= 1
        return true
    }
}
