import Foundation
import FrontdeskMedia
import FrontdeskProviders
import FrontdeskServer
import FrontdeskSimulator
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import Synchronization
import Testing

/// Each speech provider client against a local server that speaks the provider's protocol.
@Suite("Speech providers: Deepgram streaming, OpenAI transcriptions and speech, ElevenLabs streaming")
struct SpeechProviderTests {
    final class Seen: Sendable {
        let headers = Mutex<[String: String]>([:])
        let query = Mutex("")
        let body = Mutex<[UInt8]>([])
        let binaryBytes = Mutex(0)
        let texts = Mutex<[String]>([])
    }

    /// Serves `router` (and `sockets`) on a loopback port for the duration of `body`.
    static func serve(
        _ router: Router<BasicRequestContext>, sockets: Router<BasicWebSocketRequestContext>? = nil, _ body: (Int) async throws -> Void
    ) async throws {
        let (port, task) = try await LoopbackServer.start(router, sockets: sockets, name: "provider")
        defer { task.cancel() }
        try await body(port)
    }

    @Test("Deepgram: audio streams as µ-law, interim results are skipped, finals are joined, Finalize ends the utterance")
    func deepgram() async throws {
        let seen = Seen()
        let sockets = Router(context: BasicWebSocketRequestContext.self)
        sockets.ws("v1/listen") { inbound, outbound, context in
            seen.headers.withLock { $0["authorization"] = context.request.headers[.authorization] }
            seen.query.withLock { $0 = context.request.uri.query ?? "" }
            for try await message in inbound.messages(maxSize: 1 << 20) {
                switch message {
                case .binary(let buffer):
                    let bytes = buffer.readableBytes
                    seen.binaryBytes.withLock { $0 += bytes }
                    if seen.binaryBytes.withLock({ $0 }) == bytes {
                        try await outbound.write(.text(#"{"type":"Results","is_final":false,"channel":{"alternatives":[{"transcript":"I'd","confidence":0.5}]}}"#))
                        try await outbound.write(.text(#"{"type":"Results","is_final":true,"speech_final":false,"channel":{"alternatives":[{"transcript":"I'd like a cleaning","confidence":0.9}]}}"#))
                    }
                case .text(let text):
                    seen.texts.withLock { $0.append(text) }
                    if text.contains("Finalize") {
                        try await outbound.write(.text(#"{"type":"Results","is_final":true,"from_finalize":true,"channel":{"alternatives":[{"transcript":"on Tuesday","confidence":0.7}]},"unknown":{"x":1}}"#))
                    } else if text.contains("CloseStream") {
                        try await outbound.close(.normalClosure, reason: nil)
                        return
                    }
                }
            }
        }
        try await Self.serve(Router(), sockets: sockets) { port in
            let stt = DeepgramSpeechToText(baseURL: URL(string: "http://127.0.0.1:\(port)")!, apiKey: "dg-key", logger: Logger(label: "dg"))
            let utterance = try stt.utterance(sampleRate: 8_000)
            for _ in 0..<10 { utterance.send([Int16](repeating: 1_000, count: 160)) }
            let result = try await utterance.finish()
            #expect(result.text == "I'd like a cleaning on Tuesday")
            #expect(abs((result.confidence ?? 0) - 0.8) < 0.001)
            #expect(seen.headers.withLock { $0["authorization"] } == "Token dg-key")
            let query = seen.query.withLock { $0 }
            #expect(query.contains("encoding=mulaw") && query.contains("sample_rate=8000") && query.contains("interim_results=true"))
            #expect(seen.binaryBytes.withLock { $0 } == 1_600)  // one byte per µ-law sample
            let linear = try stt.utterance(sampleRate: 16_000)
            #expect((stt as DeepgramSpeechToText).url(sampleRate: 16_000).contains("encoding=linear16"))
            await linear.cancel()
        }
    }

    @Test("Deepgram at a pause: a Finalize with the stream left open gives the words so far; unanswered, the finals and interim already sent are used; the end's Finalize then gives all the finals")
    func deepgramWordsSoFar() async throws {
        let finalizes = Mutex(0)
        let chunks = Mutex(0)
        let sockets = Router(context: BasicWebSocketRequestContext.self)
        sockets.ws("v1/listen") { inbound, outbound, _ in
            for try await message in inbound.messages(maxSize: 1 << 20) {
                switch message {
                case .binary:
                    // Results come as audio does: an interim for the first chunk; a final and an
                    // interim for the second.
                    switch chunks.withLock({ $0 += 1; return $0 }) {
                    case 1:
                        try await outbound.write(.text(#"{"type":"Results","is_final":false,"channel":{"alternatives":[{"transcript":"I'd","confidence":0.5}]}}"#))
                    case 2:
                        try await outbound.write(.text(#"{"type":"Results","is_final":true,"channel":{"alternatives":[{"transcript":"Thursday","confidence":0.9}]}}"#))
                        try await outbound.write(.text(#"{"type":"Results","is_final":false,"channel":{"alternatives":[{"transcript":"at ten","confidence":0.5}]}}"#))
                    default: break
                    }
                case .text(let text) where text.contains("Finalize"):
                    switch finalizes.withLock({ $0 += 1; return $0 }) {
                    case 1:
                        try await outbound.write(.text(#"{"type":"Results","is_final":true,"from_finalize":true,"channel":{"alternatives":[{"transcript":"I'd like to book on","confidence":0.9}]}}"#))
                    case 2:
                        break  // unanswered for now
                    default:
                        try await outbound.write(.text(#"{"type":"Results","is_final":true,"from_finalize":false,"channel":{"alternatives":[{"transcript":"at ten","confidence":0.9}]}}"#))
                        try await outbound.write(.text(#"{"type":"Results","is_final":true,"from_finalize":true,"channel":{"alternatives":[{"transcript":"","confidence":0.9}]}}"#))
                        try await outbound.write(.text(#"{"type":"Results","is_final":true,"from_finalize":true,"channel":{"alternatives":[{"transcript":"please.","confidence":0.9}]}}"#))
                    }
                case .text(let text) where text.contains("CloseStream"):
                    try await outbound.close(.normalClosure, reason: nil)
                    return
                default:
                    continue
                }
            }
        }
        try await Self.serve(Router(), sockets: sockets) { port in
            let stt = DeepgramSpeechToText(baseURL: URL(string: "http://127.0.0.1:\(port)")!, apiKey: nil, logger: Logger(label: "dg"))
            let utterance = try #require(try stt.utterance(sampleRate: 8_000) as? DeepgramUtterance)
            utterance.send([Int16](repeating: 1_000, count: 800))
            try await eventually("the first interim", timeout: .seconds(20)) { utterance.hasWords }
            #expect(await utterance.wordsSoFar()?.text == "I'd like to book on")
            utterance.send([Int16](repeating: 1_000, count: 800))
            try await eventually("the second chunk's results", timeout: .seconds(20)) { utterance.hasWords(since: 1) }
            let started = ContinuousClock.now
            #expect(await utterance.wordsSoFar()?.text == "I'd like to book on Thursday at ten")
            #expect(ContinuousClock.now - started >= DeepgramUtterance.pauseAnswerLimit)
            // The late answer to the second Finalize and the answer to the last both come in; the
            // utterance's words are every final, once.
            let result = try await utterance.finish()
            #expect(result.text == "I'd like to book on Thursday at ten please.")
        }
    }

    @Test("Deepgram for a whole call: turns on one connection, each with its own words; KeepAlive while the caller is quiet; a failed connection is replaced for the next turn")
    func deepgramCallStream() async throws {
        let connections = Mutex(0)
        let keepAlives = Mutex(0)
        let sockets = Router(context: BasicWebSocketRequestContext.self)
        sockets.ws("v1/listen") { inbound, outbound, _ in
            let number = connections.withLock { $0 += 1; return $0 }
            var finalizes = 0
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .text(let text) = message else { continue }
                if text.contains("KeepAlive") { keepAlives.withLock { $0 += 1 } }
                if text.contains("Finalize") {
                    finalizes += 1
                    let words = ["c\(number) one", "c\(number) two", "c\(number) three"][min(finalizes - 1, 2)]
                    try await outbound.write(.text(#"{"type":"Results","is_final":true,"from_finalize":true,"channel":{"alternatives":[{"transcript":"\#(words)","confidence":0.9}]}}"#))
                    // The first connection fails after its second answer.
                    if number == 1, finalizes == 2 {
                        try await outbound.close(.unexpectedServerError, reason: "gone")
                        return
                    }
                } else if text.contains("CloseStream") {
                    try await outbound.close(.normalClosure, reason: nil)
                    return
                }
            }
        }
        try await Self.serve(Router(), sockets: sockets) { port in
            let stt = DeepgramSpeechToText(baseURL: URL(string: "http://127.0.0.1:\(port)")!, apiKey: nil, logger: Logger(label: "dg"))
            let call = try #require(stt.callStream(sampleRate: 8_000, on: nil))
            let first = call.utterance()
            first.send([Int16](repeating: 1_000, count: 800))
            #expect(try await first.finish().text == "c1 one")
            // Quiet for a while: the connection is kept alive.
            try await Task.sleep(for: .milliseconds(5_500))
            #expect(keepAlives.withLock { $0 } >= 1)
            let second = call.utterance()
            second.send([Int16](repeating: 1_000, count: 800))
            #expect(try await second.finish().text == "c1 two", "the second turn's own words, on the same connection")
            #expect(connections.withLock { $0 } == 1)
            // The connection went away after that answer: the next turn is on a new one.
            try await Task.sleep(for: .milliseconds(200))
            let third = call.utterance()
            third.send([Int16](repeating: 1_000, count: 800))
            #expect(try await third.finish().text == "c2 one")
            #expect(connections.withLock { $0 } == 2)
            await call.close()
        }
    }

    @Test("Deepgram: a server that closes without a final result is an error, not a hang")
    func deepgramClosed() async throws {
        let sockets = Router(context: BasicWebSocketRequestContext.self)
        sockets.ws("v1/listen") { _, outbound, _ in
            try await outbound.close(.unexpectedServerError, reason: "overloaded")
        }
        try await Self.serve(Router(), sockets: sockets) { port in
            let stt = DeepgramSpeechToText(baseURL: URL(string: "http://127.0.0.1:\(port)")!, apiKey: nil, logger: Logger(label: "dg"))
            let utterance = try stt.utterance(sampleRate: 8_000)
            utterance.send([Int16](repeating: 0, count: 160))
            await #expect(throws: (any Error).self) { try await utterance.finish() }
        }
    }

    @Test("OpenAI transcriptions: the utterance goes up as a WAV file in a multipart form; the text comes back")
    func openAITranscriptions() async throws {
        let seen = Seen()
        let router = Router()
        router.post("v1/audio/transcriptions") { request, context -> Response in
            seen.headers.withLock {
                $0["authorization"] = request.headers[.authorization]
                $0["content-type"] = request.headers[.contentType]
            }
            let body = try await request.body.collect(upTo: 1 << 22)
            seen.body.withLock { $0 = Array(body.readableBytesView) }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"text":" What are your hours? "}"#)))
        }
        try await Self.serve(router) { port in
            let stt = OpenAISpeechToText(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, apiKey: "sk-test")
            let utterance = try stt.utterance(sampleRate: 8_000)
            utterance.send([Int16](repeating: 500, count: 8_000))
            #expect(try await utterance.finish() == Transcription(text: "What are your hours?"))
            #expect(seen.headers.withLock { $0["authorization"] } == "Bearer sk-test")
            #expect(seen.headers.withLock { $0["content-type"] }?.hasPrefix("multipart/form-data; boundary=") == true)
            let body = seen.body.withLock { $0 }
            let wav = try #require(body.firstRange(of: Array("RIFF".utf8)))
            #expect(Array(body[wav.lowerBound + 8..<wav.lowerBound + 12]) == Array("WAVE".utf8))
            #expect(body.firstRange(of: Array("name=\"model\"\r\n\r\nwhisper-1".utf8)) != nil)
            #expect(body.count > 16_000)  // one second of 16-bit audio
        }
    }

    @Test("OpenAI transcriptions: an error status is reported with the provider's message")
    func openAITranscriptionError() async throws {
        let router = Router()
        router.post("v1/audio/transcriptions") { _, _ -> Response in
            Response(status: .unauthorized, body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"message":"bad key"}}"#)))
        }
        try await Self.serve(router) { port in
            let utterance = try OpenAISpeechToText(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, apiKey: "x").utterance(sampleRate: 8_000)
            let error = await #expect(throws: SpeechProviderError.self) { try await utterance.finish() }
            #expect(error?.message.contains("401") == true && error?.message.contains("bad key") == true)
        }
    }

    @Test("OpenAI speech and ElevenLabs: PCM streamed back chunk by chunk, odd bytes carried across chunks")
    func textToSpeech() async throws {
        let seen = Seen()
        let router = Router()
        // 3 chunks of 1,001 bytes: samples straddle the chunk boundaries.
        let pcm = (0..<1_501).flatMap { index -> [UInt8] in let value = UInt16(bitPattern: Int16(index)); return [UInt8(value & 0xFF), UInt8(value >> 8)] }
        let respond: @Sendable (Request) async throws -> Response = { request in
            let body = try await request.body.collect(upTo: 1 << 20)
            seen.body.withLock { $0 = Array(body.readableBytesView) }
            seen.headers.withLock {
                $0["authorization"] = request.headers[.authorization]
                $0["xi-api-key"] = request.headers[HTTPField.Name("xi-api-key")!]
                $0["path"] = request.uri.path + "?" + (request.uri.query ?? "")
            }
            let chunks = stride(from: 0, to: pcm.count, by: 1_001).map { Array(pcm[$0..<min($0 + 1_001, pcm.count)]) }
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: ResponseBody { writer in
                for chunk in chunks {
                    try await writer.write(ByteBuffer(bytes: chunk))
                    try await Task.sleep(for: .milliseconds(5))
                }
                try await writer.finish(nil)
            })
        }
        router.post("v1/audio/speech") { request, _ in try await respond(request) }
        router.post("v1/text-to-speech/:voice/stream") { request, _ in try await respond(request) }
        try await Self.serve(router) { port in
            let openAI = OpenAITextToSpeech(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, apiKey: "sk-tts", voice: "nova")
            var samples: [Int16] = []
            var chunks = 0
            for try await chunk in openAI.synthesize("Hello there.") {
                chunks += 1
                samples += chunk
            }
            #expect(openAI.sampleRate == 24_000)
            #expect(chunks >= 2)
            #expect(samples == (0..<1_501).map { Int16($0) })
            let request = try #require(try JSONSerialization.jsonObject(with: Data(seen.body.withLock { $0 })) as? [String: String])
            #expect(request == ["model": "tts-1", "input": "Hello there.", "voice": "nova", "response_format": "pcm"])
            #expect(seen.headers.withLock { $0["authorization"] } == "Bearer sk-tts")

            let eleven = ElevenLabsTextToSpeech(baseURL: URL(string: "http://127.0.0.1:\(port)")!, apiKey: "xi-key", voice: "voice123")
            samples = []
            for try await chunk in eleven.synthesize("Hi.") { samples += chunk }
            #expect(eleven.sampleRate == 16_000)
            #expect(samples.count == 1_501)
            #expect(seen.headers.withLock { $0["xi-api-key"] } == "xi-key")
            #expect(seen.headers.withLock { $0["path"] } == "/v1/text-to-speech/voice123/stream?output_format=pcm_16000")
        }
    }

    @Test("A text-to-speech server that fails is reported, with its status")
    func textToSpeechError() async throws {
        let router = Router()
        router.post("v1/audio/speech") { _, _ -> Response in Response(status: .tooManyRequests) }
        try await Self.serve(router) { port in
            let openAI = OpenAITextToSpeech(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, apiKey: nil, voice: nil)
            await #expect(throws: SpeechProviderError.self) { for try await _ in openAI.synthesize("x") {} }
        }
    }
}
