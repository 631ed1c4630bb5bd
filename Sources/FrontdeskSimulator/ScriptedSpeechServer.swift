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
///
/// A line the simulator is speaking (`speak(words:ends:)`) is given back as a streaming recogniser
/// would: a `Finalize` gets only the words whose audio has been played by then (from the generated
/// audio's word timings), and each word once — so a pause mid-sentence hears "I'd like to book on",
/// and the rest comes with the next `Finalize`. That is what semantic end of turn is tested against.
public final class ScriptedSpeechServer: Sendable {
    public static let label = "frontdesk-scripted-stand-in (returns the script's lines; it does not recognise speech)"

    public let port: Int
    private let task: Task<Void, any Error>
    private let lines = Mutex<[Line]>([])

    /// A queued line: its words, when each ends in the played audio (nil: all known at once), when its
    /// audio started playing, and how many words were given back already.
    private struct Line {
        var words: [String]
        var ends: [Duration]?
        var started: ContinuousClock.Instant
        var given = 0
    }
    /// Audio bytes each utterance (connection) carried, once it is closed.
    public let utterances = Mutex<[Int]>([])

    private init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// The words the next utterance will be "recognised" as (all of them at the first `Finalize`).
    public func queue(_ line: String) {
        let words = line.split(separator: " ").map(String.init)
        lines.withLock { $0.append(Line(words: words, ends: nil, started: .now)) }
    }

    /// A line whose audio starts playing now: `ends[i]` is when word `i`'s audio ends, from the start.
    public func speak(words: [String], ends: [Duration]) {
        precondition(words.count == ends.count)
        lines.withLock { $0.append(Line(words: words, ends: ends, started: .now)) }
    }

    /// The words of the oldest line heard by now and not given back yet (the line is used up when
    /// all its words have been).
    private func wordsHeard() -> String? {
        lines.withLock { lines -> String? in
            guard var line = lines.first else { return nil }
            let played = ContinuousClock.now - line.started
            let heard = line.ends.map { ends in ends.prefix { $0 <= played }.count } ?? line.words.count
            let words = line.words[min(line.given, heard)..<heard]
            line.given = max(line.given, heard)
            if line.given >= line.words.count { lines.removeFirst() } else { lines[0] = line }
            return words.joined(separator: " ")
        }
    }

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
        var total = 0
        var sinceFinalize = 0
        for try await message in inbound.messages(maxSize: 1 << 22) {
            switch message {
            case .binary(let buffer):
                total += buffer.readableBytes
                sinceFinalize += buffer.readableBytes
            case .text(let text) where text.contains("\"Finalize\""):
                // Nothing was sent, nothing was said: an empty result, and no line used up. The
                // fallback (load tests) is a whole utterance's words, given when audio came since
                // the last `Finalize` (a call's connection carries many utterances).
                var line = ""
                if total > 0 {
                    if let heard = wordsHeard() {
                        line = heard
                    } else if sinceFinalize > 0, let fallback = fallbackLine.withLock({ $0 }) {
                        line = fallback
                    }
                }
                sinceFinalize = 0
                let delay = finalDelay.withLock { $0 }
                if delay > .zero { try await Task.sleep(for: delay) }
                try await outbound.write(.text(Self.results(line)))
            case .text(let text) where text.contains("\"CloseStream\""):
                if total > 0 { utterances.withLock { $0.append(total) } }
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
