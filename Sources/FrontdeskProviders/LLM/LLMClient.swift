import AsyncHTTPClient
import Foundation
import FrontdeskCore
import FrontdeskWire
import NIOCore
import NIOHTTP1
import Synchronization

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
        let started = ContinuousClock.now
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: timeout)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            Telemetry.providerRequest(provider: "llm", operation: "chat_completions", .now - started, failed: true)
            throw LLMError.timeout
        } catch {
            Telemetry.providerRequest(provider: "llm", operation: "chat_completions", .now - started, failed: true)
            throw error
        }
        // The model's answer starts (its headers): the time to first byte, as the turn waits for it.
        Telemetry.providerRequest(provider: "llm", operation: "chat_completions", .now - started, failed: response.status != .ok)
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
    /// Written directly (this runs on every turn, between the caller's words and the model).
    func body(messages: [LLMMessage], tools: [LLMTool]) throws -> [UInt8] {
        var writer = JSONWriter(capacity: 8192)
        writer.beginObject()
        writer.key("model"); writer.string(model)
        writer.key("stream"); writer.bool(true)
        writer.key("stream_options"); writer.raw(Array(#"{"include_usage":true}"#.utf8))
        writer.key("messages")
        writer.beginArray()
        for message in messages {
            writer.beginObject()
            writer.key("role"); writer.string(message.role)
            writer.key("content")
            if let content = message.content { writer.string(content) } else { writer.null() }
            if let calls = message.toolCalls {
                writer.key("tool_calls")
                writer.beginArray()
                for call in calls {
                    writer.beginObject()
                    writer.key("id"); writer.string(call.id)
                    writer.key("type"); writer.string("function")
                    writer.key("function")
                    writer.beginObject()
                    writer.key("name"); writer.string(call.name)
                    writer.key("arguments"); writer.string(call.arguments)
                    writer.endObject()
                    writer.endObject()
                }
                writer.endArray()
            }
            writer.field("tool_call_id", message.toolCallId)
            writer.endObject()
        }
        writer.endArray()
        if !tools.isEmpty {
            writer.key("tools")
            writer.raw(try Self.encoded(tools))
        }
        writer.endObject()
        return writer.bytes
    }

    /// The tools' JSON, encoded once per distinct set (the policy offers the same set every turn).
    static func encoded(_ tools: [LLMTool]) throws -> [UInt8] {
        let key = tools.map(\.name).joined(separator: ",")
        if let cached = toolCache.withLock({ $0[key] }) { return cached }
        var writer = JSONWriter()
        writer.beginArray()
        for tool in tools {
            guard case .object? = try? JSONParser.parse(tool.parametersJSON) else {
                throw LLMError.stream(message: "tool \(tool.name) has invalid parameters JSON")
            }
            writer.beginObject()
            writer.key("type"); writer.string("function")
            writer.key("function")
            writer.beginObject()
            writer.key("name"); writer.string(tool.name)
            writer.key("description"); writer.string(tool.description)
            writer.key("parameters"); writer.raw(Array(tool.parametersJSON.utf8))
            writer.endObject()
            writer.endObject()
        }
        writer.endArray()
        toolCache.withLock { $0[key] = writer.bytes }
        return writer.bytes
    }

    private static let toolCache = Mutex<[String: [UInt8]]>([:])
}
