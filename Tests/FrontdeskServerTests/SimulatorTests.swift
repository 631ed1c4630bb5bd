import Foundation
import FrontdeskServer
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
        #expect(report.lines.map(\.speaker) == ["Agent", "Caller", "Agent", "Caller"])
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
