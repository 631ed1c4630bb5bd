import Foundation
import FrontdeskCore
import FrontdeskServer
import HTTPTypes
import Synchronization
import Testing

/// A model that answers from a script and records what it was sent.
final class ScriptedModel: LLMClient {
    let replies: Mutex<[Result<LLMCompletion, LLMError>]>
    let requests = Mutex<[[LLMMessage]]>([])

    init(_ replies: [Result<LLMCompletion, LLMError>]) { self.replies = Mutex(replies) }

    func complete(messages: [LLMMessage], tools: [LLMTool], onText: @Sendable (String) async -> Void) async throws -> LLMCompletion {
        requests.withLock { $0.append(messages) }
        let next = replies.withLock { $0.isEmpty ? .failure(.truncated) : $0.removeFirst() }
        let completion = try next.get()
        if !completion.text.isEmpty { await onText(completion.text) }
        return completion
    }

    static func tool(_ name: String, _ arguments: String, id: String = "call_\(UUID().uuidString.prefix(4))") -> Result<LLMCompletion, LLMError> {
        .success(LLMCompletion(text: "", toolCalls: [LLMToolCall(id: id, name: name, arguments: arguments)], finishReason: "tool_calls",
                               usage: LLMUsage(promptTokens: 300, completionTokens: 20)))
    }

    static func say(_ text: String) -> Result<LLMCompletion, LLMError> {
        .success(LLMCompletion(text: text, toolCalls: [], finishReason: "stop", usage: LLMUsage(promptTokens: 350, completionTokens: 12)))
    }
}

@Suite("The LLM policy, through POST /agents/{id}/execute")
struct LLMPolicyTests {
    /// Sunday 22 November 2026, 10:00 in New York.
    static let sunday = try! Date("2026-11-22T15:00:00Z", strategy: .iso8601)

    @Test("the model checks availability, books through the tools, and its answer is the reply; tokens are counted")
    func booking() async throws {
        let model = ScriptedModel([
            ScriptedModel.tool("check_availability", #"{"date":"2026-11-24","service":"Cleaning"}"#),
            ScriptedModel.tool("book_appointment", #"{"date":"2026-11-24","time":"10:00","service":"Cleaning","name":"Maria"}"#),
            ScriptedModel.say("You're booked for a cleaning on Tuesday at 10:00 AM, Maria."),
        ])
        try await TestApp(clock: TestClock(Self.sunday), llm: model).run { client in
            let setup = try await ExecuteTests.setUp(client)
            let result = try await ExecuteTests.say(client, setup, "Hi, I'm Maria, can I get a cleaning Tuesday at 10?")
            #expect(result["output.response"] as? String == "You're booked for a cleaning on Tuesday at 10:00 AM, Maria.")
            #expect(result["policy"] as? String == "llm")
            #expect(result["usage.inputTokens"] as? Int == 950)
            #expect(result["usage.outputTokens"] as? Int == 52)
            let types = ((result["output.actions"] as? [[String: Any]]) ?? []).compactMap { $0["type"] as? String }
            #expect(types.contains("book_appointment") && types.contains("send_sms") && types.contains("update_lead"))
            let appointments = try await client.call(.get, "/api/appointments?business_id=\(setup.tenant.businessId)", token: setup.tenant.token)
            #expect(appointments.list("appointments").first?["scheduled_date"] as? String == "2026-11-24T15:00:00Z")
            #expect(appointments.list("appointments").first?["duration"] as? Int == 45)

            let sent = model.requests.withLock { $0 }
            #expect(sent.count == 3)
            let system = try #require(sent.first?.first?.content)
            #expect(system.contains("Today is Sunday, November 22, 2026-11-22 (America/New_York)"))
            #expect(system.contains("Cleaning, $120, 45 min"))
            #expect(!system.contains("{{"), "every placeholder is filled")
            let toolResults = sent[2].filter { $0.role == "tool" }.compactMap(\.content)
            #expect(toolResults.first?.contains(#""10:00""#) == true, "free times go back to the model")
            #expect(toolResults.last?.contains(#""booked":true"#) == true)
        }
    }

    @Test("bad tool arguments come back to the model as an error and book nothing")
    func badArguments() async throws {
        let model = ScriptedModel([
            ScriptedModel.tool("book_appointment", #"{"date":"tomorrow","time":"10","name":"Al"}"#),
            ScriptedModel.tool("book_appointment", #"{"date":"2026-11-24","time":"10:00","service":"Massage","name":"Al"}"#),
            ScriptedModel.say("Which day would you like?"),
        ])
        try await TestApp(clock: TestClock(Self.sunday), llm: model).run { client in
            let setup = try await ExecuteTests.setUp(client)
            let result = try await ExecuteTests.say(client, setup, "book me something")
            #expect(result["output.response"] as? String == "Which day would you like?")
            let results = model.requests.withLock { $0 }.last?.filter { $0.role == "tool" }.compactMap(\.content) ?? []
            #expect(results.first?.contains("date must be YYYY-MM-DD") == true)
            #expect(results.last?.contains("unknown service") == true)
            let appointments = try await client.call(.get, "/api/appointments?business_id=\(setup.tenant.businessId)", token: setup.tenant.token)
            #expect(appointments.list("appointments").isEmpty)
        }
    }

    @Test("when the model fails, the caller hears an apology and the scripted receptionist carries on")
    func fallback() async throws {
        let model = ScriptedModel([.failure(.timeout)])
        try await TestApp(clock: TestClock(Self.sunday), llm: model).run { client in
            let setup = try await ExecuteTests.setUp(client)
            let result = try await ExecuteTests.say(client, setup, "Hi, I'm Maria, can I get a cleaning on Tuesday at 10am?")
            let reply = try #require(result["output.response"] as? String)
            #expect(reply.hasPrefix("Sorry, bear with me. Just to confirm: a cleaning on Tuesday, November 24 at 10:00 AM"))
            #expect(result["output.confidence"] as? Double == 0.5)
        }
    }
}
