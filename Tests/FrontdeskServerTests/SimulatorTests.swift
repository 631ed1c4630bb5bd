import Foundation
import FrontdeskCore
import FrontdeskServer
import FrontdeskSimulator
import Testing

@Suite("The simulator")
struct SimulatorTests {
    func scenario(_ json: String) throws -> Scenario {
        try JSONDecoder().decode(Scenario.self, from: Data(json.utf8))
    }

    @Test("a scenario whose expectations hold passes, with a transcript")
    func passes() async throws {
        let report = try await ScenarioRunner().run(try scenario(
            #"{"name":"questions","now":"2026-11-23 10:00","steps":[{"caller":"Where are you located?","expect_reply":"Harbor Street"}],"expect":{"outcome":"information_only"}}"#))
        #expect(report.passed, "\(report.failures)")
        #expect(report.lines.map(\.speaker) == ["Agent", "Caller", "Agent", "Caller"], "\(report.lines.map { "\($0.speaker): \($0.text)" })")
        #expect(report.lines[2].latencyMs != nil)
    }

    @Test("a wrong expectation fails with a message that says what happened instead")
    func fails() async throws {
        let report = try await ScenarioRunner().run(try scenario(
            #"{"name":"wrong","now":"2026-11-23 10:00","steps":[{"caller":"What are your hours?","expect_reply":"24 hours a day"}],"expect":{"appointment":"2026-11-24 10:00","transferred":true}}"#))
        #expect(!report.passed)
        #expect(report.failures.count == 3)
        #expect(report.failures.contains { $0.contains("expected an appointment at 2026-11-24 10:00 (local); found none") })
        #expect(report.failures.contains { $0.hasPrefix("step 1: the reply should contain \"24 hours a day\"") })
    }

    @Test("a bad script is an error, not a crash")
    func badScript() async throws {
        #expect(throws: DecodingError.self) { try scenario(#"{"name":"x","channel":"fax","steps":[]}"#) }
        await #expect(throws: (any Error).self) {
            _ = try await ScenarioRunner().run(try scenario(#"{"name":"x","now":"tomorrow","steps":[]}"#))
        }
    }
}

@Suite("The simulator with the scripted test model (LLM policy over real HTTP and SSE)")
struct SimulatorLLMTests {
    func scenario(_ json: String) throws -> Scenario {
        try JSONDecoder().decode(Scenario.self, from: Data(json.utf8))
    }

    static let booking = #"""
        {"name":"llm booking","now":"2026-11-23 10:00","steps":[
          {"caller":"I'm Maria, a cleaning on Tuesday at 10 please","model":[
            {"say":"Let me look.","tools":[{"name":"check_availability","arguments":{"date":"2026-11-24","service":"Cleaning"},"expect_result":"EXPECTED"}]},
            {"say":"Tuesday at 10:00 AM is free. Shall I book it?"}]},
          {"caller":"yes","model":[
            {"tools":[{"name":"book_appointment","arguments":{"date":"2026-11-24","time":"10:00","service":"Cleaning","name":"Maria"},"expect_result":"\"booked\":true"}]},
            {"say":"Done. You're booked for Tuesday at 10:00 AM."}]}],
         "expect":{"appointment":"2026-11-24 10:00","outcome":"booked","sms_contains":"10:00 AM"}}
        """#

    @Test("a booking runs through the model's tool calls; sentences are spoken as they stream; tokens are counted")
    func booking() async throws {
        let model = try await ScriptedModelServer.start()
        defer { model.stop() }
        let report = try await ScenarioRunner(model: model).run(
            try scenario(Self.booking.replacingOccurrences(of: "EXPECTED", with: #"\"10:00\""#)))
        #expect(report.passed, "\(report.failures)")
        let agent = report.lines.filter { $0.speaker == "Agent" }.map(\.text)
        #expect(agent.contains("Let me look."), "the text before the tool call is spoken at once")
        #expect(agent.contains("Tuesday at 10:00 AM is free.") && agent.contains("Shall I book it?"), "one sentence at a time")
    }

    @Test("a tool result that does not say what the script expects, and an unused reply, fail the script")
    func wrongToolResult() async throws {
        let model = try await ScriptedModelServer.start()
        defer { model.stop() }
        var script = try scenario(Self.booking.replacingOccurrences(of: "EXPECTED", with: "23:30"))
        script.steps[1].model?.append(Scenario.ModelReply(say: "never asked for"))
        let report = try await ScenarioRunner(model: model).run(script)
        #expect(report.failures.contains { $0.hasPrefix("step 1: the check_availability result should contain \"23:30\"") })
        #expect(report.failures.contains { $0.contains("1 scripted reply(ies) went unused") })
    }

    @Test("scripts without model replies are skipped in LLM mode, not failed")
    func skipped() async throws {
        let model = try await ScriptedModelServer.start()
        defer { model.stop() }
        let report = try await ScenarioRunner(model: model).run(try scenario(
            #"{"name":"scripted only","steps":[{"caller":"What are your hours?"}]}"#))
        #expect(report.skipped != nil)
    }
}
