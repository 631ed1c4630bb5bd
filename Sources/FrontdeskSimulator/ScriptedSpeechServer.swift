import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// A SCRIPTED speech-to-text stand-in for the simulator and the tests. It speaks Deepgram's streaming
/// protocol (`/v1/listen`: binary audio in, `Finalize`, `Results` out, `CloseStream`) so the server's
/// real Deepgram client is what talks to it — but it does not listen: each utterance that carried
/// audio comes back as the next line the simulator queued. It says so in every result it sends
/// (`metadata.model_info.name`) and the simulator says so in its report.
public final class ScriptedSpeechServer: Sendable {
    public static let label = "frontdesk-scripted-stand-in (returns the script's lines; it does not recognise speech)"

    public let port: Int
    private let task: Task<Void, any Error>
    private let lines = Mutex<[String]>([])
    /// Audio bytes each finalised utterance carried.
    public let utterances = Mutex<[Int]>([])

    private init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// The words the next utterance will be "recognised" as.
    public func queue(_ line: String) { lines.withLock { $0.append(line) } }

    /// What an utterance is "recognised" as when no line is queued (load tests); none by default.
    public let fallbackLine = Mutex<String?>(nil)

    /// How long the stand-in takes to answer `Finalize` (a provider's own time, for tests).
    public let finalDelay = Mutex<Duration>(.zero)

    public func stop() { task.cancel() }

    public static func start(port: Int = 0) async throws -> ScriptedSpeechServer {
        let box = Box()
        let sockets = Router(context: BasicWebSocketRequestContext.self)
        sockets.ws("v1/listen") { inbound, outbound, _ in
            guard let server = box.server.withLock({ $0 }) else { return }
            try await server.serve(inbound: inbound, outbound: outbound)
        }
        let (bound, task) = try await LoopbackServer.start(Router(), sockets: sockets, port: port, name: "scripted speech-to-text stand-in")
        let server = ScriptedSpeechServer(port: bound, task: task)
        box.server.withLock { $0 = server }
        return server
    }

    private final class Box: Sendable {
        let server = Mutex<ScriptedSpeechServer?>(nil)
    }

    private func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        var bytes = 0
        for try await message in inbound.messages(maxSize: 1 << 22) {
            switch message {
            case .binary(let buffer):
                bytes += buffer.readableBytes
            case .text(let text) where text.contains("\"Finalize\""):
                // Nothing was sent, nothing was said: an empty result, and no line used up.
                let fallback = fallbackLine.withLock { $0 } ?? ""
                let line = bytes == 0 ? "" : lines.withLock { $0.isEmpty ? fallback : $0.removeFirst() }
                utterances.withLock { $0.append(bytes) }
                bytes = 0
                let delay = finalDelay.withLock { $0 }
                if delay > .zero { try await Task.sleep(for: delay) }
                try await outbound.write(.text(Self.results(line)))
            case .text(let text) where text.contains("\"CloseStream\""):
                try await outbound.write(.text(#"{"type":"Metadata","model_info":{"name":"\#(Self.label)"}}"#))
                try await outbound.close(.normalClosure, reason: nil)
                return
            default:
                continue
            }
        }
    }

    static func results(_ line: String) -> String {
        let escaped = line.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return #"{"type":"Results","is_final":true,"speech_final":true,"from_finalize":true,"channel":{"alternatives":[{"transcript":"\#(escaped)","confidence":1.0}]},"metadata":{"model_info":{"name":"\#(label)"}}}"#
    }
}
