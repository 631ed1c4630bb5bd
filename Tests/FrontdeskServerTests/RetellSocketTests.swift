import AsyncHTTPClient
import Foundation
import FrontdeskCore
import FrontdeskMedia
import FrontdeskProviders
import FrontdeskServer
import FrontdeskWire
import Hummingbird
import HummingbirdWSClient
import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Synchronization
import Testing

/// The application on a real loopback port (WebSockets need a live server).
func withLiveApp(
    _ app: TestApp, llm: (any LLMClient)? = nil, speechToText: (any SpeechToText)? = nil, textToSpeech: (any TextToSpeech)? = nil,
    telnyx: TelnyxClient? = nil, _ body: @Sendable (Int) async throws -> Void
) async throws {
    defer { try? FileManager.default.removeItem(at: app.folder) }
    var configuration = app.configuration
    configuration.host = "127.0.0.1"
    configuration.port = 0
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    let clock = app.clock
    let (ports, listening) = AsyncStream.makeStream(of: Int.self)
    var dependencies = AppDependencies(now: { clock.now }, llm: llm, telnyx: telnyx)
    dependencies.speechToText = speechToText
    dependencies.textToSpeech = textToSpeech
    dependencies.webhookRetries = app.webhookRetries
    dependencies.onListening = { listening.yield($0); listening.finish() }
    let application = try await buildApplication(configuration: configuration, dependencies: dependencies, logger: logger)
    let server = Task { try await application.runService(gracefulShutdownSignals: []) }
    defer { server.cancel() }
    var iterator = ports.makeAsyncIterator()
    let port = try #require(await iterator.next())
    try await body(port)
}

/// What Retell's side of the socket saw.
final class RetellPeer: Sendable {
    let frames = Mutex<[JSONValue]>([])

    /// The text of answer `id` once complete, and its final frame.
    func answer(_ id: Int) -> (text: String, final: JSONValue)? {
        let all = frames.withLock { $0 }.filter { $0["response_type"]?.text == "response" && $0["response_id"]?.double == Double(id) }
        guard let final = all.last(where: { $0["content_complete"]?.bool == true }) else { return nil }
        return (all.compactMap { $0["content"]?.text }.joined(), final)
    }
}

@Suite("Retell custom-LLM WebSocket")
struct RetellSocketTests {
    static let mondayMorning = try! Date("2026-11-23T15:00:00Z", strategy: .iso8601)

    static func required(_ id: Int, _ words: String) -> String {
        #"{"interaction_type":"response_required","response_id":\#(id),"transcript":[{"role":"agent","content":"Hello"},{"role":"user","content":"\#(words)"}]}"#
    }

