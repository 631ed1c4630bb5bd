import AsyncHTTPClient
import Foundation
import FrontdeskCore
import NIOCore
import NIOHTTP1

/// A tool offered to the model: a name, what it does, and its JSON-schema parameters (as JSON text).
public struct LLMTool: Sendable, Equatable {
    public var name: String
    public var description: String
    public var parametersJSON: String
}

/// Chat completions with streaming. `onText` gets the text as it arrives (for sentence-by-sentence
/// hand-off to speech while the model still writes).
public protocol LLMClient: Sendable {
    func complete(
        messages: [LLMMessage], tools: [LLMTool], onText: @Sendable (String) async -> Void
    ) async throws -> LLMCompletion
}

/// Any OpenAI-compatible `POST {base}/chat/completions` (OpenAI, Groq, vLLM, Ollama, llama.cpp
/// server…) with `stream: true`, read as server-sent events.
public struct OpenAICompatibleLLMClient: LLMClient {
    let baseURL: URL
    let apiKey: String?
    let model: String
    let http: HTTPClient
    let timeout: TimeAmount

    public init(baseURL: URL, apiKey: String?, model: String, http: HTTPClient = .shared, timeout: TimeAmount = .seconds(20)) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.model = model
        self.http = http
        self.timeout = timeout
    }

    public func complete(
        messages: [LLMMessage], tools: [LLMTool], onText: @Sendable (String) async -> Void
    ) async throws -> LLMCompletion {
        var request = HTTPClientRequest(url: baseURL.appendingPathComponent("chat/completions").absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "text/event-stream")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        request.body = .bytes(ByteBuffer(bytes: try body(messages: messages, tools: tools)))
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: timeout)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw LLMError.timeout
        }
        guard response.status == .ok else {
            let text = (try? await response.body.collect(upTo: 16 * 1024)).map { String(buffer: $0) } ?? ""
            throw LLMError.http(status: Int(response.status.code), message: String(text.prefix(500)))
        }
        var parser = ServerSentEventParser()
        var accumulator = ChatCompletionAccumulator()
        reading: for try await buffer in response.body {
            for event in parser.feed(buffer.readableBytesView) {
                let text = try accumulator.add(event.data)
                if !text.isEmpty { await onText(text) }
                if accumulator.done { break reading }
            }
        }
        return try accumulator.finish()
    }

    /// The request JSON: model, messages (with tool calls and results), tools, streaming with usage.
    func body(messages: [LLMMessage], tools: [LLMTool]) throws -> Data {
        var payload: [String: Any] = [
            "model": model, "stream": true, "stream_options": ["include_usage": true],
            "messages": messages.map { message -> [String: Any] in
                var object: [String: Any] = ["role": message.role]
                object["content"] = message.content ?? NSNull()
                if let calls = message.toolCalls {
                    object["tool_calls"] = calls.map {
                        ["id": $0.id, "type": "function", "function": ["name": $0.name, "arguments": $0.arguments]]
                    }
                }
                if let id = message.toolCallId { object["tool_call_id"] = id }
                return object
            },
        ]
        if !tools.isEmpty {
            payload["tools"] = try tools.map { tool -> [String: Any] in
                let parameters = try JSONSerialization.jsonObject(with: Data(tool.parametersJSON.utf8))
                return ["type": "function", "function": ["name": tool.name, "description": tool.description, "parameters": parameters]]
            }
        }
        return try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
    }
}
