import AsyncHTTPClient
import Foundation
import FrontdeskAudio
import FrontdeskCore
import FrontdeskMedia
import FrontdeskWire
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization

/// Deepgram-style streaming recognition: a WebSocket to `{base}/v1/listen` per utterance, audio as
/// binary frames (`mulaw` at 8 kHz, else `linear16`), `Results` frames back (interim and final),
/// `Finalize` when the caller has stopped (its results come back with `from_finalize`), then
/// `CloseStream`.
public struct DeepgramSpeechToText: SpeechToText {
    let baseURL: URL
    let apiKey: String?
    let model: String
    let logger: Logger
    public var name: String { "deepgram streaming at \(baseURL.absoluteString)" }

    public init(baseURL: URL, apiKey: String?, model: String = "nova-2-phonecall", logger: Logger) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.model = model
        self.logger = logger
    }

    /// The `/v1/listen` URL for audio at `sampleRate` (µ-law at 8 kHz, else 16-bit PCM).
    public func url(sampleRate: Int) -> String {
        var components = URLComponents(url: baseURL.appendingPathComponent("v1/listen"), resolvingAgainstBaseURL: false)!
        if components.scheme == "https" { components.scheme = "wss" } else if components.scheme == "http" { components.scheme = "ws" }
        components.queryItems = [
            URLQueryItem(name: "encoding", value: sampleRate == 8_000 ? "mulaw" : "linear16"),
            URLQueryItem(name: "sample_rate", value: String(sampleRate)),
            URLQueryItem(name: "channels", value: "1"),
            URLQueryItem(name: "model", value: model),
            URLQueryItem(name: "interim_results", value: "true"),
            URLQueryItem(name: "punctuate", value: "true"),
        ]
        return components.string!
    }

    public func utterance(sampleRate: Int, on executor: EventLoopExecutor?) throws -> any UtteranceRecognizer {
        DeepgramUtterance(url: url(sampleRate: sampleRate), apiKey: apiKey, sampleRate: sampleRate, executor: executor, logger: logger)
    }

    /// One connection for the whole call: each caller utterance is a turn on it (`Finalize` at its
    /// pauses and its end, the stream left open), `KeepAlive` while the caller is quiet, and a new
    /// connection for the next turn when one fails.
    public func callStream(sampleRate: Int, on executor: EventLoopExecutor?) -> (any CallSpeechStream)? {
        DeepgramCallStream { [self] in
            DeepgramUtterance(
                url: url(sampleRate: sampleRate), apiKey: apiKey, sampleRate: sampleRate, executor: executor, logger: logger, keepAlive: true)
        }
    }
}

/// A call's Deepgram connection, turn after turn.
package final class DeepgramCallStream: CallSpeechStream {
    private let open: @Sendable () -> DeepgramUtterance
    private let connection = Mutex<DeepgramUtterance?>(nil)

    init(open: @escaping @Sendable () -> DeepgramUtterance) { self.open = open }

    package func utterance() -> any UtteranceRecognizer {
        let (live, since) = connection.withLock { connection -> (DeepgramUtterance, Int) in
            if let current = connection {
                let position = current.position
                if !position.failed { return (current, position.finals) }
                current.close()
            }
            let fresh = open()
            connection = fresh
            return (fresh, 0)
        }
        return Turn(connection: live, since: since)
    }

    package func close() async {
        connection.withLock { connection in
            connection?.close()
            connection = nil
        }
    }

    /// One utterance on the call's connection: the words from its first final on.
    struct Turn: UtteranceRecognizer {
        let connection: DeepgramUtterance
        let since: Int
        func send(_ samples: [Int16]) { connection.send(samples) }
        func wordsSoFar() async -> Transcription? { await connection.wordsSoFar(since: since) }
        var hasWords: Bool { connection.hasWords(since: since) }
        func finish() async throws -> Transcription { try await connection.finishTurn(since: since) }
        /// The connection stays for the next turn.
        func cancel() async {}
    }
}

/// When a connection last sent something (ms of uptime).
private final class SentClock: Sendable {
    let value: Atomic<Int64>
    init(_ now: Int64) { value = Atomic(now) }
}

