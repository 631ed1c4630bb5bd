import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskProviders
import FrontdeskServer
import Hummingbird
import Synchronization

/// Issue 3 (d): the runtime's own time per LLM turn, against a local OpenAI-compatible server on
/// loopback in this process (one monotonic clock for both sides):
///   A = caller's final text → the request reaches the LLM server (prompt, history, tools, JSON, HTTP);
///   B = the server sends the first sentence → the runtime hands that sentence on (SSE, JSON, split).
public struct LLMBench: Sendable {
    /// Timed turns.
    public var turns = 500
    /// Loopback port of the local LLM server.
    public var port = 38413

    final class Marks: Sendable {
        let requestArrived = Mutex<ContinuousClock.Instant?>(nil)
        let firstSentenceSent = Mutex<ContinuousClock.Instant?>(nil)
    }

    public init() {}

    public func run() async throws {
        let marks = Marks()
        let router = Router()
        router.post("v1/chat/completions") { request, _ -> Response in
            marks.requestArrived.withLock { $0 = ContinuousClock.now }
            var request = request
            _ = try await request.collectBody(upTo: 1 << 22)
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream"],
                body: ResponseBody { writer in
                    let first = #"data: {"choices":[{"index":0,"delta":{"content":"Sure, I can help with that. "}}]}"# + "\n\n"
                    marks.firstSentenceSent.withLock { $0 = ContinuousClock.now }
                    try await writer.write(ByteBuffer(string: first))
                    try await Task.sleep(for: .milliseconds(3))
                    try await writer.write(ByteBuffer(string:
                        #"data: {"choices":[{"index":0,"delta":{"content":"Which day would suit you?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":400,"completion_tokens":14}}"# + "\n\ndata: [DONE]\n\n"))
                    try await writer.finish(nil)
                })
        }
        var appConfiguration = ApplicationConfiguration(address: .hostname("127.0.0.1", port: port))
        appConfiguration.serverName = "llm-stub"
        let app = Application(router: router, configuration: appConfiguration)
        let server = Task { try await app.runService() }
        defer { server.cancel() }
        try await Task.sleep(for: .milliseconds(300))

        let settings = try JSONDecoder().decode(BusinessSettings.self, from: Data(ConversationBench.settings.utf8))
        let now = Date()
        let context = ReceptionistContext(
            businessName: "Bright Smile Dental", settings: settings, behavior: BehaviorSettings(),
            callerPhone: PhoneNumber("+15551234567"), channel: .voice, now: now)
        let tools = MemoryCalendar(settings: settings, now: now, existing: 40)
        let template = (try? String(contentsOfFile: "Prompts/receptionist.md", encoding: .utf8)) ?? "You are the receptionist of {{business_name}}. Today is {{today}}."
        let policy = LLMPolicy(
            client: OpenAICompatibleLLMClient(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, apiKey: "local", model: "stub"),
            template: template)
        print("LLM turn overhead: \(turns) turns against a local SSE server on 127.0.0.1:\(port) …")
        var toRequest: [Duration] = []
        var toSentence: [Duration] = []
        var state = ConversationState()
        for index in 0..<(turns + 50) {
            if index % 10 == 0 { state = ConversationState() }  // a conversation of ten turns, then a new one
            let handed = Mutex<ContinuousClock.Instant?>(nil)
            let start = ContinuousClock.now
            let outcome = try await policy.respond(
                to: "Hi, can I get a cleaning next Tuesday at 10?", state: &state, context: context, tools: tools,
                onSentence: { _ in handed.withLock { if $0 == nil { $0 = ContinuousClock.now } } })
            guard !outcome.fellBack, let arrived = marks.requestArrived.withLock({ $0 }),
                let sent = marks.firstSentenceSent.withLock({ $0 }), let out = handed.withLock({ $0 })
            else { throw BenchmarkError("the local LLM turn failed") }
            if index >= 50 {
                toRequest.append(arrived - start)
                toSentence.append(out - sent)
            }
        }
        let total = zip(toRequest, toSentence).map { $0 + $1 }
        func p(_ values: [Duration], _ q: Double) -> String {
            let sorted = values.sorted()
            return ConversationBench.format(sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))])
        }
        print("")
        print("| stage | p50 | p99 | target |")
        print("|---|---:|---:|---|")
        print("| A: caller's text → request at the LLM server | \(p(toRequest, 0.5)) | \(p(toRequest, 0.99)) | |")
        print("| B: first sentence sent → handed on by the runtime | \(p(toSentence, 0.5)) | \(p(toSentence, 0.99)) | |")
        print("| A + B per turn | \(p(total, 0.5)) | \(p(total, 0.99)) | p99 < 1 ms |")
        print("")
        print("(\(ProcessInfo.processInfo.activeProcessorCount) cores; loopback HTTP/1.1, AsyncHTTPClient; history of up to 10 turns; \(turns) timed turns after 50 warm-up)")
    }
}
