import Foundation
import FrontdeskCore

/// Folds the `data:` payloads of an OpenAI-compatible `chat/completions` stream into a completion:
/// content deltas are appended, tool calls are assembled from their per-index deltas (id and name
/// once, arguments in pieces), usage and the finish reason are kept. Unknown fields are ignored.
package struct ChatCompletionAccumulator {

    package init() {}
    private(set) var completion = LLMCompletion()
    private(set) var done = false
    private var calls: [Int: LLMToolCall] = [:]

    private struct Chunk: Decodable {
        struct Choice: Decodable {
            struct Delta: Decodable {
                struct ToolCallDelta: Decodable {
                    struct Function: Decodable {
                        var name: String?
                        var arguments: String?
                    }
                    var index: Int?
                    var id: String?
                    var function: Function?
                }
                var content: String?
                var toolCalls: [ToolCallDelta]?

                enum CodingKeys: String, CodingKey {
                    case content
                    case toolCalls = "tool_calls"
                }
            }
            var delta: Delta?
            var finishReason: String?

            enum CodingKeys: String, CodingKey {
                case delta
                case finishReason = "finish_reason"
            }
        }
        struct Usage: Decodable {
            var promptTokens: Int?
            var completionTokens: Int?

            enum CodingKeys: String, CodingKey {
                case promptTokens = "prompt_tokens"
                case completionTokens = "completion_tokens"
            }
        }
        struct ErrorBody: Decodable {
            var message: String?
        }
        var choices: [Choice]?
        var usage: Usage?
        var error: ErrorBody?
    }

    /// Takes one event's data. Returns the text that arrived with it (for sentence-by-sentence hand-off).
    package mutating func add(_ data: String) throws -> String {
        let trimmed = data.trimmingCharacters(in: .whitespaces)
        if trimmed == "[DONE]" {
            done = true
            finishCalls()
            return ""
        }
        let chunk: Chunk
        do {
            chunk = try JSONDecoder().decode(Chunk.self, from: Data(trimmed.utf8))
        } catch {
            throw LLMError.stream(message: "unreadable chunk: \(trimmed.prefix(200))")
        }
        if let error = chunk.error { throw LLMError.stream(message: error.message ?? "error") }
        if let usage = chunk.usage {
            completion.usage = LLMUsage(promptTokens: usage.promptTokens ?? 0, completionTokens: usage.completionTokens ?? 0)
        }
        var text = ""
        for choice in chunk.choices ?? [] {
            if let content = choice.delta?.content {
                completion.text += content
                text += content
            }
            for delta in choice.delta?.toolCalls ?? [] {
                let index = delta.index ?? 0
                var call = calls[index] ?? LLMToolCall(id: "", name: "", arguments: "")
                if let id = delta.id, !id.isEmpty { call.id = id }
                if let name = delta.function?.name, !name.isEmpty { call.name += name }
                if let arguments = delta.function?.arguments { call.arguments += arguments }
                calls[index] = call
            }
            if let reason = choice.finishReason { completion.finishReason = reason }
        }
        return text
    }

    /// The finished completion; fails when the stream stopped before it was complete.
    package mutating func finish() throws -> LLMCompletion {
        guard done || completion.finishReason != nil else { throw LLMError.truncated }
        finishCalls()
        return completion
    }

    private mutating func finishCalls() {
        completion.toolCalls = calls.keys.sorted().compactMap { calls[$0] }.filter { !$0.name.isEmpty }
    }
}