package final class DeepgramUtterance: UtteranceRecognizer {
    private enum Command { case audio([UInt8]), finalize, keepAlive }

    /// One caller waiting for the answer to the `target`-th `Finalize`.
    private struct Waiter {
        let target: Int
        let id: Int
        /// The answer is the finals from this one on.
        let since: Int
        let continuation: CheckedContinuation<Transcription, any Error>
    }

    private struct State {
        var finals: [(text: String, confidence: Double)] = []
        var interim = ""
        /// `Finalize` messages sent, and answered (a result `from_finalize`).
        var finalizes = 0
        var answered = 0
        var waiters: [Waiter] = []
        var nextWaiter = 0
        var failure: (any Error)?
        var closed = false
    }

    /// The state the connection's task and the caller share.
    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    private let commands: AsyncStream<Command>.Continuation
    private let shared = Shared()
    private let connection: Task<Void, Never>
    private let mulaw: Bool
    /// Audio goes out 100 ms at a time (Deepgram takes 20–250 ms chunks): a fifth of the messages of
    /// sending every 20 ms frame, and no later end of turn — `finish` sends what is left first.
    private let pending = Mutex<[UInt8]>([])
    private let chunkBytes: Int
    /// How long a pause's `Finalize` may go unanswered before the words already sent back are used.
    package static let pauseAnswerLimit: Duration = .milliseconds(300)
    /// How long the last `Finalize` may go unanswered before the utterance fails.
    package static let answerLimit: Duration = .seconds(10)

    /// When something was last sent (audio, `Finalize`; ms of uptime), for the keep-alive.
    private let lastSent: SentClock
    private let keeper: Task<Void, Never>?

    /// `keepAlive`: a connection kept for a whole call sends Deepgram's `KeepAlive` when nothing else
    /// went out for 4 s (Deepgram closes a stream after 10 s without data).
    init(url: String, apiKey: String?, sampleRate: Int, executor: EventLoopExecutor?, logger: Logger, keepAlive: Bool = false) {
        mulaw = sampleRate == 8_000
        chunkBytes = sampleRate / 10 * (mulaw ? 1 : 2)
        lastSent = SentClock(Self.uptime())
        let (stream, commands) = AsyncStream<Command>.makeStream()
        self.commands = commands
        var configuration = WebSocketClientConfiguration()
        if let apiKey { configuration.additionalHeaders[.authorization] = "Token \(apiKey)" }
        let shared = self.shared
        // On the media stream's loop when it has one: audio out and results in without a thread hop.
        let group: any EventLoopGroup = executor?.eventLoop ?? MultiThreadedEventLoopGroup.singleton
        connection = Task(executorPreference: executor) {
            do {
                try await WebSocketClient.connect(url: url, configuration: configuration, eventLoopGroup: group, logger: logger) { inbound, outbound, _ in
                    let (readerEnded, readerEnds) = AsyncStream<Void>.makeStream()
                    let reader = Task(executorPreference: executor) {
                        defer {
                            // The server closed (or the read failed): anything still owed fails now,
                            // and a call's next turn takes a new connection.
                            DeepgramUtterance.end(shared.state, failure: SpeechProviderError("deepgram", "the connection closed"))
                            readerEnds.finish()
                        }
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            guard case .text(let text) = message else { continue }
                            if DeepgramUtterance.receive(text, into: shared.state) { break }
                        }
                    }
                    for await command in stream {
                        switch command {
                        case .audio(let bytes): try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
                        case .finalize: try await outbound.write(.text(#"{"type":"Finalize"}"#))
                        case .keepAlive: try await outbound.write(.text(#"{"type":"KeepAlive"}"#))
                        }
                    }
                    // The last `Finalize` is answered (the reader stops at it) — or the server went
                    // away without a close the reader hears: 10 s at most, then the stream is closed
                    // from this side either way. Nothing outstanding: closed at once.
                    let outstanding = shared.state.withLock { $0.answered < $0.finalizes }
                    if outstanding { await withTaskGroup(of: Void.self) { wait in
                        wait.addTask { for await _ in readerEnded {} }
                        wait.addTask { try? await Task.sleep(for: DeepgramUtterance.answerLimit) }
                        await wait.next()
                        wait.cancelAll()
                    } }
                    reader.cancel()
                    DeepgramUtterance.end(shared.state, failure: SpeechProviderError("deepgram", "no final result within \(DeepgramUtterance.answerLimit)"))
                    try? await outbound.write(.text(#"{"type":"CloseStream"}"#))
                    try? await outbound.close(.normalClosure, reason: nil)
                }
                DeepgramUtterance.end(shared.state, failure: SpeechProviderError("deepgram", "the connection closed before the final result"))
            } catch {
                DeepgramUtterance.end(shared.state, failure: error)
            }
        }
        if keepAlive {
            let commands = self.commands
            let lastSent = self.lastSent
            keeper = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    guard Self.uptime() - lastSent.value.load(ordering: .relaxed) >= 4_000 else { continue }
                    lastSent.value.store(Self.uptime(), ordering: .relaxed)
                    if case .terminated = commands.yield(.keepAlive) { return }
                }
            }
        } else {
            keeper = nil
        }
    }

    /// Milliseconds of uptime.
    private static func uptime() -> Int64 { Int64(DispatchTime.now().uptimeNanoseconds / 1_000_000) }

    /// Dropped: no more audio. The connection closes itself (politely, after the last answer, or
    /// within `answerLimit`); `cancel()` is what cuts it at once.
    deinit {
        commands.finish()
        keeper?.cancel()
    }

    /// Takes one `Results` frame; true once the last `Finalize` (the one `finish` sent) is answered.
    private static func receive(_ text: String, into state: borrowing Mutex<State>) -> Bool {
        guard let result = ResultFrame(text) else { return false }
        let (words, isFinal, finalized) = (result.words, result.isFinal, result.finalized)
        let (ready, done): ([(CheckedContinuation<Transcription, any Error>, Transcription)], Bool) = state.withLock { state in
            if isFinal {
                if !words.isEmpty { state.finals.append((words, result.confidence)) }
                state.interim = ""
            } else {
                state.interim = words
            }
            guard finalized else { return ([], false) }
            state.answered = min(state.answered + 1, state.finalizes)
            let answered = state.answered
            let due = state.waiters.filter { $0.target <= answered }
            state.waiters.removeAll { $0.target <= answered }
            return (due.map { ($0.continuation, transcription(state, since: $0.since)) }, state.closed && answered == state.finalizes)
        }
        for (continuation, result) in ready { continuation.resume(returning: result) }
        return done
    }

    /// What one `Results` frame says (nil for any other frame, or one that is not JSON).
    package struct ResultFrame: Equatable {
        var words: String
        /// 0…1; 1 when the frame gives none (or gives something that is not a confidence).
        package var confidence: Double
        var isFinal: Bool
        var finalized: Bool

        package init?(_ text: String) {
            guard let frame = try? JSONParser.parse(text), frame["type"]?.text == "Results" else { return nil }
            let alternative = frame["channel"]?["alternatives"]?.array?.first
            words = alternative?["transcript"]?.text ?? ""
            confidence = alternative?["confidence"]?.double.flatMap { (0...1).contains($0) ? $0 : nil } ?? 1
            isFinal = frame["is_final"]?.bool ?? false
            finalized = frame["from_finalize"]?.bool ?? false
        }
    }

    private static func transcription(_ state: State, since: Int = 0, withInterim: Bool = false) -> Transcription {
        let finals = state.finals.dropFirst(since)
        var parts = finals.map(\.text)
        if withInterim, !state.interim.isEmpty { parts.append(state.interim) }
        let text = parts.joined(separator: " ")
        let confidence = finals.isEmpty ? nil : finals.map(\.confidence).reduce(0, +) / Double(finals.count)
        return Transcription(text: text, confidence: confidence)
    }

    private static func end(_ state: borrowing Mutex<State>, failure: any Error) {
        let waiters = state.withLock { state -> [Waiter] in
            if state.failure == nil, state.answered < state.finalizes || !state.closed { state.failure = failure }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume(throwing: failure) }
    }

    package func send(_ samples: [Int16]) {
        let encoded = mulaw ? samples.map(G711.muLaw) : L16.encode(samples, order: .littleEndian)
        let chunk = pending.withLock { pending -> [UInt8]? in
            pending += encoded
            guard pending.count >= chunkBytes else { return nil }
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        if let chunk {
            lastSent.value.store(Self.uptime(), ordering: .relaxed)
            commands.yield(.audio(chunk))
        }
    }

    /// Sends what audio is left and a `Finalize`; the number of that `Finalize`.
    private func finalize(closing: Bool) -> Int {
        lastSent.value.store(Self.uptime(), ordering: .relaxed)
        let rest = pending.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
        if !rest.isEmpty { commands.yield(.audio(rest)) }
        let target = shared.state.withLock { state in
            state.finalizes += 1
            if closing { state.closed = true }
            return state.finalizes
        }
        commands.yield(.finalize)
        if closing { commands.finish() }
        return target
    }

    /// A `Finalize` with the stream left open: Deepgram's answer, or — when it leaves that `Finalize`
    /// unanswered for `pauseAnswerLimit` — the final and interim words it has already sent.
    package func wordsSoFar() async -> Transcription? { await wordsSoFar(since: 0) }

    /// The same, for the words since the `since`-th final (a turn on a call's connection).
    package func wordsSoFar(since: Int) async -> Transcription? {
        let target = finalize(closing: false)
        let shared = self.shared
        let waited = try? await withThrowingTaskGroup(of: Transcription?.self) { race in
            race.addTask { try await Self.answer(to: target, shared, since: since) }
            race.addTask {
                try? await Task.sleep(for: Self.pauseAnswerLimit)
                return nil
            }
            defer { race.cancelAll() }
            return try await race.next() ?? nil
        }
        if let waited { return waited }
        return shared.state.withLock { $0.failure == nil ? Self.transcription($0, since: since, withInterim: true) : nil }
    }

    package var hasWords: Bool { hasWords(since: 0) }

    /// Whether an interim or a final result with words came since the `since`-th final.
    package func hasWords(since: Int) -> Bool {
        shared.state.withLock { state in
            state.finals.count > since && state.finals[since...].contains { !$0.text.isEmpty } || !state.interim.isEmpty
        }
    }

    /// Finals so far (where a turn on a call's connection starts), and whether the connection failed.
    package var position: (finals: Int, failed: Bool) { shared.state.withLock { ($0.finals.count, $0.failure != nil) } }

    /// A turn on a call's connection is over: its words (the finals since `since`), the stream kept open.
    package func finishTurn(since: Int) async throws -> Transcription {
        let target = finalize(closing: false)
        let shared = self.shared
        return try await Telemetry.measure(provider: "deepgram", operation: "finalize") {
            try await Self.answer(to: target, shared, since: since)
        }
    }

    /// The call is over: the connection is closed (after any answer still owed).
    package func close() {
        commands.finish()
        keeper?.cancel()
    }

    package func finish() async throws -> Transcription {
        let target = finalize(closing: true)
        let shared = self.shared
        return try await Telemetry.measure(provider: "deepgram", operation: "finalize") {
            try await withTaskCancellationHandler {
                try await Self.answer(to: target, shared)
            } onCancel: {
                connection.cancel()
            }
        }
    }

    /// Waits for the answer to the `target`-th `Finalize` (or the connection's failure, or cancellation).
    private static func answer(to target: Int, _ shared: Shared, since: Int = 0) async throws -> Transcription {
        let id = shared.state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let ready: Result<Transcription, any Error>? = shared.state.withLock { state in
                    if state.answered >= target { return .success(Self.transcription(state, since: since)) }
                    if let failure = state.failure { return .failure(failure) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters.append(Waiter(target: target, id: id, since: since, continuation: continuation))
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            let waiter = shared.state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    package func cancel() async {
        commands.finish()
        connection.cancel()
    }
}

/// OpenAI-compatible `POST {base}/audio/transcriptions` (multipart: the utterance as WAV, `model`),
/// once per utterance when the caller has stopped.
public struct OpenAISpeechToText: SpeechToText {
    let baseURL: URL
    let apiKey: String?
    let model: String
    let http: HTTPClient
    public var name: String { "openai-compatible /audio/transcriptions at \(baseURL.absoluteString)" }

    public init(baseURL: URL, apiKey: String?, model: String = "whisper-1", http: HTTPClient = .shared) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.model = model
        self.http = http
    }

    public func utterance(sampleRate: Int, on executor: EventLoopExecutor?) throws -> any UtteranceRecognizer {
        Utterance(client: self, sampleRate: sampleRate)
    }

    public final class Utterance: UtteranceRecognizer {
        let client: OpenAISpeechToText
        let sampleRate: Int
        private let samples = Mutex<[Int16]>([])

        init(client: OpenAISpeechToText, sampleRate: Int) {
            self.client = client
            self.sampleRate = sampleRate
        }

        public func send(_ more: [Int16]) { samples.withLock { $0 += more } }

        public func finish() async throws -> Transcription {
            let audio = samples.withLock { $0 }
            let boundary = "frontdesk-" + UUID().uuidString
            var body: [UInt8] = []
            func field(_ name: String, _ value: String) {
                body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
            }
            field("model", client.model)
            field("response_format", "json")
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"utterance.wav\"\r\nContent-Type: audio/wav\r\n\r\n".utf8)
            body += wavFile(audio, sampleRate: sampleRate)
            body += Array("\r\n--\(boundary)--\r\n".utf8)
            var request = HTTPClientRequest(url: client.baseURL.appendingPathComponent("audio/transcriptions").absoluteString)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")
            if let apiKey = client.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
            request.body = .bytes(ByteBuffer(bytes: body))
            let text = try await Telemetry.measure(provider: "openai_stt", operation: "transcribe") {
                let response = try await client.http.execute(request, timeout: .seconds(15))
                let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
                guard response.status == .ok else {
                    throw SpeechProviderError("openai stt", "HTTP \(response.status.code): \(text.prefix(300))")
                }
                return text
            }
            guard let json = try? JSONParser.parse(text), let words = json["text"]?.text else {
                throw SpeechProviderError("openai stt", "the answer has no `text`")
            }
            return Transcription(text: words.trimmingCharacters(in: .whitespacesAndNewlines))
        }

        public func cancel() async {}
    }
}
