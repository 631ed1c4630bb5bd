import Foundation
@testable import FrontdeskCalls
import FrontdeskCore
@testable import FrontdeskServer
import FrontdeskStore
import Logging
import Synchronization
import Testing

/// Records what the runtime tells the carrier to do.
final class RecordingTransport: CallTransport {
    enum Command: Equatable {
        case speak(String)
        case transfer(String)
        case hangUp
    }

    let commands = Mutex<[Command]>([])
    /// The ids speech was sent with (a carrier's command ids).
    let speechIds = Mutex<[String]>([])

    func speak(_ text: String) async throws {
        try Task.checkCancellation()  // like a real client: a cancelled task sends nothing
        commands.withLock { $0.append(.speak(text)) }
    }
    func speak(_ text: String, id: String) async throws {
        try await speak(text)
        speechIds.withLock { $0.append(id) }
    }
    func transfer(to number: PhoneNumber) async throws { commands.withLock { $0.append(.transfer(number.e164)) } }
    func hangUp() async throws { commands.withLock { $0.append(.hangUp) } }

    var spoken: [String] { commands.withLock { $0.compactMap { if case .speak(let text) = $0 { text } else { nil } } } }
    var last: Command? { commands.withLock { $0.last } }
}

/// The demo business (Bright Smile Dental, agent on +15550100123) with a call runtime, on a test clock.
struct CallHarness {
    let services: AppServices
    let folder: URL
    var configuration: AppConfiguration? = nil
    var clock: TestClock? = nil
    let transport = RecordingTransport()

    /// Monday 23 November 2026, 10:00 in New York (open).
    static let mondayMorning = try! Date("2026-11-23T15:00:00Z", strategy: .iso8601)

    static func make(
        at start: Date = mondayMorning, silence: Duration? = nil, llm: (any LLMClient)? = nil,
        pricing: LLMPricing = LLMPricing()
    ) async throws -> CallHarness {
        let app = TestApp(seedDemo: true)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let clock = TestClock(start)
        var configuration = app.configuration
        configuration.llmPricing = pricing
        let services = try await buildServices(
            configuration: configuration,
            dependencies: AppDependencies(now: { clock.now }, silenceTimeout: silence, llm: llm), logger: logger)
        return CallHarness(services: services, folder: app.folder, configuration: configuration, clock: clock)
    }

    /// Another instance on the same database and clock (its own runtime, no live calls).
    func sibling() async throws -> CallHarness {
        var logger = Logger(label: "test-sibling")
        logger.logLevel = .critical
        let clock = clock!
        let services = try await buildServices(
            configuration: configuration!, dependencies: AppDependencies(now: { clock.now }), logger: logger)
        return CallHarness(services: services, folder: folder, configuration: configuration, clock: clock)
    }

    func cleanUp() { try? FileManager.default.removeItem(at: folder) }

    func startCall(from: String = "+15551234567", id: String = UUID().uuidString) async throws -> CallSession {
        try await services.calls.start(
            provider: "test", providerCallId: id, from: PhoneNumber(from), to: PhoneNumber(DemoSeeder.agentNumber)!,
            transport: transport)
    }

    /// The caller says `text`; the carrier reports the reply spoken. Returns what the agent said.
    func say(_ text: String, to call: CallSession) async -> String? {
        let before = transport.spoken.count
        await call.handle(.callerSaid(text, isFinal: true, confidence: 0.9))
        let reply = transport.spoken.dropFirst(before).last
        await call.handle(.agentFinishedSpeaking)
        return reply
    }

    func storedCall(_ session: CallSession) async throws -> Call? { try await services.store.calls.find(session.callId) }
}

