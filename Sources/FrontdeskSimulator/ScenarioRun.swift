import Foundation
import FrontdeskCore
import FrontdeskProviders
import FrontdeskServer
import FrontdeskWire
import NIOHTTP1

/// One script, played as a carrier and checked through the API.
struct ScenarioRun {
    struct Pace {
        /// A reply is complete when no command arrived for this long (replies may be several sentences).
        var quiet: Duration
        /// The longest wait for a reply.
        var reply: Duration
        /// The longest wait for a reprompt in a silence step.
        var silence: Duration
    }

    let scenario: Scenario
    var api: SimulatorAPI
    let standIn: TelnyxStandIn
    let clock: SimulatorClock?
    let model: ScriptedModelServer?
    let carrier: ScenarioRunner.Carrier
    let pace: Pace
    let started = ContinuousClock.now
    var lines: [ScenarioReport.Line] = []
    var failures: [String] = []

    // Set up by `prepare`.
    var businessId = ""
    var agentId = ""
    var agentNumber = ""
    /// The demo business's hours (its zone for local times); read in `prepare`.
    var hours: OpeningHours!
    var originalSettings: [String: Any]?
    var existing: [String] = []
    /// Every appointment the script set up, by id: its start as created (the conversation may move it).
    var setUp: [String: Date] = [:]
    /// The provider's id of the call (Telnyx call_control_id, Twilio CallSid).
    var callControlId: String?
    var callEnded = false
    var transferSeen = false
    var agentHungUp = false
    /// Audio mode: the call's audio over a media stream (set by the runner).
    var audio: AudioSetup?
    /// The business's events on `/api/ws` and at a local webhook receiver, from just before the call.
    var events: EventWatch?
    /// Whether the caller's lead existed, and was qualified, before the conversation.
    var leadExisted = false
    var leadWasQualified = false
    /// What the report says beside pass or fail (a check that could not run).
    var notes: [String] = []
    /// The script's workflows (id, webhook secret) and the receiver of their webhooks.
    var workflows: [(id: String, secret: String)] = []
    var workflowReceiver: WebhookReceiver?
    /// Texts: the caller's thread a member of the team took over (`team:` steps), what they wrote, and
    /// whether they gave it back.
    var heldThread: String?
    var teamTexts: [String] = []
    var teamChanges: [String] = []

    init(
        scenario: Scenario, api: SimulatorAPI, standIn: TelnyxStandIn, clock: SimulatorClock?, model: ScriptedModelServer?,
        carrier: ScenarioRunner.Carrier, pace: Pace
    ) {
        self.scenario = scenario
        self.api = api
        self.standIn = standIn
        self.clock = clock
        self.model = model
        self.carrier = carrier
        self.pace = pace
    }

