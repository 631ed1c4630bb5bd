/// The data of a chat with a language model (OpenAI format), kept in a conversation's state.

/// One message of a chat, in the OpenAI format.
public struct LLMMessage: Sendable, Equatable, Codable {
    public var role: String
    public var content: String?
    public var toolCalls: [LLMToolCall]?
    public var toolCallId: String?

    public static func system(_ text: String) -> LLMMessage { LLMMessage(role: "system", content: text) }
    public static func user(_ text: String) -> LLMMessage { LLMMessage(role: "user", content: text) }
    public static func tool(id: String, result: String) -> LLMMessage { LLMMessage(role: "tool", content: result, toolCallId: id) }

    public init(role: String, content: String?, toolCalls: [LLMToolCall]? = nil, toolCallId: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallId = toolCallId
    }
}

/// A tool call the model asked for, with its arguments as the JSON text the model wrote.
public struct LLMToolCall: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// Tokens used by one completion.
public struct LLMUsage: Sendable, Equatable, Codable {
    public var promptTokens: Int
    public var completionTokens: Int

    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

