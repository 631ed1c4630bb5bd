import Foundation
import FrontdeskCore
import Hummingbird
import NIOCore
import Synchronization

/// A local OpenAI-compatible `POST /v1/chat/completions` server for `frontdesk simulate --llm`: it
/// answers each request with the next reply a script gave (`model:` under a caller line), streamed
/// as real server-sent events — content in small deltas, tool-call arguments in pieces, usage, and
/// `[DONE]`, written in chunks that split lines — and checks the tool results the runtime sends back.
/// It is a scripted stand-in for a model, not a model: it only plays what the script says.
public final class ScriptedModelServer: Sendable {
    struct PendingCheck: Sendable {
        let callId: String
        let tool: String
        let expected: String
    }

    struct State: Sendable {
        var queue: [Scenario.ModelReply] = []
        var checks: [PendingCheck] = []
        var problems: [String] = []
        var requests = 0
        var nextCallId = 1
    }

    private let state = Mutex(State())
    public let baseURL: URL
    private let server: Task<Void, any Error>

    private init(port: Int, server: Task<Void, any Error>) {
        baseURL = URL(string: "http://127.0.0.1:\(port)/v1")!
        self.server = server
    }

    /// Starts the server on a free loopback port.
    public static func start() async throws -> ScriptedModelServer {
        let holder = Mutex<ScriptedModelServer?>(nil)
        let router = Router()
        router.post("v1/chat/completions") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 8 << 20)
            guard let model = holder.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            return model.answer(Data(body.readableBytesView))
        }
        let (port, task) = try await LoopbackServer.start(router, name: "scripted-test-model")
        let model = ScriptedModelServer(port: port, server: task)
        holder.withLock { $0 = model }
        return model
    }

    public func stop() { server.cancel() }

    /// The replies for the next caller line (anything left from the last one is reported by `drain`).
    func script(_ replies: [Scenario.ModelReply]) {
        state.withLock { $0.queue = replies }
    }

    /// Problems since the last call: requests with no scripted reply, replies never asked for, tool
    /// results that did not say what the script expected. Also how many requests arrived.
    func drain() -> (problems: [String], requests: Int) {
        state.withLock { state in
            var problems = state.problems
            if !state.queue.isEmpty { problems.append("the model was asked \(state.requests) time(s); \(state.queue.count) scripted reply(ies) went unused") }
            for check in state.checks { problems.append("no result came back for the \(check.tool) call") }
            let requests = state.requests
            state = State(nextCallId: state.nextCallId)
            return (problems, requests)
        }
    }

    private func answer(_ body: Data) -> Response {
        let messages = ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any])?["messages"] as? [[String: Any]] ?? []
        var results: [String: String] = [:]
        for message in messages where message["role"] as? String == "tool" {
            if let id = message["tool_call_id"] as? String { results[id] = message["content"] as? String ?? "" }
        }
        let next: (reply: Scenario.ModelReply, firstCallId: Int)? = state.withLock { state in
            state.requests += 1
            state.checks.removeAll { check in
                guard let result = results[check.callId] else { return false }
                if !result.localizedCaseInsensitiveContains(check.expected) {
                    state.problems.append("the \(check.tool) result should contain \"\(check.expected)\"; it was \(result)")
                }
                return true
            }
            guard !state.queue.isEmpty else {
                state.problems.append("the model was asked once more than the script answers (request \(state.requests))")
                return nil
            }
            let reply = state.queue.removeFirst()
            let first = state.nextCallId
            for (offset, tool) in (reply.tools ?? []).enumerated() {
                if let expected = tool.expectResult {
                    state.checks.append(PendingCheck(callId: "call_\(first + offset)", tool: tool.name, expected: expected))
                }
            }
            state.nextCallId += reply.tools?.count ?? 0
            return (reply, first)
        }
        guard let next else {
            return Response(
                status: .internalServerError, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"message":"no scripted reply","type":"server_error"}}"#)))
        }
        let stream = Self.events(next.reply, firstCallId: next.firstCallId, promptBytes: body.count)
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                // Pieces that end mid-line and mid-JSON, as a real network delivers them.
                var rest = Substring(stream)
                while !rest.isEmpty {
                    let piece = rest.prefix(61)
                    rest = rest.dropFirst(piece.count)
                    try await writer.write(ByteBuffer(string: String(piece)))
                }
                try await writer.finish(nil)
            })
    }

    /// The reply as chat-completion chunks.
    static func events(_ reply: Scenario.ModelReply, firstCallId: Int, promptBytes: Int) -> String {
        var chunks: [[String: Any]] = [["role": "assistant"]]
        var completionTokens = 0
        if let say = reply.say {
            var words = say.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            completionTokens += words.count
            while !words.isEmpty {
                let piece = words.prefix(2).joined(separator: " ") + (words.count > 2 ? " " : "")
                words.removeFirst(min(2, words.count))
                chunks.append(["content": piece])
            }
        }
        for (index, tool) in (reply.tools ?? []).enumerated() {
            let arguments = tool.arguments.flatMap { try? String(decoding: JSONEncoder().encode($0), as: UTF8.self) } ?? "{}"
            completionTokens += 5 + arguments.count / 4
            chunks.append(["tool_calls": [["index": index, "id": "call_\(firstCallId + index)", "type": "function",
                                           "function": ["name": tool.name, "arguments": ""]]]])
            var rest = Substring(arguments)
            while !rest.isEmpty {
                let piece = rest.prefix(11)
                rest = rest.dropFirst(piece.count)
                chunks.append(["tool_calls": [["index": index, "function": ["arguments": String(piece)]]]])
            }
        }
        var lines: [String] = []
        func line(_ object: [String: Any]) {
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
            lines.append("data: " + String(decoding: data, as: UTF8.self) + "\n\n")
        }
        for delta in chunks {
            line(["id": "chatcmpl-sim", "object": "chat.completion.chunk", "model": "scripted-test-model",
                  "choices": [["index": 0, "delta": delta, "finish_reason": NSNull()]]])
        }
        line(["id": "chatcmpl-sim", "object": "chat.completion.chunk",
              "choices": [["index": 0, "delta": [String: Any](), "finish_reason": reply.tools?.isEmpty == false ? "tool_calls" : "stop"]]])
        // Usage as OpenAI reports it with stream_options.include_usage; prompt tokens estimated at 4 bytes each.
        line(["id": "chatcmpl-sim", "object": "chat.completion.chunk", "choices": [Any](),
              "usage": ["prompt_tokens": promptBytes / 4, "completion_tokens": completionTokens,
                        "total_tokens": promptBytes / 4 + completionTokens]])
        return lines.joined() + ": done\n\ndata: [DONE]\n\n"
    }
}