    var elapsedMs: Double { Self.ms(ContinuousClock.now - started) }
    static func ms(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    var caller: String { scenario.caller }

    mutating func execute() async throws -> ScenarioReport {
        guard PhoneNumber(caller) != nil else { throw SimulatorError("caller \(caller) is not an E.164 number") }
        try await prepare()
        do {
            switch (scenario.channel, carrier) {
            case (.voice, _) where scenario.direction == .outbound:
                if carrier != .telnyx || audio != nil {
                    notes.append("outbound calls dial through Telnyx Call Control: played as Telnyx, not \(audio != nil ? "audio" : carrier.rawValue)")
                }
                try await runOutboundCall()
            case (.voice, .telnyx) where audio != nil: try await runAudioCall()
            case (.voice, .twilio) where audio != nil: try await runAudioCall()
            case (.voice, .telnyx): try await runCall()
            case (.voice, .twilio): try await runTwilioCall()
            case (.voice, .retell): try await runRetellCall()
            case (.sms, .telnyx), (.api, .telnyx): try await runTexts(deliver: telnyxText)
            case (.sms, .twilio), (.api, .twilio), (.sms, .retell), (.api, .retell): try await runTexts(deliver: twilioText)
            }
            try await check()
            try await runAfterwards()
        } catch {
            try? await restore()
            throw error
        }
        try await restore()
        return ScenarioReport(name: scenario.name, lines: lines, failures: failures, seconds: elapsedMs / 1000, notes: notes)
    }

    // MARK: set-up through the API

    private mutating func prepare() async throws {
        let login = try await api.call(.POST, "/api/auth/login", json: ["email": DemoSeeder.email, "password": DemoSeeder.password])
        guard login.status == 200, let token = login.data["token"] as? String else {
            throw SimulatorError("cannot log in as the demo user (\(DemoSeeder.email)): \(login.problem) — is FRONTDESK_DEMO on?")
        }
        api.token = token
        let agents = try await api.call(.GET, "/api/agents?limit=100&business_id=" + ((login.data["user"] as? [String: Any])?["business_id"] as? String ?? ""))
        guard let agent = agents.list("agents").first(where: { $0["phone_number"] as? String == DemoSeeder.agentNumber })
            ?? agents.list("agents").first(where: { $0["phone_number"] is String })
        else { throw SimulatorError("the demo business has no agent with a phone number") }
        agentId = agent["id"] as? String ?? ""
        agentNumber = agent["phone_number"] as? String ?? ""
        businessId = agent["business_id"] as? String ?? ""
        try await loadHours()
        if let clock {
            clock.set(try startTime())
            // A token from before the jump in time would have expired.
            let again = try await api.call(.POST, "/api/auth/login", json: ["email": DemoSeeder.email, "password": DemoSeeder.password])
            api.token = again.data["token"] as? String
        }
        if let overrides = scenario.settings {
            let business = try await api.call(.GET, "/api/businesses/\(businessId)")
            originalSettings = business.data["settings"] as? [String: Any]
            let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(overrides))
            let updated = try await api.call(.PUT, "/api/businesses/\(businessId)", json: ["settings": json])
            guard updated.status == 200 else { throw SimulatorError("settings: \(updated.problem) \(updated.json["details"] ?? "")") }
            try await loadHours()
        }
        if let behavior = scenario.behavior {
            let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(behavior))
            let updated = try await api.call(.PUT, "/api/agents/\(agentId)", json: ["behavior_settings": json])
            guard updated.status == 200 else { throw SimulatorError("behavior_settings: \(updated.problem)") }
        }
        if scenario.agentStopped {
            _ = try await api.call(.POST, "/api/agents/\(agentId)/stop")
        }
        var leadId: String?
        for appointment in scenario.appointments {
            guard let start = localInstant(appointment.at) else {
                throw SimulatorError("appointment at \"\(appointment.at)\" is not \"YYYY-MM-DD HH:mm\"")
            }
            var body: [String: Any] = [
                "business_id": businessId, "scheduled_date": InstantText.format(start),
                "duration": appointment.duration ?? 30, "notes": "simulator setup",
            ]
            if let type = appointment.type { body["type"] = type }
            if appointment.caller == true {
                if leadId == nil { leadId = try await callerLead(create: true)?["id"] as? String }
                body["lead_id"] = leadId
            }
            let created = try await api.call(.POST, "/api/appointments", json: body)
            guard created.status == 201, let id = created.data["id"] as? String else {
                throw SimulatorError("appointment at \(appointment.at): \(created.problem) \(created.json["details"] ?? "")")
            }
            if appointment.caller == true { existing.append(id) }
            setUp[id] = start
        }
        try await prepareWorkflows()
        let before = try await callerLead(create: false)
        leadExisted = before != nil
        leadWasQualified = (before?["qualification_score"] as? Int ?? 0) >= 70
        try await watchEvents()
    }

    /// Undoes what the script changed on a server that outlives it.
    private mutating func restore() async throws {
        await stopWatching()
        for workflow in workflows { _ = try? await api.call(.DELETE, "/api/workflows/\(workflow.id)") }
        workflowReceiver?.stop()
        // A thread left held would silence the receptionist for this caller in the next script.
        if let heldThread, teamChanges.last != "released" { _ = try await api.call(.POST, "/api/conversations/\(heldThread)/release") }
        if scenario.agentStopped { _ = try await api.call(.POST, "/api/agents/\(agentId)/start") }
        if scenario.behavior != nil {
            _ = try await api.call(.PUT, "/api/agents/\(agentId)", json: ["behavior_settings": try JSONSerialization.jsonObject(with: JSONEncoder().encode(BehaviorSettings()))])
        }
        if let originalSettings { _ = try await api.call(.PUT, "/api/businesses/\(businessId)", json: ["settings": originalSettings]) }
    }

    private mutating func loadHours() async throws {
        let business = try await api.call(.GET, "/api/businesses/\(businessId)")
        guard let settings = business.data["settings"] else { throw SimulatorError("cannot read the demo business: \(business.problem)") }
        hours = OpeningHours(settings: try JSONDecoder().decode(BusinessSettings.self, from: JSONSerialization.data(withJSONObject: settings)))
    }

    private func startTime() throws -> Date {
        if let text = scenario.now {
            guard let instant = localInstant(text) else { throw SimulatorError("now: \"\(text)\" is not \"YYYY-MM-DD HH:mm\"") }
            return instant
        }
        // Next Monday, 10:00 local.
        var date = hours.localDate(of: Date()).adding(days: 1)
        while date.weekday != .monday { date = date.adding(days: 1) }
        return hours.instant(date, WallClockTime("10:00")!)!
    }

    func localInstant(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count == 2, let date = LocalDate(String(parts[0])), let time = WallClockTime(String(parts[1])) else { return nil }
        return hours.instant(date, time)
    }

    func callerLead(create: Bool) async throws -> [String: Any]? {
        let found = try await api.call(.GET, "/api/leads?business_id=\(businessId)&phone=\(SimulatorAPI.query(caller))")
        if let lead = found.list("leads").first { return lead }
        guard create else { return nil }
        let created = try await api.call(.POST, "/api/leads", json: ["business_id": businessId, "phone": caller, "source": "call"])
        return created.data
    }

    // MARK: voice, as Telnyx Call Control

    func payload(_ extra: [String: Any] = [:], state: String? = nil) -> [String: Any] {
        let outbound = scenario.direction == .outbound
        var payload: [String: Any] = [
            "call_control_id": callControlId ?? "", "call_leg_id": "leg-" + (callControlId ?? ""),
            "call_session_id": "session-" + (callControlId ?? ""), "connection_id": "simulator",
            "from": outbound ? agentNumber : caller, "to": outbound ? caller : agentNumber,
            "direction": outbound ? "outgoing" : "incoming",
            "client_state": state.map { Data($0.utf8).base64EncodedString() } ?? NSNull(),
        ]
        for (key, value) in extra { payload[key] = value }
        return payload
    }

    func forThisCall(_ received: TelnyxStandIn.Received) -> Bool {
        if received.action == "calls" { return callControlId != nil && received.clientState == "warm:" + (callControlId ?? "") }
        return received.callControlId == callControlId && ["speak", "transfer", "hangup", "playback_start", "bridge"].contains(received.action)
    }

    private mutating func runCall() async throws {
        callControlId = "v3:sim-" + UUID().uuidString.lowercased()
        var mark = standIn.count
        try await api.telnyx("call.initiated", payload(["state": "parked", "start_time": InstantText.format(clock?.now ?? Date())]))
        let answered = await standIn.settle(after: mark, quiet: .zero, timeout: pace.reply) {
            $0.callControlId == callControlId && $0.action == "answer"
        }
        guard answered.contains(where: { $0.action == "answer" }) else { throw SimulatorError("the call was not answered (no answer command)") }
        let greetingStart = elapsedMs
        mark = standIn.count
        try await api.telnyx("call.answered", payload(["state": "answered"], state: answered.last?.clientState))
        let greeting = await standIn.settle(after: mark, quiet: pace.quiet, timeout: pace.reply, until: forThisCall)
        try await carryOut(greeting, since: greetingStart)
        try await playSteps()
    }

    /// The script's lines, as Telnyx delivers them (transcriptions, keys, silences, the hang-up), with the
    /// agent's replies carried out and checked; the caller hangs up at the end if no one did before.
    private mutating func playSteps() async throws {
        var mark = standIn.count
        for (index, step) in scenario.steps.enumerated() {
            guard !callEnded else { break }
            clock?.advance(seconds: 4)
            let before = elapsedMs
            mark = standIn.count
            if let words = step.caller {
                model?.script(step.model ?? [])
                lines.append(.init(at: before, speaker: "Caller", text: words, latencyMs: nil))
                try await api.telnyx("call.transcription", payload([
                    "transcription_data": ["transcript": words, "confidence": 0.95, "is_final": true, "transcription_track": "inbound"],
                ]))
            } else if let digit = step.dtmf {
                lines.append(.init(at: before, speaker: "Caller", text: "[presses \(digit)]", latencyMs: nil))
                try await api.telnyx("call.dtmf.received", payload(["digit": digit]))
            } else if let count = step.silence {
                for _ in 0..<count where !callEnded {
                    lines.append(.init(at: elapsedMs, speaker: "Caller", text: "[silence]", latencyMs: nil))
                    let start = elapsedMs
                    let silenceMark = standIn.count
                    let reprompt = await standIn.settle(after: silenceMark, quiet: pace.quiet, timeout: pace.silence, until: forThisCall)
                    try await carryOut(reprompt, since: start)
                }
                continue
            } else if step.hangup == true {
                lines.append(.init(at: before, speaker: "Caller", text: "[hangs up]", latencyMs: nil))
                try await api.telnyx("call.hangup", payload(["hangup_cause": "normal_clearing", "hangup_source": "caller"]))
                callEnded = true
                continue
            } else {
                continue
            }
            // A reply the step expects is waited for (up to `pace.reply`), not taken to be over at the first
            // quiet moment: a model's filler ("Let me look.") and its answer after a tool call can be further
            // apart than `pace.quiet` on a busy machine.
            let awaited = (model == nil ? step.expectReply : step.model?.last(where: { $0.say != nil })?.say).map(Self.lastSentence)
            let reply = await standIn.settle(after: mark, quiet: pace.quiet, timeout: pace.reply) { received in
                guard forThisCall(received) else { return false }
                guard let awaited else { return true }
                return received.action == "speak"
                    && Self.words(received.body["payload"]?.text ?? "").localizedCaseInsensitiveContains(Self.words(awaited))
            }
            let heard = reply.filter { $0.action == "speak" && $0.callControlId == callControlId }.compactMap { $0.body["payload"]?.text }
            try await carryOut(reply, since: before)
            if step.caller != nil || model == nil { checkReply(heard, step: step, index: index) }
        }
        if !callEnded {
            lines.append(.init(at: elapsedMs, speaker: "Caller", text: "[hangs up]", latencyMs: nil))
            try await api.telnyx("call.hangup", payload(["hangup_cause": "normal_clearing", "hangup_source": "caller"]))
            callEnded = true
        }
    }

    /// A warm transfer's other leg: the team member the runtime dialled picks up, hears the summary, and
    /// the summary's end is reported (the runtime then bridges the caller, which `carryOut` plays).
    private mutating func playTeamMember(dial: TelnyxStandIn.Received) async throws {
        guard let leg = dial.dialled else { return }
        let to = dial.body["to"]?.text ?? "?"
        lines.append(.init(at: elapsedMs, speaker: "System", text: "[calling the team at \(to)]", latencyMs: nil))
        var person: [String: Any] = [
            "call_control_id": leg, "call_leg_id": "leg-" + leg, "call_session_id": "session-" + leg, "connection_id": "simulator",
            "from": agentNumber, "to": to, "direction": "outgoing", "client_state": Data((dial.clientState ?? "").utf8).base64EncodedString(),
        ]
        let mark = standIn.count
        try await api.telnyx("call.answered", person)
        let said = await standIn.settle(after: mark, quiet: pace.quiet, timeout: pace.reply) { $0.callControlId == leg && $0.action == "speak" }
        guard let summary = said.first(where: { $0.callControlId == leg && $0.action == "speak" }) else {
            failures.append("the team member who answered the warm transfer was told nothing")
            return
        }
        lines.append(.init(at: elapsedMs, speaker: "Agent", text: "(to the team) " + (summary.body["payload"]?.text ?? ""), latencyMs: nil))
        person["client_state"] = Data((summary.clientState ?? "").utf8).base64EncodedString()
        person["status"] = "completed"
        try await api.telnyx("call.speak.ended", person)
    }

    /// An outbound call (`POST /api/calls`), played as Telnyx: the dial, the answer, the machine
    /// detection — a person, who then says the script's lines, or an answering machine, whose greeting
    /// nothing may be said over and which is left a voicemail after the beep.
    private mutating func runOutboundCall() async throws {
        var body: [String: Any] = ["agent_id": agentId, "to": caller]
        if let purpose = scenario.purpose { body["purpose"] = purpose }
        let placed = try await api.call(.POST, "/api/calls", json: body)
        guard placed.status == 201, let callId = placed.data["id"] as? String, let id = placed.data["provider_call_id"] as? String else {
            throw SimulatorError("POST /api/calls: \(placed.problem) \(placed.json["details"] ?? "")")
        }
        callControlId = id
        lines.append(.init(at: elapsedMs, speaker: "System", text: "[the receptionist calls \(caller)]", latencyMs: nil))
        guard let state = standIn.dials.last(where: { $0.clientState?.contains(callId) == true })?.clientState else {
            throw SimulatorError("the call was not dialled through Telnyx (no POST /v2/calls for \(callId))")
        }
        var mark = standIn.count
        try await api.telnyx("call.initiated", payload(["state": "bridging"], state: state))
        try await api.telnyx("call.answered", payload(["state": "answered"], state: state))
        _ = await standIn.settle(after: mark, quiet: .zero, timeout: pace.reply) {
            $0.callControlId == id && $0.action == "transcription_start"
        }
        let answeredAt = elapsedMs
        mark = standIn.count
        switch scenario.answeredBy {
        case .machine:
            lines.append(.init(at: answeredAt, speaker: "System", text: "[an answering machine: \"You've reached Sam, please leave a message\"]", latencyMs: nil))
            try await api.telnyx("call.machine.detection.ended", payload(["result": "machine"], state: "agent"))
            try await api.telnyx("call.transcription", payload([
                "transcription_data": ["transcript": "You've reached Sam, please leave a message", "confidence": 0.9, "is_final": true, "transcription_track": "inbound"],
            ], state: "agent"))
            let early = await standIn.settle(after: mark, quiet: pace.quiet, timeout: pace.quiet, until: forThisCall)
            if early.contains(where: { forThisCall($0) && $0.action == "speak" }) {
                failures.append("the receptionist talked over the answering machine's greeting")
            }
            let beep = elapsedMs
            lines.append(.init(at: beep, speaker: "System", text: "[beep]", latencyMs: nil))
            mark = standIn.count
            try await api.telnyx("call.machine.greeting.ended", payload(["result": "beep_detected"], state: "agent"))
            let message = await standIn.settle(after: mark, quiet: pace.quiet, timeout: pace.reply, until: forThisCall)
            try await carryOut(message, since: beep)
        case .person:
            try await api.telnyx("call.machine.detection.ended", payload(["result": "human"], state: "agent"))
            let greeting = await standIn.settle(after: mark, quiet: pace.quiet, timeout: pace.reply, until: forThisCall)
            try await carryOut(greeting, since: answeredAt)
            try await playSteps()
        }
        if !callEnded {
            lines.append(.init(at: elapsedMs, speaker: "Caller", text: "[hangs up]", latencyMs: nil))
            try await api.telnyx("call.hangup", payload(["hangup_cause": "normal_clearing", "hangup_source": "callee"]))
            callEnded = true
        }
    }

    /// Plays the carrier's part for the runtime's commands: each `speak` is reported finished, a
    /// `transfer` bridged, a `hangup` answered with `call.hangup` — and whatever that sets off in turn.
    mutating func carryOut(_ received: [TelnyxStandIn.Received], since start: Double) async throws {
        var pending = received.filter(forThisCall)
        while !pending.isEmpty, !callEnded {
            let mark = standIn.count
            for command in pending where !callEnded {
                switch command.action {
                case "speak":
                    let at = Self.ms(command.receivedAt - started)
                    lines.append(.init(at: at, speaker: "Agent", text: command.body["payload"]?.text ?? "", latencyMs: at - start))
                    try await api.telnyx("call.speak.ended", payload(["status": "completed"], state: command.clientState))
                case "transfer":
                    transferSeen = true
                    lines.append(.init(at: elapsedMs, speaker: "System", text: "[transferred to \(command.body["to"]?.text ?? "?")]", latencyMs: nil))
                    try await api.telnyx("call.bridged", payload(["to": command.body["to"]?.text ?? ""], state: command.clientState))
                case "playback_start":
                    lines.append(.init(at: elapsedMs, speaker: "System", text: "[the caller is on hold, hearing music]", latencyMs: nil))
                case "calls":
                    try await playTeamMember(dial: command)
                case "bridge":
                    transferSeen = true
                    lines.append(.init(at: elapsedMs, speaker: "System", text: "[bridged to the team member]", latencyMs: nil))
                    try await api.telnyx("call.bridged", payload([:], state: command.clientState))
                case "hangup":
                    agentHungUp = true
                    lines.append(.init(at: elapsedMs, speaker: "System", text: "[the agent hangs up]", latencyMs: nil))
                    try await api.telnyx("call.hangup", payload(["hangup_cause": "normal_clearing", "hangup_source": "callee"], state: command.clientState))
                    callEnded = true
                default: break
                }
            }
            // What the reports set off: a hang-up after the goodbye, a transfer after "let me connect you".
            let more = await standIn.settle(after: mark, quiet: pace.quiet, timeout: pace.quiet)
            pending = more.filter(forThisCall)
        }
    }

    // MARK: voice and texts, as Twilio

    private func twilioCall(_ extra: [(String, String)] = [], status: String = "in-progress") -> [(String, String)] {
        [("CallSid", callControlId ?? ""), ("AccountSid", "ACsimulator"), ("From", caller), ("To", agentNumber),
         ("CallStatus", status), ("Direction", "inbound"), ("ApiVersion", "2010-04-01")] + extra
    }

    /// Posts a voice form and plays what the TwiML says: each `<Say>` is heard, a `<Dial>` is bridged,
    /// a `<Hangup/>` ends the call. Returns the words said.
    @discardableResult
    private mutating func twilioVoice(_ extra: [(String, String)], status: String = "in-progress", since start: Double) async throws -> [String] {
        let twiml = try await api.twilio("/api/twilio/voice", twilioCall(extra, status: status))
        let at = elapsedMs
        let said = TwiMLReader.all("Say", in: twiml)
        for words in said { lines.append(.init(at: at, speaker: "Agent", text: words, latencyMs: at - start)) }
        if let number = TwiMLReader.all("Dial", in: twiml).first {
            transferSeen = true
            lines.append(.init(at: elapsedMs, speaker: "System", text: "[transferred to \(number)]", latencyMs: nil))
            try await twilioVoice([("DialCallStatus", "completed"), ("DialCallDuration", "30")], since: elapsedMs)
        } else if twiml.contains("<Hangup/>") {
            agentHungUp = true
            lines.append(.init(at: elapsedMs, speaker: "System", text: "[the agent hangs up]", latencyMs: nil))
            callEnded = true
            _ = try await api.twilio("/api/twilio/voice", twilioCall(status: "completed"))
        }
        return said
    }

    private mutating func runTwilioCall() async throws {
        callControlId = "CA" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await twilioVoice([], status: "ringing", since: elapsedMs)
        for (index, step) in scenario.steps.enumerated() {
            guard !callEnded else { break }
            clock?.advance(seconds: 4)
            let before = elapsedMs
            if let words = step.caller {
                model?.script(step.model ?? [])
                lines.append(.init(at: before, speaker: "Caller", text: words, latencyMs: nil))
                let heard = try await twilioVoice([("SpeechResult", words), ("Confidence", "0.95")], since: before)
                checkReply(heard, step: step, index: index)
            } else if let digit = step.dtmf {
                lines.append(.init(at: before, speaker: "Caller", text: "[presses \(digit)]", latencyMs: nil))
                let heard = try await twilioVoice([("Digits", digit)], since: before)
                if model == nil { checkReply(heard, step: step, index: index) }
            } else if let count = step.silence {
                for _ in 0..<count where !callEnded {
                    lines.append(.init(at: elapsedMs, speaker: "Caller", text: "[silence]", latencyMs: nil))
                    try await twilioVoice([], since: elapsedMs)  // the Gather timed out: Twilio follows the Redirect
                }
            } else if step.hangup == true {
                lines.append(.init(at: before, speaker: "Caller", text: "[hangs up]", latencyMs: nil))
                _ = try await api.twilio("/api/twilio/voice", twilioCall(status: "completed"))
                callEnded = true
            }
        }
        if !callEnded {
            lines.append(.init(at: elapsedMs, speaker: "Caller", text: "[hangs up]", latencyMs: nil))
            _ = try await api.twilio("/api/twilio/voice", twilioCall(status: "completed"))
            callEnded = true
        }
    }

    // MARK: texts, as Telnyx Messaging

    /// One text per caller line; `deliver` sends it as the carrier would and returns the replies to
    /// the caller with when each arrived (`expecting`: the words the step expects in the reply).
    private mutating func runTexts(
        deliver: (_ words: String, _ expecting: String?, _ wait: Duration) async throws -> [(text: String, at: Double)]
    ) async throws {
        for (index, step) in scenario.steps.enumerated() {
            if step.team != nil || step.teamReply != nil {
                try await teamStep(step, index: index)
                continue
            }
            guard let words = step.caller else { continue }
            clock?.advance(seconds: 30)
            let before = elapsedMs
            lines.append(.init(at: before, speaker: "Caller", text: words, latencyMs: nil))
            model?.script(step.model ?? [])
            let expecting = model == nil ? step.expectReply : step.model?.last(where: { $0.say != nil })?.say
            // A line the receptionist must not answer waits as long as a scripted reply could take, not a model's.
            let replies = try await deliver(words, expecting, step.expectNoReply == true ? min(pace.reply, .seconds(2)) : pace.reply)
            for reply in replies { lines.append(.init(at: reply.at, speaker: "Agent", text: reply.text, latencyMs: reply.at - before)) }
            checkReply(replies.last.map { [$0.text] } ?? [], step: step, index: index)
        }
    }

    /// A Telnyx `message.received`; the replies arrive at the stand-in. A confirmation text goes out
    /// during the turn and the reply after it, so a reply the step expects is waited for (up to
    /// `pace.reply`) rather than taken to be over at the first quiet moment, which a busy machine can
    /// leave between the two.
    func telnyxText(_ words: String, expecting: String?, wait: Duration) async throws -> [(text: String, at: Double)] {
        let mark = standIn.count
        try await api.telnyx(
            "message.received",
            ["id": UUID().uuidString.lowercased(), "record_type": "message", "direction": "inbound", "type": "SMS", "text": words,
             "from": ["phone_number": caller, "carrier": "Simulator", "line_type": "Wireless"],
             "to": [["phone_number": agentNumber, "status": "delivered"]], "media": [], "errors": []],
            path: "/api/sms/webhook")
        let texts = await standIn.settle(after: mark, quiet: pace.quiet, timeout: wait) { received in
            guard toCaller(received) else { return false }
            guard let expecting else { return true }
            return Self.words(received.body["text"]?.text ?? "").localizedCaseInsensitiveContains(Self.words(expecting))
        }
        return texts.filter(toCaller).map { ($0.body["text"]?.text ?? "", Self.ms($0.receivedAt - started)) }
    }

    /// A Twilio SMS form; the reply is the TwiML (confirmations still go out through the messaging
    /// provider, the Telnyx stand-in here).
    private func twilioText(_ words: String, expecting _: String?, wait _: Duration) async throws -> [(text: String, at: Double)] {
        let twiml = try await api.twilio(
            "/api/twilio/sms",
            [("MessageSid", "SM" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()), ("AccountSid", "ACsimulator"),
             ("From", caller), ("To", agentNumber), ("Body", words), ("NumMedia", "0")])
        let replies = TwiMLReader.all("Message", in: twiml)
        let at = elapsedMs
        return replies.map { ($0, at) }
    }

    func toCaller(_ received: TelnyxStandIn.Received) -> Bool {
        received.action == "messages" && received.body["to"]?.text == caller
    }

    // MARK: expectations

    /// Checks a reply: against `expect_reply` with the scripted policy; with the test model, the reply
    /// must be the model's own last words (no fallback line), and the model's side must have held.
    mutating func checkReply(_ heard: [String], step: Scenario.Step, index: Int) {
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
        if step.expectNoReply == true, let said = heard.last {
            failures.append("step \(index + 1): the receptionist should stay quiet on a thread a member holds; it said \"\(said)\"")
        }
        if let expected = step.expectReply, !(heard.last ?? "").localizedCaseInsensitiveContains(expected) {
            failures.append("step \(index + 1): the reply should contain \"\(expected)\"; it was \"\(heard.last ?? "(nothing)")\"")
        }
    }

    /// The last sentence of `text` (a reply is spoken sentence by sentence).
    static func lastSentence(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let body = trimmed.dropLast()
        guard let end = body.lastIndex(where: { ".!?".contains($0) }) else { return trimmed }
        return String(trimmed[trimmed.index(after: end)...]).trimmingCharacters(in: .whitespaces)
    }

    static func words(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The call record once the runtime has closed it.
    mutating func closedCall() async throws -> [String: Any]? {
        guard let callControlId else { return nil }
        let deadline = ContinuousClock.now + pace.reply
        while ContinuousClock.now < deadline {
            let calls = try await api.call(.GET, "/api/calls?business_id=\(businessId)&limit=100")
            if let call = calls.list("calls").first(where: { $0["provider_call_id"] as? String == callControlId }),
                call["status"] as? String != "in_progress", let id = call["id"] as? String
            {
                return try await api.call(.GET, "/api/calls/\(id)").data
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        failures.append("the call record was not closed after the hang-up")
        return nil
    }

    /// The slots the conversation booked, as local "YYYY-MM-DD HH:mm": appointments that hold a slot
    /// and were either not set up by the script or now start somewhere else than they were set up.
    /// (Judged by the start itself, not by `updated_at`: the scripted clock may not move between the
    /// setup and the change.)
    static func booked(_ appointments: [[String: Any]], setUp: [String: Date], hours: OpeningHours) -> [String] {
        appointments.compactMap { appointment in
            guard let status = (appointment["status"] as? String).flatMap(AppointmentStatus.init(rawValue:)), status.holdsSlot,
                let start = (appointment["scheduled_date"] as? String).flatMap(APIJSON.parseInstant)
            else { return nil }
            if let id = appointment["id"] as? String, let original = setUp[id], original == start { return nil }
            return "\(hours.localDate(of: start)) \(hours.localTime(of: start))"
        }
    }

    private mutating func check() async throws {
        let expect = scenario.expect
        let call = try await closedCall()
        let lead = try await callerLead(create: false)
        if let call {
            // The call as the API shows it: every word the caller said is in its transcript, with a lead score.
            let heard = Set(((call["turns"] as? [[String: Any]]) ?? []).filter { $0["speaker"] as? String == "caller" }.compactMap { $0["text"] as? String })
            for line in lines where line.speaker == "Caller" && !line.text.hasPrefix("[") && !heard.contains(line.text)
                && !heard.contains(CallerVoice.words(line.text).joined(separator: " "))
            {
                let callerTurns = ((call["turns"] as? [[String: Any]]) ?? []).filter { $0["speaker"] as? String == "caller" }
                    .compactMap { $0["text"] as? String }.map { "\"\($0)\"" }.joined(separator: ", ")
                failures.append("the call's transcript (GET /api/calls/{id}) lacks the caller's \"\(line.text)\" (its caller turns: \(callerTurns))")
            }
            if !(call["lead_score"] is Int) { failures.append("the call (GET /api/calls/{id}) has no lead score") }
        }
        let leadId = lead?["id"] as? String
        var booked: [String] = []
        var changed: [[String: Any]] = []
        var texts: [[String: Any]] = []
        if let leadId {
            let list = try await api.call(.GET, "/api/appointments?business_id=\(businessId)&lead_id=\(leadId)&limit=100")
            booked = Self.booked(list.list("appointments"), setUp: setUp, hours: hours)
            changed = list.list("appointments").filter { appointment in
                guard let id = appointment["id"] as? String, let original = setUp[id] else { return true }
                return (appointment["scheduled_date"] as? String).flatMap(APIJSON.parseInstant) != original
                    || appointment["status"] as? String == "cancelled"
            }
            if scenario.channel == .sms {
                texts = try await api.call(.GET, "/api/sms?business_id=\(businessId)&lead_id=\(leadId)&limit=100").list("messages")
            }
        }
        await checkEvents(call: call, lead: lead, appointments: changed, texts: texts)
        try await checkTeam()
        if let wanted = expect.appointment {
            if wanted == "none" {
                if !booked.isEmpty { failures.append("expected no new appointment; booked \(booked.joined(separator: ", "))") }
            } else if wanted == "any" {
                if booked.isEmpty { failures.append("expected an appointment to be booked; none was") }
            } else if !booked.contains(wanted) {
                failures.append("expected an appointment at \(wanted) (local); found \(booked.isEmpty ? "none" : booked.joined(separator: ", "))")
            }
        }
        if let wanted = expect.greeting {
            let first = lines.first { $0.speaker == "Agent" }?.text ?? ""
            if !first.localizedCaseInsensitiveContains(wanted) { failures.append("the greeting should contain \"\(wanted)\"; it was \"\(first)\"") }
        }
        if let wanted = expect.outcome {
            // A text conversation has no call record: booked when it booked, else information only.
            let outcome = scenario.channel == .voice
                ? call?["outcome"] as? String
                : (booked.isEmpty ? CallOutcome.informationOnly.rawValue : CallOutcome.booked.rawValue)
            if outcome != wanted.rawValue { failures.append("expected outcome \(wanted.rawValue); got \(outcome ?? "none")") }
        }
        if let wanted = expect.leadStatus, lead?["status"] as? String != wanted.rawValue {
            failures.append("expected lead status \(wanted.rawValue); got \(lead?["status"] as? String ?? "no lead")")
        }
        if let range = expect.leadScore, range.count == 2 {
            let score = lead?["qualification_score"] as? Int ?? 0
            if !(range[0]...range[1]).contains(score) { failures.append("expected a lead score in \(range[0])–\(range[1]); got \(score)") }
        }
        if let wanted = expect.transferred {
            let transferred = transferSeen || call?["outcome"] as? String == "transferred"
            if transferred != wanted { failures.append(wanted ? "expected a transfer; none happened" : "expected no transfer") }
        }
        if let wanted = expect.hungUp, agentHungUp != wanted {
            failures.append(wanted ? "expected the agent to hang up" : "expected the agent not to hang up")
        }
        if let text = expect.smsContains {
            // Texts sent through the messaging provider, and (in a text conversation) the replies, some of
            // which a carrier takes in its webhook's answer (TwiML).
            let replies = scenario.channel == .voice ? [] : lines.filter { $0.speaker == "Agent" }.map(\.text)
            var texts: [String] = []
            // A text the scheduler sends after the call (a missed-call text-back) comes within a second.
            let deadline = ContinuousClock.now + .seconds(5)
            repeat {
                texts = standIn.commands("messages").filter(toCaller).compactMap { $0.body["text"]?.text } + replies
                if texts.contains(where: { $0.localizedCaseInsensitiveContains(text) }) { break }
                try? await Task.sleep(for: .milliseconds(100))
            } while ContinuousClock.now < deadline
            if !texts.contains(where: { $0.localizedCaseInsensitiveContains(text) }) {
                failures.append("expected a text to the caller containing \"\(text)\" (at the Telnyx stand-in); sent: \(texts)")
            }
        }
        if let wanted = expect.cancelled {
            var cancelled = false
            for id in existing where try await api.call(.GET, "/api/appointments/\(id)").data["status"] as? String == "cancelled" {
                cancelled = true
            }
            if cancelled != wanted { failures.append(wanted ? "expected the caller's appointment to be cancelled" : "expected no cancellation") }
        }
        // A call whose script has caller lines used the model (a voicemail has none).
        if model != nil, scenario.steps.contains(where: { $0.caller != nil }), let call, (call["llm_prompt_tokens"] as? Int ?? 0) == 0 || (call["llm_completion_tokens"] as? Int ?? 0) == 0 {
            failures.append("the call should record the model's token use; it has \(call["llm_prompt_tokens"] ?? 0) prompt and \(call["llm_completion_tokens"] ?? 0) completion tokens")
        }
    }
}

/// Reads the verbs of a TwiML answer (the simulator's side of Twilio).
enum TwiMLReader {
    static func all(_ verb: String, in twiml: String) -> [String] {
        var found: [String] = []
        var rest = Substring(twiml)
        while let open = rest.range(of: "<\(verb)") {
            guard let endOfTag = rest[open.upperBound...].firstIndex(of: ">") else { break }
            let content = rest[rest.index(after: endOfTag)...]
            guard let close = content.range(of: "</\(verb)>") else { break }
            found.append(unescape(String(content[..<close.lowerBound])))
            rest = content[close.upperBound...]
        }
        return found
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