@Suite("Live calls: one session per call")
struct CallSessionTests {
    @Test("a booking call: greeting, turns written as they happen, confirmation text, call closed as booked")
    func bookingCall() async throws {
        let harness = try await CallHarness.make()
        defer { harness.cleanUp() }
        let call = try await harness.startCall()
        #expect(harness.services.calls.activeCount(agent: call.agent.id) == 1, "agent status shows the live call")
        await call.handle(.answered)
        #expect(harness.transport.spoken == ["Thanks for calling Bright Smile Dental! How can I help you today?"])
        await call.handle(.agentFinishedSpeaking)
        #expect(await call.state == .listening)

        let confirm = await harness.say("Hi, this is Maria, I'd like a cleaning on Tuesday at 10am", to: call)
        #expect(confirm == "Just to confirm: a cleaning on Tuesday, November 24 at 10:00 AM for Maria. Shall I book it?")
        // The transcript is written while the call goes on (beside the replies), not only at its end.
        try await eventually("three turns stored mid-call") {
            (try? await harness.services.store.calls.turns(of: call.callId).count) == 3
        }
        let booked = await harness.say("yes please", to: call)
        #expect(booked?.contains("You're all set for Tuesday, November 24 at 10:00 AM") == true)
        let bye = await harness.say("no, that's all", to: call)
        #expect(bye?.contains("Goodbye") == true)
        #expect(harness.transport.last == .hangUp)

        let stored = try #require(try await harness.storedCall(call))
        #expect(stored.status == .completed)
        #expect(stored.outcome == .booked)
        #expect(stored.summary?.contains("Booked Cleaning") == true)
        let turns = try await harness.services.store.calls.turns(of: call.callId)
        #expect(turns.map(\.speaker) == [.agent, .caller, .agent, .caller, .agent, .caller, .agent])
        #expect(turns[1].confidence == 0.9)
        #expect(turns[2].latencyMs != nil)
        let leadId = try #require(stored.leadId)
        let lead = try #require(try await harness.services.store.leads.find(leadId))
        #expect(lead.name == "Maria")
        #expect(lead.source == .call)
        #expect((lead.qualificationScore ?? 0) >= 70)
        let sms = try await harness.services.store.messages.list(
            MessageFilter(business: stored.businessId, channel: .sms), page: PageRequest(page: 1, limit: 5))
        #expect(sms.items.first?.to == "+15551234567")
        #expect(harness.services.calls.activeCount == 0)
        #expect(try await harness.services.store.agents.callsSince(call.agent.id, since: CallHarness.mondayMorning.addingTimeInterval(-3600)) == 1)
    }

    @Test("a call taken over mid-turn: words already answered are not acted on again; words the stopped instance wrote and booked but did not answer are answered once, with the caller's own slot")
    func takeOverMidTurn() async throws {
        let first = try await CallHarness.make()
        defer { first.cleanUp() }
        let call = try await first.startCall(id: "v3:taken")
        await call.handle(.answered)
        await call.handle(.agentFinishedSpeaking)
        let before = first.transport.spoken.count
        await call.handle(.callerSaid("Hi, this is Maria, I'd like a cleaning on Tuesday at 10am", isFinal: true, confidence: 0.9), providerEvent: "ev-1")
        #expect(first.transport.spoken.count == before + 1)
        await call.handle(.agentFinishedSpeaking)
        // The first instance wrote the caller's "yes" and booked the slot, then stopped before its reply.
        let store = first.services.store
        try await eventually("first turns stored") { (try? await store.calls.turns(of: call.callId).count) == 3 }
        let stored = try #require(try await store.calls.find(call.callId))
        _ = try await store.calls.append(TranscriptTurn(
            callId: call.callId, sequence: 3, speaker: .caller, text: "yes please", startedAt: CallHarness.mondayMorning,
            endedAt: CallHarness.mondayMorning, confidence: 0.9, latencyMs: nil, providerEventId: "ev-2"))
        let business = try #require(try await store.businesses.find(stored.businessId))
        let tuesday = try Date("2026-11-24T15:00:00Z", strategy: .iso8601)
        let held = Appointment(
            id: .generate(), businessId: business.id, leadId: stored.leadId, scheduledDate: tuesday, duration: 45, status: .scheduled,
            type: "Cleaning", notes: nil, price: nil, createdAt: CallHarness.mondayMorning, updatedAt: CallHarness.mondayMorning)
        try await store.appointments.save(held, rules: business.settings.booking, hours: OpeningHours(settings: business.settings))

        let second = try await first.sibling()
        let taken = try #require(try await second.services.calls.resume(stored, transport: second.transport))
        #expect(await taken.state == .listening)
        // The carrier replays the first words (the stopped instance answered them): nothing happens.
        await taken.handle(.callerSaid("Hi, this is Maria, I'd like a cleaning on Tuesday at 10am", isFinal: true, confidence: 0.9), providerEvent: "ev-1")
        #expect(second.transport.spoken.isEmpty)
        // Then the "yes" it wrote but never answered: answered now, with the slot the caller holds.
        await taken.handle(.callerSaid("yes please", isFinal: true, confidence: 0.9), providerEvent: "ev-2")
        #expect(second.transport.spoken.count == 1)
        #expect(second.transport.spoken.first?.contains("You're all set for Tuesday, November 24 at 10:00 AM") == true, "\(second.transport.spoken)")
        // Speech is identified by its turn: the greeting and first reply here, the reply to "yes" there —
        // the id the stopped instance would have sent it with, had it lived to (a carrier drops the repeat).
        #expect(first.transport.speechIds.withLock { $0 } == ["turn-0-0", "turn-2-0"])
        #expect(second.transport.speechIds.withLock { $0 } == ["turn-5-0"])
        await taken.handle(.agentFinishedSpeaking)
        try await eventually("reply stored") { (try? await store.calls.turns(of: call.callId).count) == 6 }
        let turns = try await store.calls.turns(of: call.callId)
        #expect(turns.map(\.speaker) == [.agent, .caller, .agent, .caller, .system, .agent])
        #expect(turns.map(\.sequence) == Array(0..<6))
        #expect(turns[1].providerEventId == "ev-1")
        let appointments = try await store.appointments.live(business: business.id, from: tuesday.addingTimeInterval(-86_400), to: tuesday.addingTimeInterval(86_400))
        #expect(appointments.map(\.id) == [held.id])
    }

