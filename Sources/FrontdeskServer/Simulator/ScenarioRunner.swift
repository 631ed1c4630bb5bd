import Foundation
import FrontdeskCore
import FrontdeskStore
import Logging
import Synchronization

/// What one scenario did and whether its expectations held.
public struct ScenarioReport: Sendable {
    public struct Line: Sendable {
        /// Milliseconds since the scenario started (wall clock).
        public let at: Double
        public let speaker: String
        public let text: String
        /// How long the agent took to answer (wall clock), for agent lines.
        public let latencyMs: Double?
    }

    public let name: String
    public let lines: [Line]
    public let failures: [String]
    public let seconds: Double
    /// Why the scenario did not run (LLM mode and a script with no `model:` replies).
    public var skipped: String?
    public var passed: Bool { failures.isEmpty }
}

/// Runs simulator scenarios in process against the demo business, on a fresh database and a clock
/// fixed to the scenario's time, through the same runtime the provider transports use: `CallRuntime`
/// sessions for voice, `ConversationService` for SMS. Speech is the script's text (no audio).
///
/// With a `ScriptedModelServer`, the receptionist runs the LLM policy against it over real HTTP and
/// SSE, and each caller line is answered with the script's `model:` replies.
public struct ScenarioRunner: Sendable {
    let model: ScriptedModelServer?

    public init(model: ScriptedModelServer? = nil) {
        self.model = model
    }