    @Test("greeting as response 0, answers streamed and completed, ping_pong echoed, end_call on goodbye; the call is booked")
    func conversation() async throws {
        let app = TestApp(seedDemo: true, clock: TestClock(Self.mondayMorning))
        try await withLiveApp(app) { port in
            let peer = RetellPeer()
            var logger = Logger(label: "retell-peer")
            logger.logLevel = .critical
            try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/api/retell/llm/call_abc", logger: logger) { inbound, outbound, _ in
                let reader = Task {
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .text(let text) = message, let frame = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) {
                            peer.frames.withLock { $0.append(frame) }
                        }
                    }
                }
                func waitFor(_ id: Int) async throws -> (text: String, final: JSONValue) {
                    for _ in 0..<500 {
                        if let answer = peer.answer(id) { return answer }
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    Issue.record("no complete answer \(id)")
                    return ("", .null)
                }
                try await outbound.write(.text(#"{"interaction_type":"call_details","call":{"call_id":"call_abc","from_number":"+15557654321","to_number":"+15550100123","unknown":1}}"#))
                let greeting = try await waitFor(0)
                #expect(greeting.text.contains("Thanks for calling Bright Smile Dental"))
                #expect(peer.frames.withLock { $0.first?["response_type"]?.text } == "config")

                try await outbound.write(.text(#"{"interaction_type":"ping_pong","timestamp":1700000000123}"#))
                try await outbound.write(.text(#"{"interaction_type":"update_only","transcript":[]}"#))
                try await outbound.write(.text(Self.required(1, "Hi, I'm Maria, can I get a cleaning next Tuesday at 10?")))
                let confirm = try await waitFor(1)
                #expect(confirm.text.contains("a cleaning on Tuesday, December 1 at 10:00 AM for Maria"))
                #expect(peer.frames.withLock { $0.contains { $0["response_type"]?.text == "ping_pong" && $0["timestamp"]?.double == 1700000000123 } })

                try await outbound.write(.text(Self.required(2, "yes")))
                #expect(try await waitFor(2).text.contains("You're all set"))
                try await outbound.write(.text(Self.required(3, "no, that's all, thanks")))
                let goodbye = try await waitFor(3)
                #expect(goodbye.text.contains("Goodbye"))
                #expect(goodbye.final["end_call"]?.bool == true)
                try await outbound.close(.normalClosure, reason: nil)
                _ = await reader.result
            }

            // The conversation went through the runtime: call closed as booked, with its transcript.
            let base = "http://127.0.0.1:\(port)"
            var login = HTTPClientRequest(url: base + "/api/auth/login")
            login.method = .POST
            login.headers.add(name: "Content-Type", value: "application/json")
            login.body = .bytes(ByteBuffer(string: #"{"email":"demo@frontdesk.local","password":"frontdesk-demo"}"#))
            let answer = try await HTTPClient.shared.execute(login, timeout: .seconds(10)).body.collect(upTo: 1 << 20)
            let data = try #require((try JSONSerialization.jsonObject(with: Data(answer.readableBytesView)) as? [String: Any])?["data"] as? [String: Any])
            let token = try #require(data["token"] as? String)
            let business = try #require((data["user"] as? [String: Any])?["business_id"] as? String)
            var calls = HTTPClientRequest(url: base + "/api/calls?business_id=\(business)")
            calls.headers.add(name: "Authorization", value: "Bearer \(token)")
            let list = try await HTTPClient.shared.execute(calls, timeout: .seconds(10)).body.collect(upTo: 1 << 20)
            let call = try #require((((try JSONSerialization.jsonObject(with: Data(list.readableBytesView)) as? [String: Any])?["data"] as? [String: Any])?["calls"] as? [[String: Any]])?.first)
            #expect(call["provider"] as? String == "retell")
            #expect(call["provider_call_id"] as? String == "call_abc")
            #expect(call["outcome"] as? String == "booked")
            #expect((call["transcript"] as? String)?.contains("Maria") == true)
        }
    }

    /// A model that takes its time, so a newer request can overtake it.
    final class SlowModel: LLMClient {
        let calls = Mutex(0)
        func complete(messages: [LLMMessage], tools: [LLMTool], onText: @Sendable (String) async -> Void) async throws -> LLMCompletion {
            let n = calls.withLock { $0 += 1; return $0 }
            if n == 1 { try await Task.sleep(for: .milliseconds(400)) }
            let text = n == 1 ? "First answer, which nobody should hear." : "Second answer."
            await onText(text)
            return LLMCompletion(text: text, toolCalls: [], finishReason: "stop", usage: LLMUsage(promptTokens: 10, completionTokens: 5))
        }
    }

    @Test("a newer response_id supersedes an answer still being produced")
    func superseded() async throws {
        let app = TestApp(seedDemo: true, clock: TestClock(Self.mondayMorning))
        try await withLiveApp(app, llm: SlowModel()) { port in
            let peer = RetellPeer()
            var logger = Logger(label: "retell-peer")
            logger.logLevel = .critical
            try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/api/retell/llm/call_slow", logger: logger) { inbound, outbound, _ in
                let reader = Task {
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .text(let text) = message, let frame = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) {
                            peer.frames.withLock { $0.append(frame) }
                        }
                    }
                }
                try await outbound.write(.text(#"{"interaction_type":"call_details","call":{"call_id":"call_slow","from_number":"+15557654321","to_number":"+15550100123"}}"#))
                try await outbound.write(.text(Self.required(1, "What are your hours?")))
                try await Task.sleep(for: .milliseconds(100))
                try await outbound.write(.text(Self.required(2, "Actually, where are you located?")))
                for _ in 0..<400 where peer.answer(2) == nil { try await Task.sleep(for: .milliseconds(5)) }
                #expect(peer.answer(2)?.text.contains("Second answer.") == true)
                #expect(peer.answer(1) == nil, "nothing of the overtaken answer was sent")
                #expect(!peer.frames.withLock { $0 }.contains { $0["content"]?.text?.contains("nobody should hear") == true })
                try await outbound.close(.normalClosure, reason: nil)
                _ = await reader.result
            }
        }
    }
}