    @Test("DTMF 0 transfers to the fallback number; a successful transfer closes the call as transferred")
    func dtmfZero() async throws {
        let harness = try await CallHarness.make()
        defer { harness.cleanUp() }
        let call = try await harness.startCall()
        await call.handle(.answered)
        await call.handle(.agentFinishedSpeaking)
        await call.handle(.dtmf("0"))
        #expect(harness.transport.spoken.last == "Let me connect you with someone from the team.")
        await call.handle(.agentFinishedSpeaking)
        #expect(harness.transport.last == .transfer("+15550100199"))
        #expect(await call.state == .transferring)
        await call.handle(.transferResult(succeeded: true))
        #expect(try await harness.storedCall(call)?.outcome == .transferred)
    }

    @Test("silence: a reprompt, then a polite hang-up; a silent call is abandoned")
    func silence() async throws {
        let harness = try await CallHarness.make(silence: .milliseconds(40))
        defer { harness.cleanUp() }
        let call = try await harness.startCall()
        await call.handle(.answered)
        await call.handle(.agentFinishedSpeaking)
        try await eventually("the reprompt") { harness.transport.spoken.last?.hasPrefix("Are you still there?") == true }
        await call.handle(.agentFinishedSpeaking)
        try await eventually("the goodbye") { harness.transport.spoken.last?.contains("I'll let you go") == true }
        await call.handle(.agentFinishedSpeaking)
        #expect(harness.transport.last == .hangUp)
        let stored = try await harness.storedCall(call)
        #expect(stored?.outcome == .abandoned)
        #expect(stored?.hangupCause == "agent_hangup")
    }

    @Test("a stopped agent plays the unavailable message and forwards to the fallback number")
    func stoppedAgent() async throws {
        let harness = try await CallHarness.make()
        defer { harness.cleanUp() }
        var agent = try #require(try await harness.services.store.agents.find(phoneNumber: PhoneNumber(DemoSeeder.agentNumber)!))
        agent.status = .inactive
        try await harness.services.store.agents.save(agent)
        let call = try await harness.startCall()
        await call.handle(.answered)
        #expect(harness.transport.spoken.first?.contains("isn't available right now") == true)
        await call.handle(.agentFinishedSpeaking)
        #expect(harness.transport.last == .transfer("+15550100199"))
    }

