import Foundation

/// A tool offered to the model: a name, what it does, and its JSON-schema parameters (as JSON text).
public struct LLMTool: Sendable, Equatable {
    public var name: String
    public var description: String
    public var parametersJSON: String

    public init(name: String, description: String, parametersJSON: String) {
        self.name = name
        self.description = description
        self.parametersJSON = parametersJSON
    }
}

/// Chat completions with streaming. `onText` gets the text as it arrives (for sentence-by-sentence
/// hand-off to speech while the model still writes).
public protocol LLMClient: Sendable {
    func complete(
        messages: [LLMMessage], tools: [LLMTool], onText: @Sendable (String) async -> Void
    ) async throws -> LLMCompletion
}

/// What one streamed chat completion said.
public struct LLMCompletion: Sendable, Equatable {
    public var text = ""
    public var toolCalls: [LLMToolCall] = []
    public var finishReason: String?
    public var usage: LLMUsage?

    public init(text: String = "", toolCalls: [LLMToolCall] = [], finishReason: String? = nil, usage: LLMUsage? = nil) {
        self.text = text
        self.toolCalls = toolCalls
        self.finishReason = finishReason
        self.usage = usage
    }
}

public enum LLMError: Error, Equatable, Sendable {
    /// The server answered with an error status (body excerpt included).
    case http(status: Int, message: String)
    /// An `error` object arrived inside the stream.
    case stream(message: String)
    /// The stream ended before `[DONE]` or a finish reason.
    case truncated
    case timeout
}