    public func run(_ scenario: Scenario) async throws -> ScenarioReport {
        if model != nil,
            !scenario.steps.contains(where: { $0.model != nil })
                || scenario.steps.contains(where: { $0.caller != nil && $0.model == nil })
        {
            return ScenarioReport(
                name: scenario.name, lines: [], failures: [], seconds: 0,
                skipped: "no model: replies for its caller lines (scripted policy only)")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("frontdesk-sim-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var configuration = AppConfiguration()
        configuration.databasePath = folder.appendingPathComponent("sim.sqlite").path
        configuration.jwtSecret = String(repeating: "s", count: 40)
        configuration.bcryptCost = 4
        var logger = Logger(label: "simulator")
        logger.logLevel = .critical
        let clock = SimulatorClock(Date())
        var dependencies = AppDependencies(now: { clock.now })
        if let model {
            dependencies.llm = OpenAICompatibleLLMClient(baseURL: model.baseURL, apiKey: "simulator", model: "scripted-test-model")
        }
        let services = try await buildServices(configuration: configuration, dependencies: dependencies, logger: logger)
        var run = ScenarioRun(scenario: scenario, services: services, clock: clock, logger: logger, model: model)
        return try await run.execute()
    }
}

final class SimulatorClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func set(_ date: Date) { current.withLock { $0 = date } }
    func advance(seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// Records what the runtime told the (simulated) carrier.
final class SimulatorTransport: CallTransport {
    let spoken = Mutex<[String]>([])
    let transfers = Mutex<[String]>([])
    let hungUp = Mutex(false)
    /// Speech the carrier has not reported finished yet.
    let unfinished = Mutex(0)

    func speak(_ text: String) async throws {
        spoken.withLock { $0.append(text) }
        unfinished.withLock { $0 += 1 }
    }
    func transfer(to number: PhoneNumber) async throws { transfers.withLock { $0.append(number.e164) } }
    func hangUp() async throws { hungUp.withLock { $0 = true } }
}

struct ScenarioRun {
    let scenario: Scenario
    let services: AppServices
    let clock: SimulatorClock
    let logger: Logger
    let model: ScriptedModelServer?
    let started = ContinuousClock().now
    var lines: [ScenarioReport.Line] = []
    var failures: [String] = []

    init(scenario: Scenario, services: AppServices, clock: SimulatorClock, logger: Logger, model: ScriptedModelServer?) {
        self.scenario = scenario
        self.services = services
        self.clock = clock
        self.logger = logger
        self.model = model
    }

    /// Checks a reply: against `expect_reply` with the scripted policy; with the test model, the reply
    /// must be the model's own last words (no fallback line), and the model's side must have held.
    private mutating func checkReply(_ heard: [String], step: Scenario.Step, index: Int) {
        if let model {
            let drained = model.drain()
            failures += drained.problems.map { "step \(index + 1): \($0)" }
            let said = heard.joined(separator: " ")
            if let expected = step.model?.last(where: { $0.say != nil })?.say,
                Self.words(said).range(of: Self.words(expected)) == nil
            {
                failures.append("step \(index + 1): the reply should be the model's \"\(expected)\"; it was \"\(said)\"")
            }
            return
        }
        if let expected = step.expectReply, !(heard.last ?? "").localizedCaseInsensitiveContains(expected) {
            failures.append("step \(index + 1): the reply should contain \"\(expected)\"; it was \"\(heard.last ?? "(nothing)")\"")
        }
    }

    static func words(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    var elapsedMs: Double {
        let d = ContinuousClock().now - started
        return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    mutating func execute() async throws -> ScenarioReport {
        guard let callerPhone = PhoneNumber(scenario.caller) else { throw SimulatorError("caller \(scenario.caller) is not an E.164 number") }
        let store = services.store
        guard var agent = try await store.agents.find(phoneNumber: PhoneNumber(DemoSeeder.agentNumber)!),
            var business = try await store.businesses.find(agent.businessId)
        else { throw SimulatorError("the demo business is missing") }
        if let overrides = scenario.settings {
            business.settings = try BusinessController.merge(overrides, into: business.settings)
            try await store.businesses.update(business)
        }
        let hours = OpeningHours(settings: business.settings)
        clock.set(try startTime(hours))
        if scenario.agentStopped || scenario.behavior != nil {
            var changed = agent
            if scenario.agentStopped { changed.status = .inactive }
            if let behavior = scenario.behavior { changed.behaviorSettings = behavior }
            try await store.agents.save(changed)
            agent = changed
        }
        let callerLead = try await setUpAppointments(business: business, hours: hours, caller: callerPhone)

        let transport = SimulatorTransport()
        var finalState: ConversationState?
        var callId: CallID?
        switch scenario.channel {
        case .voice:
            let session = try await services.calls.start(
                provider: "simulator", providerCallId: UUID().uuidString, from: callerPhone, to: agent.phoneNumber!,
                transport: transport)
            callId = session.callId
            try await runCall(session, transport: transport)
        case .sms, .api:
            finalState = try await runTexts(agent: agent, business: business, caller: callerPhone)
        }
        try await check(
            business: business, hours: hours, caller: callerPhone, existing: callerLead, transport: transport,
            callId: callId, state: finalState)
        return ScenarioReport(name: scenario.name, lines: lines, failures: failures, seconds: elapsedMs / 1000)
    }

    private func startTime(_ hours: OpeningHours) throws -> Date {
        if let text = scenario.now {
            guard let instant = Self.localInstant(text, hours) else { throw SimulatorError("now: \"\(text)\" is not \"YYYY-MM-DD HH:mm\"") }
            return instant
        }
        // Next Monday, 10:00 local.
        var date = hours.localDate(of: Date()).adding(days: 1)
        while date.weekday != .monday { date = date.adding(days: 1) }
        return hours.instant(date, WallClockTime("10:00")!)!
    }

    static func localInstant(_ text: String, _ hours: OpeningHours) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count == 2, let date = LocalDate(String(parts[0])), let time = WallClockTime(String(parts[1])) else { return nil }
        return hours.instant(date, time)
    }

    /// Existing appointments; those marked `caller` belong to the caller's lead (created here).
    private func setUpAppointments(business: Business, hours: OpeningHours, caller: PhoneNumber) async throws -> [Appointment] {
        var lead: Lead?
        var mine: [Appointment] = []
        for existing in scenario.appointments {
            guard let start = Self.localInstant(existing.at, hours) else { throw SimulatorError("appointment at \"\(existing.at)\" is not \"YYYY-MM-DD HH:mm\"") }
            if existing.caller == true, lead == nil {
                let time = clock.now
                let created = Lead(
                    id: .generate(), businessId: business.id, phone: caller, name: nil, email: nil, status: .contacted,
                    source: .call, notes: nil, createdAt: time, updatedAt: time)
                try await services.store.leads.insert(created)
                lead = created
            }
            let appointment = Appointment(
                id: .generate(), businessId: business.id, leadId: existing.caller == true ? lead?.id : nil, scheduledDate: start,
                duration: existing.duration ?? 30, status: .scheduled, type: existing.type, notes: "simulator setup", price: nil,
                createdAt: clock.now, updatedAt: clock.now)
            try await services.store.appointments.save(appointment, rules: business.settings.booking, hours: hours)
            if existing.caller == true { mine.append(appointment) }
        }
        return mine
    }

    private mutating func runCall(_ session: CallSession, transport: SimulatorTransport) async throws {
        var heard = 0
        func newSpeech() -> [String] {
            let all = transport.spoken.withLock { $0 }
            defer { heard = all.count }
            return Array(all.dropFirst(heard))
        }
        let answerStart = elapsedMs
        await session.handle(.answered)
        for line in newSpeech() { lines.append(.init(at: elapsedMs, speaker: "Agent", text: line, latencyMs: elapsedMs - answerStart)) }
        await finishSpeaking(session, transport: transport)
        for (index, step) in scenario.steps.enumerated() {
            guard await session.state != .ended else { break }
            clock.advance(seconds: 4)
            let before = elapsedMs
            if let words = step.caller {
                model?.script(step.model ?? [])
                lines.append(.init(at: before, speaker: "Caller", text: words, latencyMs: nil))
                await session.handle(.callerSaid(words, isFinal: true, confidence: 0.95))
            } else if let digit = step.dtmf {
                lines.append(.init(at: before, speaker: "Caller", text: "[presses \(digit)]", latencyMs: nil))
                await session.handle(.dtmf(digit))
            } else if let count = step.silence {
                for _ in 0..<count {
                    lines.append(.init(at: elapsedMs, speaker: "Caller", text: "[silence]", latencyMs: nil))
                    let start = elapsedMs
                    await session.handle(.silenceTimeout)
                    for line in newSpeech() { lines.append(.init(at: elapsedMs, speaker: "Agent", text: line, latencyMs: elapsedMs - start)) }
                    await finishSpeaking(session, transport: transport)
                }
                continue
            } else if step.hangup == true {
                lines.append(.init(at: before, speaker: "Caller", text: "[hangs up]", latencyMs: nil))
                await session.handle(.hangUp(cause: "normal_clearing"))
                continue
            }
            let replies = newSpeech()
            for line in replies { lines.append(.init(at: elapsedMs, speaker: "Agent", text: line, latencyMs: elapsedMs - before)) }
            if step.caller != nil || model == nil { checkReply(replies, step: step, index: index) }
            await finishSpeaking(session, transport: transport)
        }
        if await session.state != .ended {
            lines.append(.init(at: elapsedMs, speaker: "Caller", text: "[hangs up]", latencyMs: nil))
            await session.handle(.hangUp(cause: "normal_clearing"))
        }
    }

    /// The carrier reports the speech done; a transfer it was asked for succeeds.
    private mutating func finishSpeaking(_ session: CallSession, transport: SimulatorTransport) async {
        let unfinished = transport.unfinished.withLock { count in defer { count = 0 }; return count }
        for _ in 0..<unfinished { await session.handle(.agentFinishedSpeaking) }
        if await session.state == .transferring, let number = transport.transfers.withLock({ $0.last }) {
            lines.append(.init(at: elapsedMs, speaker: "System", text: "[transferred to \(number)]", latencyMs: nil))
            await session.handle(.transferResult(succeeded: true))
        }
    }

    private mutating func runTexts(agent: Agent, business: Business, caller: PhoneNumber) async throws -> ConversationState? {
        let store = services.store
        var lead = try await store.leads.find(phone: caller, in: business.id)
        if lead == nil {
            let created = Lead(
                id: .generate(), businessId: business.id, phone: caller, name: nil, email: nil, status: .new, source: .sms,
                notes: nil, createdAt: clock.now, updatedAt: clock.now)
            try await store.leads.insert(created)
            lead = created
        }
        var state: ConversationState?
        for (index, step) in scenario.steps.enumerated() {
            guard let words = step.caller else { continue }
            clock.advance(seconds: 30)
            let before = elapsedMs
            lines.append(.init(at: before, speaker: "Caller", text: words, latencyMs: nil))
            model?.script(step.model ?? [])
            let result = try await services.conversations.turn(
                words, agent: agent, business: business, lead: lead, channel: .sms, logger: logger)
            lead = result.lead ?? lead
            state = result.state
            lines.append(.init(at: elapsedMs, speaker: "Agent", text: result.reply, latencyMs: elapsedMs - before))
            checkReply([result.reply], step: step, index: index)
        }
        return state
    }

    private mutating func check(
        business: Business, hours: OpeningHours, caller: PhoneNumber, existing: [Appointment], transport: SimulatorTransport,
        callId: CallID?, state: ConversationState?
    ) async throws {
        let store = services.store
        let expect = scenario.expect
        let lead = try await store.leads.find(phone: caller, in: business.id)
        let call = try await callId.asyncFlatMap { try await store.calls.find($0) }
        if let wanted = expect.appointment {
            let existingIds = Set(existing.map(\.id))
            let mine = try await lead.asyncFlatMap { lead in
                try await store.appointments.list(AppointmentFilter(business: business.id, leadId: lead.id), page: PageRequest(page: 1, limit: 100)).items
            } ?? []
            // New bookings, and set-up appointments the conversation moved.
            let booked = mine.filter { $0.status.holdsSlot && (!existingIds.contains($0.id) || $0.updatedAt > $0.createdAt) }
            let times = booked.map { "\(hours.localDate(of: $0.scheduledDate)) \(hours.localTime(of: $0.scheduledDate))" }
            if wanted == "none" {
                if !times.isEmpty { failures.append("expected no new appointment; booked \(times.joined(separator: ", "))") }
            } else if !times.contains(wanted) {
                failures.append("expected an appointment at \(wanted) (local); found \(times.isEmpty ? "none" : times.joined(separator: ", "))")
            }
        }
        if let wanted = expect.greeting {
            let first = lines.first { $0.speaker == "Agent" }?.text ?? ""
            if !first.localizedCaseInsensitiveContains(wanted) { failures.append("the greeting should contain \"\(wanted)\"; it was \"\(first)\"") }
        }
        if let wanted = expect.outcome {
            let outcome = call?.outcome ?? state?.outcome
            if outcome != wanted { failures.append("expected outcome \(wanted.rawValue); got \(outcome?.rawValue ?? "none")") }
        }
        if let wanted = expect.leadStatus, lead?.status != wanted {
            failures.append("expected lead status \(wanted.rawValue); got \(lead?.status.rawValue ?? "no lead")")
        }
        if let range = expect.leadScore, range.count == 2 {
            let score = lead?.qualificationScore ?? 0
            if !(range[0]...range[1]).contains(score) { failures.append("expected a lead score in \(range[0])–\(range[1]); got \(score)") }
        }
        if let wanted = expect.transferred {
            let transferred = !transport.transfers.withLock { $0.isEmpty } || call?.outcome == .transferred
            if transferred != wanted { failures.append(wanted ? "expected a transfer; none happened" : "expected no transfer") }
        }
        if model != nil, let call, call.llmPromptTokens == 0 || call.llmCompletionTokens == 0 {
            failures.append("the call should record the model's token use; it has \(call.llmPromptTokens) prompt and \(call.llmCompletionTokens) completion tokens")
        }
        if let wanted = expect.hungUp, transport.hungUp.withLock({ $0 }) != wanted {
            failures.append(wanted ? "expected the agent to hang up" : "expected the agent not to hang up")
        }
        if let text = expect.smsContains {
            let sms = try await store.messages.list(MessageFilter(business: business.id, channel: .sms), page: PageRequest(page: 1, limit: 50)).items
            if !sms.contains(where: { $0.to == caller.e164 && $0.body.localizedCaseInsensitiveContains(text) }) {
                failures.append("expected a text to the caller containing \"\(text)\"; sent: \(sms.map(\.body))")
            }
        }
        if let wanted = expect.cancelled {
            var cancelled = false
            for appointment in existing {
                if try await store.appointments.find(appointment.id)?.status == .cancelled { cancelled = true }
            }
            if cancelled != wanted { failures.append(wanted ? "expected the caller's appointment to be cancelled" : "expected no cancellation") }
        }
    }
}

struct SimulatorError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
