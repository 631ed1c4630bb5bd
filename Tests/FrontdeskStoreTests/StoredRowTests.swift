import Foundation
import FrontdeskCore
@testable import FrontdeskStore
import GRDB
import Testing

/// Calls, leads and transcript turns are written with plain SQL (StoredRow), read with GRDB: every
/// column must come back as written, and dates must be stored exactly as GRDB stores them.
@Suite("Records written directly")
struct StoredRowTests {
    @Test("a date is stored as the same text GRDB's formatter writes, across centuries and to the millisecond")
    func dateText() {
        var generator = SystemRandomNumberGenerator()
        var dates = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -0.0005), Date(timeIntervalSince1970: -1),
            Date(timeIntervalSince1970: 951_782_400.999_9),  // 2000-02-29 23:59:59.9999
            Date(timeIntervalSince1970: 4_107_542_399.999),  // 2100-02-28 23:59:59.999
            Date(timeIntervalSince1970: 4_107_542_400),  // 2100-03-01
            Date(timeIntervalSinceReferenceDate: 0), Date(timeIntervalSinceReferenceDate: 1e-7), Date(),
        ]
        for _ in 0..<50_000 {
            // 1900…2200, at random fractions of a millisecond.
            dates.append(Date(timeIntervalSince1970: Double.random(in: -2_208_988_800...7_258_118_400, using: &generator)))
        }
        for _ in 0..<20_000 {
            // Whole and half milliseconds and tiny offsets around them, where rounding matters.
            let millis = Double(Int64.random(in: 0...4_102_444_800_000, using: &generator))
            dates.append(Date(timeIntervalSince1970: millis / 1000))
            dates.append(Date(timeIntervalSince1970: millis / 1000 - 1e-7))
            dates.append(Date(timeIntervalSince1970: (millis + 0.5) / 1000))
        }
        let mismatches = dates.filter { $0.storageText != String.fromDatabaseValue($0.databaseValue) }
        #expect(mismatches.count == 0, "first: \(mismatches.prefix(3).map { "\($0.timeIntervalSince1970): \($0.storageText) vs \(String.fromDatabaseValue($0.databaseValue) ?? "")" })")
    }

    @Test("a lead, a call and a transcript turn come back with every field as written, and again after an update", arguments: Engine.allCases)
    func roundTrip(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (_, business) = try await temp.business()
            let agent = Agent(
                id: .generate(), businessId: business.id, name: "Front", phoneNumber: PhoneNumber("+15550100999"), voiceSettings: .init(),
                behaviorSettings: .init(), workingHours: nil, status: .active, startedAt: nil, createdAt: temp.now, updatedAt: temp.now)
            try await temp.store.agents.save(agent)
            let explanation = LeadScorer.score(
                [FiredSignal(signal: .urgentProblem, source: "call"), FiredSignal(signal: .wantsOfferedService, source: "sms")],
                at: temp.now.addingTimeInterval(60))
            var lead = Lead(
                id: .generate(), businessId: business.id, phone: PhoneNumber("+15550002222"), name: "Ada", email: EmailAddress("ada@example.com"),
                status: .qualified, source: .call, qualificationScore: explanation.score, scoreExplanation: explanation, notes: "leaky tap",
                createdAt: temp.now, updatedAt: temp.now.addingTimeInterval(1), company: "Lovelace Plumbing", value: Money(cents: 1_250_050))
            var call = Call(
                id: .generate(), businessId: business.id, agentId: agent.id, leadId: lead.id, phone: lead.phone, direction: .inbound,
                provider: "telnyx", providerCallId: "v3:round-trip", status: .inProgress, duration: nil, recordingUrl: nil,
                outcome: nil, summary: nil, hangupCause: nil, startedAt: temp.now, endedAt: nil, createdAt: temp.now)
            call.llmPromptTokens = 120
            call.llmCompletionTokens = 30
            call.cost = 0.0125
            guard case .started(let started, let startedLead) = try await temp.store.calls.start(call, newLead: lead) else {
                Issue.record("the call was not new")
                return
            }
            #expect(started == call)
            #expect(startedLead == lead)
            #expect(try await temp.store.calls.find(call.id) == call)
            #expect(try await temp.store.leads.find(lead.id) == lead)

            // Every field changed: the update writes them all.
            call.status = .completed
            call.duration = 95
            call.recordingUrl = "/api/calls/\(call.id)/recording"
            call.outcome = .booked
            call.summary = "Booked a repair"
            call.hangupCause = "normal_clearing"
            call.endedAt = temp.now.addingTimeInterval(95)
            call.llmCompletionTokens = 45
            lead.name = "Ada L."
            lead.status = .contacted
            lead.scoreExplanation = nil
            lead.qualificationScore = nil
            lead.notes = nil
            lead.email = nil
            lead.company = nil
            lead.value = Money(cents: 0)
            lead.source = .social
            lead.updatedAt = temp.now.addingTimeInterval(100)
            try await temp.store.calls.finish(call, lead: lead)
            #expect(try await temp.store.calls.find(call.id) == call)
            #expect(try await temp.store.leads.find(lead.id) == lead)

            let turn = try await temp.store.calls.append(
                TranscriptTurn(callId: call.id, sequence: 0, speaker: .agent, text: "Hello, how can I help?", startedAt: temp.now,
                               endedAt: temp.now.addingTimeInterval(2), confidence: 0.93, latencyMs: 412))
            #expect(turn.id != nil)
            #expect(try await temp.store.calls.turns(of: call.id) == [turn])
        }
    }

    @Test("updating a record that is not stored fails and writes nothing", arguments: Engine.allCases)
    func updateOfMissingRecord(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (_, business) = try await temp.business()
            let lead = Lead(
                id: .generate(), businessId: business.id, phone: nil, name: "Nobody", email: nil, status: .new, source: .other,
                notes: nil, createdAt: temp.now, updatedAt: temp.now)
            await #expect(throws: (any Error).self) { try await temp.store.leads.update(lead) }
            #expect(try await temp.store.leads.find(lead.id) == nil)
        }
    }
}
