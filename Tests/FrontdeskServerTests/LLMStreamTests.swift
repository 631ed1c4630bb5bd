import AsyncHTTPClient
import Foundation
import FrontdeskCore
@testable import FrontdeskProviders
@testable import FrontdeskServer
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// A chat-completions stream as an OpenAI-compatible server sends it: a greeting in two content
/// deltas, then a tool call whose arguments arrive in three pieces, usage, and `[DONE]`.
let toolCallStream = [
    #"data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"Let me "},"finish_reason":null}]}"#,
    "",
    #"data: {"choices":[{"index":0,"delta":{"content":"check."}}]}"#,
    "",
    ": keep-alive",
    "",
    #"data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"check_availability","arguments":""}}]}}]}"#,
    "",
    #"data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"date\":"}}]}}]}"#,
    "",
    #"data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"2026-11-24\"}"}}]}}]}"#,
    "",
    #"data: {"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}],"unknown_field":null}"#,
    "",
    #"data: {"choices":[],"usage":{"prompt_tokens":412,"completion_tokens":23,"total_tokens":435}}"#,
    "",
    "data: [DONE]",
    "",
].joined(separator: "\n") + "\n"

@Suite("Server-sent events and chat-completion streams")
struct SSEParsingTests {
    @Test("events come out the same however the bytes are split, with any line ending")
    func anySplit() {
        for ending in ["\n", "\r\n", "\r"] {
            let text = toolCallStream.replacingOccurrences(of: "\n", with: ending)
            let bytes = Array(text.utf8)
            var whole = ServerSentEventParser()
            let expected = whole.feed(bytes)
            #expect(expected.count == 8)
            for split in stride(from: 1, to: bytes.count, by: 7) {
                var parser = ServerSentEventParser()
                let events = parser.feed(bytes[..<split]) + parser.feed(bytes[split...])
                #expect(events == expected, "split at \(split)")
            }
            var oneByOne = ServerSentEventParser()
            #expect(bytes.flatMap { oneByOne.feed([$0]) } == expected)
        }
    }

    @Test("multi-line data, event names and ids")
    func fields() {
        var parser = ServerSentEventParser()
        let events = parser.feed(Array("event: note\nid: 7\ndata: a\ndata:b\n\ndata: c\n\nretry: 10\n\n".utf8))
        #expect(events == [.init(event: "note", data: "a\nb", id: "7"), .init(event: nil, data: "c", id: "7")])
    }

    @Test("content and tool-call deltas are assembled; usage and the finish reason kept")
    func accumulate() throws {
        var parser = ServerSentEventParser()
        var accumulator = ChatCompletionAccumulator()
        var texts: [String] = []
        for event in parser.feed(Array(toolCallStream.utf8)) { texts.append(try accumulator.add(event.data)) }
        let completion = try accumulator.finish()
        #expect(completion.text == "Let me check.")
        #expect(texts.filter { !$0.isEmpty } == ["Let me ", "check."])
        #expect(completion.toolCalls == [LLMToolCall(id: "call_1", name: "check_availability", arguments: #"{"date":"2026-11-24"}"#)])
        #expect(completion.finishReason == "tool_calls")
        #expect(completion.usage == LLMUsage(promptTokens: 412, completionTokens: 23))
    }