    @Test("after hours the greeting says so and still offers to book")
    func afterHours() async throws {
        let harness = try await CallHarness.make(at: try Date("2026-11-22T15:00:00Z", strategy: .iso8601))  // Sunday
        defer { harness.cleanUp() }
        let call = try await harness.startCall()
        await call.handle(.answered)
        #expect(harness.transport.spoken.first?.contains("We're closed right now, but I can still book an appointment") == true)
    }

    @Test("out-of-order and duplicate events are ignored, never a crash")
    func outOfOrder() async throws {
        let harness = try await CallHarness.make()
        defer { harness.cleanUp() }
        let call = try await harness.startCall(id: "dup")
        #expect(await call.handle(.callerSaid("hello", isFinal: true, confidence: nil)) == false, "not answered yet")
        #expect(await call.handle(.agentFinishedSpeaking) == false)
        #expect(await call.handle(.answered))
        #expect(await call.handle(.answered) == false, "a duplicate")
        let again = try await harness.startCall(id: "dup")
        #expect(again === call, "a repeated start finds the live session")
        #expect(await call.handle(.hangUp(cause: "normal_clearing")))
        #expect(await call.handle(.hangUp(cause: "normal_clearing")) == false)
        #expect(await call.handle(.callerSaid("are you there", isFinal: true, confidence: nil)) == false)
        let stored = try await harness.storedCall(call)
        #expect(stored?.status == .completed)
        #expect(stored?.outcome == .abandoned)
        #expect(stored?.hangupCause == "normal_clearing")
    }

    @Test("a hang-up before the answer closes the call as abandoned; an unknown number starts nothing")
    func earlyHangUpAndUnknownNumber() async throws {
        let harness = try await CallHarness.make()
        defer { harness.cleanUp() }
        let call = try await harness.startCall()
        await call.handle(.hangUp(cause: "originator_cancel"))
        #expect(try await harness.storedCall(call)?.outcome == .abandoned)
        await #expect(throws: CallRuntime.StartError.unknownNumber) {
            _ = try await harness.services.calls.start(
                provider: "test", providerCallId: "x", from: nil, to: PhoneNumber("+15559999999")!, transport: harness.transport)
        }
    }

    @Test("with an LLM, sentences are spoken while the model streams, the goodbye is heard before the hang-up, and tokens and cost are stored")
    func llmStreaming() async throws {
        let model = ScriptedModel([
            ScriptedModel.say("Of course. Which day would suit you?"),
            ScriptedModel.tool("end_call", "{}"),
            ScriptedModel.say("Thanks for calling. Goodbye!"),
        ])
        let harness = try await CallHarness.make(
            llm: model, pricing: LLMPricing(inputPerMillion: 0.15, outputPerMillion: 0.60))
        defer { harness.cleanUp() }
        let call = try await harness.startCall()
        await call.handle(.answered)
        await call.handle(.agentFinishedSpeaking)
        await call.handle(.callerSaid("I'd like a cleaning", isFinal: true, confidence: 0.9))
        #expect(Array(harness.transport.spoken.suffix(2)) == ["Of course.", "Which day would suit you?"])
        await call.handle(.agentFinishedSpeaking)
        await call.handle(.agentFinishedSpeaking)
        #expect(await call.state == .listening)

        await call.handle(.callerSaid("that's all, thanks", isFinal: true, confidence: 0.9))
        #expect(Array(harness.transport.spoken.suffix(2)) == ["Thanks for calling.", "Goodbye!"])
        await call.handle(.agentFinishedSpeaking)
        #expect(harness.transport.last != .hangUp, "the goodbye is still playing")
        await call.handle(.agentFinishedSpeaking)
        #expect(harness.transport.last == .hangUp)

        let stored = try #require(try await harness.storedCall(call))
        #expect(stored.llmPromptTokens == 350 + 300 + 350)
        #expect(stored.llmCompletionTokens == 12 + 20 + 12)
        #expect(abs(stored.cost - (1000 * 0.15 + 44 * 0.60) / 1_000_000) < 1e-9)
        let turns = try await harness.services.store.calls.turns(of: call.callId)
        #expect(turns.filter { $0.speaker == .agent }.map(\.text).contains("Of course. Which day would suit you?"), "one transcript turn per reply")
    }
}
