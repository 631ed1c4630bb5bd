import Foundation
import FrontdeskServer
import Hummingbird
import Logging
import NIOCore
import Synchronization
import Testing

/// A local stand-in for Telnyx's REST API: it records every Call Control command and message it
/// receives (with the JSON body) and answers like Telnyx — or with 500s when told to.
final class TelnyxTestServer: Sendable {
    struct Received: Sendable {
        let path: String
        let body: JSONValue
        /// The command (`answer`, `speak` …) or `messages`.
        var action: String { path.hasSuffix("/messages") ? "messages" : String(path.split(separator: "/").last ?? "") }
        var commandId: String? { body["command_id"]?.text }
        var clientState: String? { body["client_state"]?.text.flatMap { Data(base64Encoded: $0) }.flatMap { String(data: $0, encoding: .utf8) } }
    }

    let received = Mutex<[Received]>([])
    /// Requests answered 500 before the server behaves (each still recorded).
    let failuresToGive = Mutex(0)
    let port: Int
    private let task: Task<Void, any Error>

    private init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)/v2")! }

    static func start() async throws -> TelnyxTestServer {
        let holder = Mutex<TelnyxTestServer?>(nil)
        let router = Router()
        router.post("**") { request, context -> Response in
            var request = request
            let bytes = try await request.collectBody(upTo: 1 << 20)
            let body = (try? JSONDecoder().decode(JSONValue.self, from: Data(bytes.readableBytesView))) ?? .null
            guard let server = holder.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            let entry = Received(path: request.uri.path, body: body)
            server.received.withLock { $0.append(entry) }
            let fail = server.failuresToGive.withLock { count -> Bool in
                guard count > 0 else { return false }
                count -= 1
                return true
            }
            if fail {
                return Response(status: .internalServerError, body: .init(byteBuffer: ByteBuffer(string: #"{"errors":[{"title":"try again"}]}"#)))
            }
            let answer = entry.action == "messages"
                ? #"{"data":{"id":"msg-\#(UUID().uuidString.prefix(8))","record_type":"message","to":[{"status":"queued"}]}}"#
                : #"{"data":{"result":"ok"}}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: answer)))
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "telnyx-test-server")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: logger)
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        let server = TelnyxTestServer(port: port, task: task)
        holder.withLock { $0 = server }
        return server
    }

    func stop() { task.cancel() }

    func commands(_ action: String? = nil) -> [Received] {
        received.withLock { all in all.filter { action == nil ? $0.action != "messages" : $0.action == action } }
    }

    var spoken: [String] { commands("speak").compactMap { $0.body["payload"]?.text } }

    /// A client with short retry waits, for tests.
    func client(backoff: [Duration] = [.milliseconds(20), .milliseconds(40)]) -> TelnyxClient {
        TelnyxClient(apiKey: "KEY_TEST", baseURL: baseURL, timeout: .seconds(2), backoff: backoff)
    }
}

/// Waits until `condition` holds (the webhook has answered; the work happens after).
func eventually(
    _ what: String = "condition", timeout: Duration = .seconds(5), _ condition: @Sendable () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(5))
    }
    Issue.record("timed out waiting for \(what)")
}