    @Test("an error object in the stream and a stream cut short are errors")
    func errors() throws {
        var accumulator = ChatCompletionAccumulator()
        #expect(throws: LLMError.stream(message: "overloaded")) {
            _ = try accumulator.add(#"{"error":{"message":"overloaded","type":"server_error"}}"#)
        }
        var cut = ChatCompletionAccumulator()
        _ = try cut.add(#"{"choices":[{"index":0,"delta":{"content":"Hel"}}]}"#)
        #expect(throws: LLMError.truncated) { _ = try cut.finish() }
    }
}

/// Strings recorded from concurrent code.
final class Recorded: Sendable {
    let values = Mutex<[String]>([])
    func append(_ value: String) { values.withLock { $0.append(value) } }
    var all: [String] { values.withLock { $0 } }
}

@Suite("The OpenAI-compatible client against a local server")
struct LLMClientTests {
    /// Serves `/v1/chat/completions` with `chunks` (sent one by one, split wherever they are split)
    /// and keeps the request bodies it got.
    static func server(status: HTTPResponse.Status = .ok, chunks: [String], bodies: Recorded) -> some ApplicationProtocol {
        let router = Router()
        router.post("v1/chat/completions") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            let authorization = request.headers[.authorization] ?? ""
            bodies.append(authorization + "\n" + String(buffer: body))
            return Response(
                status: status, headers: [.contentType: status == .ok ? "text/event-stream" : "application/json"],
                body: ResponseBody { writer in
                    for chunk in chunks {
                        try await writer.write(ByteBuffer(string: chunk))
                        try await Task.sleep(for: .milliseconds(2))
                    }
                    try await writer.finish(nil)
                })
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    /// The stream cut into pieces of 37 bytes: lines, JSON and all are split mid-way.
    static var chunked: [String] {
        let bytes = Array(toolCallStream.utf8)
        return stride(from: 0, to: bytes.count, by: 37).map { String(decoding: bytes[$0..<min($0 + 37, bytes.count)], as: UTF8.self) }
    }

    @Test("a streamed answer with a tool call, split mid-line, is read in full; the request is OpenAI's")
    func streamed() async throws {
        let bodies = Recorded()
        try await Self.server(chunks: Self.chunked, bodies: bodies).test(.live) { client in
            let llm = OpenAICompatibleLLMClient(
                baseURL: URL(string: "http://127.0.0.1:\(client.port!)/v1")!, apiKey: "sk-test", model: "test-model")
            let received = Recorded()
            let completion = try await llm.complete(
                messages: [.system("You are a receptionist."), .user("Is Tuesday free?")],
                tools: [LLMTool(name: "check_availability", description: "Free slots on a date",
                                parametersJSON: #"{"type":"object","properties":{"date":{"type":"string"}},"required":["date"]}"#)],
                onText: { text in received.append(text) })
            #expect(completion.text == "Let me check.")
            #expect(completion.toolCalls.first?.arguments == #"{"date":"2026-11-24"}"#)
            #expect(completion.usage?.promptTokens == 412)
            #expect(received.all == ["Let me ", "check."])
            let sent = try #require(bodies.all.first)
            #expect(sent.hasPrefix("Bearer sk-test\n"))
            let json = try #require(try JSONSerialization.jsonObject(with: Data(sent.split(separator: "\n", maxSplits: 1)[1].utf8)) as? [String: Any])
            #expect(json["stream"] as? Bool == true)
            #expect(json["model"] as? String == "test-model")
            #expect((json["tools"] as? [[String: Any]])?.first?["type"] as? String == "function")
            #expect((json["messages"] as? [[String: Any]])?.map { $0["role"] as? String } == ["system", "user"])
        }
    }

    @Test("an error status, an error mid-stream and a cut stream are clear errors")
    func failures() async throws {
        let bodies = Recorded()
        try await Self.server(status: .tooManyRequests, chunks: [#"{"error":{"message":"rate limited"}}"#], bodies: bodies).test(.live) { client in
            let llm = OpenAICompatibleLLMClient(baseURL: URL(string: "http://127.0.0.1:\(client.port!)/v1")!, apiKey: nil, model: "m")
            await #expect(throws: LLMError.http(status: 429, message: #"{"error":{"message":"rate limited"}}"#)) {
                _ = try await llm.complete(messages: [.user("hi")], tools: [], onText: { _ in })
            }
        }
        let midStream = [#"data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}"# + "\n\n", #"data: {"error":{"message":"model crashed"}}"# + "\n\n"]
        try await Self.server(chunks: midStream, bodies: bodies).test(.live) { client in
            let llm = OpenAICompatibleLLMClient(baseURL: URL(string: "http://127.0.0.1:\(client.port!)/v1")!, apiKey: nil, model: "m")
            await #expect(throws: LLMError.stream(message: "model crashed")) {
                _ = try await llm.complete(messages: [.user("hi")], tools: [], onText: { _ in })
            }
        }
        try await Self.server(chunks: [#"data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}"# + "\n\n"], bodies: bodies).test(.live) { client in
            let llm = OpenAICompatibleLLMClient(baseURL: URL(string: "http://127.0.0.1:\(client.port!)/v1")!, apiKey: nil, model: "m")
            await #expect(throws: LLMError.truncated) {
                _ = try await llm.complete(messages: [.user("hi")], tools: [], onText: { _ in })
            }
        }
    }
}
