import Foundation
import FrontdeskCore
import FrontdeskStore
import FrontdeskWire
import Logging

/// The one owner of a live call: every event for the call goes through this actor, so duplicate or
/// out-of-order webhooks, timers and replies never race. It keeps the call's state machine and its
/// conversation, writes each transcript turn as it happens, and finalises the call record at the end.
package actor CallSession {
    struct Timing: Sendable {
        /// Silence before a reprompt (and again before a polite hang-up).
        var silence: Duration
        /// The longest a call may last.
        var maxDuration: Duration
    }

    package nonisolated let callId: CallID
    package nonisolated let agent: Agent
    package nonisolated let business: Business
    private(set) var lead: Lead?
    private let transport: any CallTransport
    private let conversations: ConversationService
    private let store: Store
    private let now: @Sendable () -> Date
    private let timing: Timing
    private let logger: Logger
    private let onEnd: @Sendable (CallID) -> Void

    package private(set) var state: CallState = .ringing
    private(set) var conversation = ConversationState()
    private var call: Call
    private var sequence = 0
    private var silences = 0
    private var callerTurns = 0
    private var lastCallerWordsAt: Date?
    /// The caller's latest words (for a warm transfer's summary).
    private var lastCallerWords: String?
    private var queued: [String] = []
    /// Speech handed to the carrier that it has not reported finished.
    private var outstandingSpeech = 0
    /// Sentences of the current reply already spoken while the model still streams.
    private var streamed: [String] = []
    private var firstWordsLatency: Int?
    private var transferTo: PhoneNumber?
    /// The transfer under way goes straight through (a member taking the call asked for it), not warm.
    private var coldTransfer = false
    /// What the person a warm transfer reaches is told about the caller, once the transfer has begun.
    package private(set) var handover: String?
    private var hangUpAfterSpeaking = false
    /// The service is stopping and closing this call (`close(grace:)`).
    private var closing = false
    private var summary: [String] = []
    /// The sequence of the agent's latest transcript turn (a barge-in trims it to what was heard).
    private var lastAgentTurn: Int?
    /// The engine working on the caller's words; a barge-in cancels it.
    private var thinkingWork: Task<ConversationService.TurnResult, any Error>?
    private var interruptedThinking = false
    private var silenceTimer: Task<Void, Never>?
    private var durationTimer: Task<Void, Never>?
    /// An outbound call waiting for the carrier's answering-machine decision (or the beep).
    private var awaitingMachine: Task<Void, Never>?
    /// The latest of the call's transcript writes; each waits for the one before (see `persist`).
    private var transcriptWrites: Task<Void, Never>?
    /// Carrier events already in the transcript when the call was taken over (id → answered).
    private var handledEvents: [String: Bool] = [:]

    /// Where a call taken over from another instance (or from before a restart) goes on from: its
    /// transcript so far and its conversation's state as last stored.
    struct Resumed: Sendable {
        var nextSequence: Int
        var callerTurns: Int
        var conversation: ConversationState
        /// The carrier events whose words are in the transcript already, each with whether the agent's
        /// reply to them is there too (see `handle(_:providerEvent:)`).
        var handledEvents: [String: Bool] = [:]

        init(turns: [TranscriptTurn], conversation: ConversationState) {
            nextSequence = (turns.map(\.sequence).max() ?? -1) + 1
            callerTurns = turns.filter { $0.speaker == .caller }.count
            self.conversation = conversation
            let lastAgent = turns.filter { $0.speaker == .agent }.map(\.sequence).max() ?? -1
            for turn in turns where turn.speaker == .caller {
                if let id = turn.providerEventId { handledEvents[id] = turn.sequence < lastAgent }
            }
        }
    }

    init(
        call: Call, agent: Agent, business: Business, lead: Lead?, transport: any CallTransport,
        conversations: ConversationService, store: Store, now: @escaping @Sendable () -> Date, timing: Timing,
        logger: Logger, resumed: Resumed? = nil, onEnd: @escaping @Sendable (CallID) -> Void
    ) {
        if let resumed {
            sequence = resumed.nextSequence
            callerTurns = resumed.callerTurns
            conversation = resumed.conversation
            handledEvents = resumed.handledEvents
        }
        self.call = call
        self.callId = call.id
        self.agent = agent
        self.business = business
        self.lead = lead
        self.transport = transport
        self.conversations = conversations
        self.store = store
        self.now = now
        self.timing = timing
        var logger = logger
        logger[metadataKey: "call_id"] = .string(call.id.rawValue)
        self.logger = logger
        self.onEnd = onEnd
    }

    /// Feeds one event to the call. Returns false (and logs) when the state does not accept it.
    ///
    /// `providerEvent` is the carrier's id for the event that brought it. A call taken over from an
    /// instance that stopped may be sent an event that instance had begun on: words already in the
    /// transcript with the agent's reply are not acted on again; words whose reply is missing are
    /// answered without being written twice.
    @discardableResult
    package func handle(_ event: CallEvent, providerEvent: String? = nil) async -> Bool {
        guard CallTransitions.accepts(event, in: state) else {
            logger.notice("Ignored call event", metadata: ["event": "\(event.kind.rawValue)", "state": "\(state.rawValue)"])
            return false
        }
        do {
            try await apply(event, providerEvent: providerEvent)
        } catch {
            logger.error("Call failed; ending it", metadata: ["error": "\(error)"])
            try? await transport.hangUp()
            await finish(cause: "error", status: .failed)
        }
        return true
    }

    private func apply(_ event: CallEvent, providerEvent: String? = nil) async throws {
        switch event {
        case .answered:
            startDurationTimer()
            try await answer()
        case .callerSaid(let text, let isFinal, let confidence):
            cancelSilenceTimer()
            guard isFinal else { return }  // the caller is talking: no reprompt
            let words = text.trimmingWhitespace()
            guard !words.isEmpty else {
                // Heard nothing usable: wait for the caller again, with the silence timer running.
                if state == .listening { startSilenceTimer() }
                return
            }
            silences = 0
            if let id = providerEvent, let answered = handledEvents[id] {
                // Taken over mid-turn: the stopped instance wrote these words already — and maybe its reply.
                handledEvents[id] = true
                if answered {
                    logger.info("Words already answered before the takeover; not acted on again", metadata: ["provider_event": "\(id)"])
                    if state == .listening { startSilenceTimer() }
                    return
                }
            } else {
                callerTurns += 1
                if state == .speaking { outstandingSpeech = 0 }  // the caller talked over the agent
                record(.caller, words, confidence: confidence, providerEvent: providerEvent)
            }
            lastCallerWordsAt = now()
            lastCallerWords = words
            if state == .thinking {
                queued.append(words)
            } else {
                try await think(words)
            }
        case .dtmf(let digit):
            record(.system, "Caller pressed \(digit)")
            if digit == "0" {
                cancelSilenceTimer()
                let request = "I want to speak to a person"
                if state == .thinking { queued.append(request) } else { try await think(request) }
            }
        case .agentFinishedSpeaking:
            outstandingSpeech = max(0, outstandingSpeech - 1)
            // Streamed sentences may finish while the engine still thinks; act once all speech is done.
            guard outstandingSpeech == 0, state == .speaking || state == .transferring else { return }
            if hangUpAfterSpeaking {
                try await transport.hangUp()
                await finish(cause: closing ? Self.stoppingCause : "agent_hangup", status: .completed)
            } else if let number = transferTo {
                transferTo = nil
                state = .transferring
                if coldTransfer {
                    try await transport.transfer(to: number)
                } else {
                    let summary = handoverSummary()
                    handover = summary
                    record(.system, "Warm transfer to \(number.e164): the caller is on hold while the team hears \"\(summary)\"")
                    do {
                        try await transport.transfer(to: number, summary: summary)
                    } catch {
                        logger.error("The warm transfer could not start", metadata: ["error": "\(error)"])
                        try await apply(.transferResult(succeeded: false))
                    }
                }
            } else if state == .speaking {
                state = .listening
                startSilenceTimer()
            }
        case .silenceTimeout:
            silences += 1
            if silences == 1 {
                try await speak("Are you still there? I can book an appointment for you or answer questions about our hours, location and prices.")
            } else {
                conversation.outcome = conversation.outcome ?? (callerTurns == 0 ? .abandoned : nil)
                hangUpAfterSpeaking = true
                try await speak("I haven't heard anything, so I'll let you go. Please call back any time. Goodbye!")
            }
        case .maxDurationReached:
            hangUpAfterSpeaking = true
            try await speak("I'm sorry, we've reached the time limit for this call. Please call back if you need anything else. Goodbye!")
        case .transferResult(let succeeded):
            if succeeded {
                summary.append("Transferred to the team.")
                conversation.outcome = .transferred
                await finish(cause: "transferred", status: .completed)
            } else {
                conversation.pending = .takeMessage
                conversation.ended = false
                try await speak("I'm sorry, I couldn't reach anyone. I can take a message: what would you like me to pass on?")
            }
        case .hangUp(let cause):
            await finish(cause: cause, status: .completed)
        case .interrupted(let heard):
            try await interrupted(heard: heard)
        }
    }

    /// The hang-up cause of a call the service closed because it was stopping.
    package static let stoppingCause = "service_stopping"
    static let stoppingWords =
        "I'm sorry, I have to end our call now because our system is restarting. Please call back in a minute. Goodbye!"

    /// The service is stopping. A turn under way may finish (within `grace`); then the caller hears
    /// that the call must end and is asked to call back, the line is hung up once that is said (or when
    /// `grace` is over), and the record is closed with the whole transcript — never left in progress.
    package func close(grace: Duration) async {
        guard state != .ended, !closing else { return }
        closing = true
        cancelSilenceTimer()
        durationTimer?.cancel()
        let deadline = ContinuousClock.now + grace
        while state == .thinking, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if state == .thinking {
            // Still working after the grace: stopped like a barge-in (what it did stays done).
            interruptedThinking = true
            thinkingWork?.cancel()
        }
        guard state != .ended else { return }
        if state == .transferring {
            // On its way to a person: not hung up; the record is closed once the carrier says (or at the grace).
            while state != .ended, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            guard state != .ended else { return }
            summary.append("The service restarted while the call was being transferred.")
            return await finish(cause: Self.stoppingCause, status: .completed)
        }
        summary.append("The service restarted during the call; the caller was asked to call back.")
        transferTo = nil
        hangUpAfterSpeaking = true
        do {
            try await speak(Self.stoppingWords)
        } catch {
            logger.warning("Could not tell the caller the call must end", metadata: ["error": "\(error)"])
        }
        // The carrier reports the words played (`agentFinishedSpeaking` hangs up); not waited for past the grace.
        while state != .ended, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        guard state != .ended else { return }
        try? await transport.hangUp()
        await finish(cause: Self.stoppingCause, status: .completed)
    }

    /// A call taken over mid-way: the caller is listened to again (the silence timer reprompts a caller
    /// who waits for an answer the stopped instance never gave), the time limit counts from the call's
    /// start, and the transcript says what happened.
    func resumeListening() {
        guard state == .ringing else { return }
        state = .listening
        record(.system, "The call was taken over by another Frontdesk instance; the conversation goes on from here.")
        summary.append("Taken over by another instance during the call.")
        let elapsed = Duration.milliseconds(Int(max(0, now().timeIntervalSince(call.startedAt)) * 1_000))
        startDurationTimer(remaining: max(.zero, timing.maxDuration - elapsed))
        startSilenceTimer()
    }

    /// A member of the team takes the call over: the caller is told, and once that is said the call is
    /// transferred to the member's phone (the carrier's transfer result ends the record, as any
    /// transfer's). False when the call is not in a state a person can take it from (ended, ringing,
    /// already being transferred, or the service stopping). A turn being worked on is given up to 2 s.
    package func handOver(to number: PhoneNumber, member name: String?) async -> Bool {
        guard await readyForMember() else { return false }
        let who = name ?? "a member of our team"
        record(.system, "\(name ?? "A member of the team") took the call over from the receptionist.")
        summary.append("Taken over by \(who).")
        conversation.outcome = .transferred
        transferTo = number
        coldTransfer = true
        lastCallerWordsAt = nil  // not a reply: no turn latency
        do {
            try await speak("One moment, I'm putting you through to \(who) now.")
        } catch {
            logger.error("Could not hand the call over", metadata: ["error": "\(error)"])
            try? await transport.hangUp()
            await finish(cause: "error", status: .failed)
        }
        return true
    }

    /// "Wednesday, December 9 at 9:00 AM (2026-12-09T14:00:00Z)": the business's local time, then the instant.
    private func localMoment(_ instant: Date) -> String {
        "\(Phrasing(hours: OpeningHours(settings: business.settings)).moment(instant)) (\(InstantText.format(instant)))"
    }

    /// Whether a member may act on the call now (take it, end it): answered, not ending, not already on its
    /// way to a person. A turn being worked on is given up to 2 s. When it may, the silence timer stops.
    private func readyForMember() async -> Bool {
        let deadline = ContinuousClock.now + .seconds(2)
        while state == .thinking, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        guard state == .listening || state == .speaking, !closing, transferTo == nil, !hangUpAfterSpeaking else { return false }
        cancelSilenceTimer()
        return true
    }

    /// A member of the team ends the call (a spam caller, a call going nowhere): the caller hears a short
    /// goodbye and the call is hung up once it is said. False when the call is not live in a state that
    /// can be ended (ringing, already ending, or being transferred).
    package func endByMember(_ name: String?) async -> Bool {
        guard await readyForMember() else { return false }
        record(.system, "\(name ?? "A member of the team") ended the call.")
        summary.append("Ended by \(name ?? "a member of the team").")
        hangUpAfterSpeaking = true
        lastCallerWordsAt = nil
        do {
            try await speak("Thank you for calling. Goodbye!")
        } catch {
            logger.warning("Could not say goodbye before ending the call", metadata: ["error": "\(error)"])
            try? await transport.hangUp()
            await finish(cause: "ended_by_member", status: .completed)
        }
        return true
    }

    /// The call is being recorded: where the recording will be served and where its file is.
    package func setRecording(url: String, path: String) async {
        call.recordingUrl = url
        do {
            try await store.calls.setRecording(callId, url: url, path: path)
        } catch {
            logger.error("Could not store where the recording is", metadata: ["error": "\(error)"])
        }
    }

    /// The caller talked over the agent: the reply stops where the caller stopped hearing it.
    private func interrupted(heard: String) async throws {
        outstandingSpeech = 0
        let text = heard.isEmpty ? "[interrupted before any of the reply was heard]" : heard
        if state == .thinking {
            // The model is still writing: stop it; what was streamed and heard is the agent's turn.
            interruptedThinking = true
            thinkingWork?.cancel()
            if !streamed.isEmpty {
                streamed = []
                record(.agent, text, latencyMs: firstWordsLatency)
            }
        } else if let turn = lastAgentTurn {
            persist("the heard part of turn \(turn)") { [callId] store in
                try await store.calls.updateTurnText(call: callId, sequence: turn, text: text)
            }
        }
        logger.info("The caller barged in", metadata: ["heard": "\(heard)"])
        if hangUpAfterSpeaking || transferTo != nil {
            state = .speaking
            try await apply(.agentFinishedSpeaking)
        } else if state != .ended {
            state = .listening
        }
    }

    private func answer() async throws {
        let hours = OpeningHours(settings: business.settings)
        // Recording consent: a recorded call's caller hears the business's announcement first (a
        // media stream sets its recording before the call is answered).
        let consent = call.recordingUrl == nil ? "" : business.settings.recordingAnnouncement.map { $0 + " " } ?? ""
        guard agent.isActive else {
            // A stopped agent does not converse (product.md): the unavailable message, then a person or a message.
            let intro = consent + "Thanks for calling \(business.name). Our receptionist isn't available right now."
            if let fallback = business.settings.fallbackNumber {
                transferTo = fallback
                summary.append("Agent stopped: forwarded to the fallback number.")
                conversation.outcome = .transferred
                try await speak(intro + " Let me put you through to the team.")
            } else {
                conversation.pending = .takeMessage
                try await speak(intro + " I can take a message: what would you like me to pass on?")
            }
            return
        }
        if call.direction == .outbound {
            // We called them: say who is calling and why, then converse as on any call.
            let why = call.purpose.map { "I'm calling \(Self.about($0))." } ?? "I'm calling to follow up with you."
            try await speak(consent + "Hi, this is the receptionist at \(business.name). \(why) Is now a good time?")
            return
        }
        let greeting = ScriptedPolicy().greeting(
            ReceptionistContext(
                businessName: business.name, settings: business.settings, behavior: agent.behaviorSettings,
                callerPhone: lead?.phone, channel: .voice, now: now()))
        let open = isOpen(hours: agent.workingHours.map { var s = business.settings; s.businessHours = $0; return OpeningHours(settings: s) } ?? hours)
        try await speak(consent + (open ? greeting : greeting + " We're closed right now, but I can still book an appointment for you or take a message."))
    }

    /// "about your appointment" from a purpose written either way ("about …", "to …", or a bare topic).
    static func about(_ purpose: String) -> String {
        let text = purpose.trimmingWhitespace().trimmingCharacters(in: CharacterSet(charactersIn: ".!?"))
        let lower = text.lowercased()
        if ["about ", "to ", "regarding ", "because ", "for "].contains(where: lower.hasPrefix) { return text }
        return "about " + text
    }

    /// What the person a warm transfer reaches hears before the caller is put through: who is calling,
    /// from which number, what they want, and their last words.
    func handoverSummary() -> String {
        let name = conversation.name ?? lead?.name
        var parts = [(name ?? "A caller") + (lead?.phone.map { " from \(Self.spoken($0))" } ?? "") + "."]
        if let service = conversation.serviceName { parts.append("They're interested in \(service.lowercased()).") }
        if let appointment = conversation.bookedAppointmentId, !appointment.isEmpty { parts.append("They booked an appointment on this call.") }
        if let words = lastCallerWords { parts.append("They said: \"\(words.prefix(200))\"") }
        return parts.joined(separator: " ")
    }

    /// A number as it is read out: "555 010 0199" for a North American one, the digits otherwise.
    static func spoken(_ number: PhoneNumber) -> String {
        var digits = Array(number.e164.dropFirst())
        if digits.count == 11, digits.first == "1" { digits.removeFirst() }
        guard digits.count == 10 else { return digits.map(String.init).joined(separator: " ") }
        let groups = [digits[0..<3], digits[3..<6], digits[6..<10]]
        return groups.map { $0.map(String.init).joined(separator: " ") }.joined(separator: ", ")
    }

    /// What an answering machine is left when the call has no message of its own.
    func defaultVoicemail() -> String {
        let why = call.purpose.map { " I'm calling \(Self.about($0))." } ?? ""
        let back = agent.phoneNumber.map { " Please call us back at \(Self.spoken($0))." } ?? " Please call us back."
        return "Hi, this is the receptionist at \(business.name).\(why)\(back) Thank you, and have a great day. Goodbye!"
    }

    /// An outbound call reached an answering machine whose greeting has ended (the beep): the message
    /// is left, and the call is hung up once it is said. False when the call is past that point (a
    /// person already talking, or ended).
    @discardableResult
    package func leaveVoicemail() async -> Bool {
        guard state == .ringing || state == .listening, callerTurns == 0, !hangUpAfterSpeaking else { return false }
        if durationTimer == nil { startDurationTimer() }
        awaitingMachine?.cancel()
        awaitingMachine = nil
        let message = call.voicemailMessage ?? defaultVoicemail()
        record(.system, "An answering machine answered; a voicemail was left after the beep.")
        summary.append("An answering machine answered; a voicemail was left.")
        conversation.outcome = .voicemail
        hangUpAfterSpeaking = true
        do {
            try await speak(message)
        } catch {
            logger.error("Could not leave the voicemail", metadata: ["error": "\(error)"])
            try? await transport.hangUp()
            await finish(cause: "error", status: .failed)
        }
        return true
    }

    /// An outbound call answered while the carrier decides between a person and a machine: nobody is
    /// greeted yet. If no decision comes within `limit`, the callee is greeted as a person.
    package func awaitMachineDetection(limit: Duration = .seconds(6)) {
        guard state == .ringing, awaitingMachine == nil else { return }
        record(.system, "Answered; listening for an answering machine.")
        awaitingMachine = Task { [weak self] in
            try? await Task.sleep(for: limit)
            guard !Task.isCancelled else { return }
            await self?.machineDetectionTimedOut()
        }
    }

    private func machineDetectionTimedOut() async {
        awaitingMachine = nil
        guard state == .ringing else { return }
        logger.notice("No answering-machine decision in time: greeting the callee as a person")
        await handle(.answered)
    }

    /// The carrier heard a person (or could not tell): they are greeted now.
    package func personAnswered() async {
        awaitingMachine?.cancel()
        awaitingMachine = nil
        guard state == .ringing else { return }
        await handle(.answered)
    }

    /// The carrier heard an answering machine: the greeting is waited for (`leaveVoicemail` at the beep).
    package func machineAnswered() {
        guard state == .ringing else { return }
        awaitingMachine?.cancel()
        // The beep may never be reported: after 30 s the message is left anyway.
        awaitingMachine = Task { [weak self] in
            try? await Task.sleep(for: .seconds(30))
            guard !Task.isCancelled else { return }
            await self?.leaveVoicemail()
        }
    }

    private func isOpen(hours: OpeningHours) -> Bool {
        let time = now()
        return hours.windows(on: hours.localDate(of: time)).contains { $0.contains(time) }
    }

    /// Runs the caller's words through the engine and carries out its answer.
    private func think(_ words: String) async throws {
        state = .thinking
        streamed = []
        firstWordsLatency = nil
        interruptedThinking = false
        let started = ContinuousClock.now
        defer {
            if !transport.timesTurns {
                Telemetry.conversationTurn(
                    mode: call.provider, .now - started,
                    attributes: [("frontdesk.call_id", call.id.rawValue), ("frontdesk.business_id", business.id.rawValue)])
            }
        }
        let work = Task { [conversations, conversation, agent, business, lead, logger] in
            try await conversations.respond(
                words, state: conversation, agent: agent, business: business, lead: lead, channel: .voice, logger: logger,
                onSentence: { [weak self] sentence in await self?.speakWhileThinking(sentence) },
                onFirstText: { [transport] in transport.modelStarted() })
        }
        thinkingWork = work
        let result: ConversationService.TurnResult
        do {
            result = try await work.value
            thinkingWork = nil
        } catch {
            thinkingWork = nil
            // A barge-in stopped the engine: the caller's next words start the next turn.
            guard interruptedThinking else { throw error }
            interruptedThinking = false
            return
        }
        if interruptedThinking {
            // The barge-in came as the engine finished: keep what it did, say nothing of it.
            interruptedThinking = false
            conversation = result.state
            if let updated = result.lead { lead = updated }
            return
        }
        conversation = result.state
        saveConversation()
        call.llmPromptTokens += result.usage.promptTokens
        call.llmCompletionTokens += result.usage.completionTokens
        if let updated = result.lead { lead = updated }
        // The actor took other events while the engine worked: the caller may have hung up.
        guard state != .ended else { return }
        for change in result.changes {
            switch change {
            // The business's local time to read, the instant to parse.
            case .booked(let a): summary.append("Booked \(a.type ?? "an appointment") for \(localMoment(a.scheduledDate)).")
            case .rescheduled(let a): summary.append("Moved an appointment to \(localMoment(a.scheduledDate)).")
            case .cancelled: summary.append("Cancelled an appointment.")
            }
        }
        for action in result.actions {
            switch action {
            case .transfer(let number): transferTo = number
            case .hangUp: hangUpAfterSpeaking = true
            case .takeMessage(let message): summary.append("Message taken: \(message)")
            case .say, .sendSMS, .updateLead: break
            }
        }
        // What the stream already spoke is not said twice.
        let spoken = streamed
        streamed = []
        var rest = result.reply
        for sentence in spoken where rest.hasPrefix(sentence) {
            rest = String(rest.dropFirst(sentence.count)).trimmingWhitespace()
        }
        if rest.isEmpty {
            if !spoken.isEmpty { record(.agent, spoken.joined(separator: " "), latencyMs: firstWordsLatency) }
            // Nothing (more) to say: once the speech is done, act on a transfer or hang-up, else listen again.
            state = .speaking
            if outstandingSpeech == 0 { try await apply(.agentFinishedSpeaking) }
        } else {
            try await speak(rest, after: spoken)
        }
        if !queued.isEmpty, state != .ended {
            let next = queued.removeFirst()
            try await think(next)
        }
    }

    /// Stores the conversation's state after a turn (in order with the transcript), so an instance
    /// that takes the call over goes on where it was. Kept per caller: a call without the caller's
    /// number is taken over with a fresh conversation.
    private func saveConversation() {
        guard let lead else { return }
        persist("the conversation's state") { [conversation, business, now] store in
            try await store.conversations.save(conversation, business: business.id, channel: .voice, lead: lead.id, now: now())
        }
    }

    /// Says `text`; the transcript turn holds the whole reply (with what the stream already spoke) and
    /// the time from the caller's last words to the agent's first.
    private func speak(_ text: String, after spoken: [String] = []) async throws {
        guard state != .ended else { return }
        let latency = firstWordsLatency ?? lastCallerWordsAt.map { Int((now().timeIntervalSince($0) * 1000).rounded()) }
        lastCallerWordsAt = nil
        firstWordsLatency = nil
        let turn = sequence
        record(.agent, (spoken + [text]).joined(separator: " "), latencyMs: latency)
        state = .speaking
        cancelSilenceTimer()
        outstandingSpeech += 1
        try await transport.speak(text, id: "turn-\(turn)-\(spoken.count)")
    }

    /// A sentence the model finished while it still streams: spoken at once.
    private func speakWhileThinking(_ sentence: String) async {
        guard state == .thinking else { return }
        if streamed.isEmpty {
            firstWordsLatency = lastCallerWordsAt.map { Int((now().timeIntervalSince($0) * 1000).rounded()) }
            lastCallerWordsAt = nil
        }
        streamed.append(sentence)
        outstandingSpeech += 1
        do {
            // The reply's turn is numbered when it is recorded, after the stream: the next number.
            try await transport.speak(sentence, id: "turn-\(sequence)-\(streamed.count - 1)")
        } catch {
            logger.warning("Could not speak a streamed sentence", metadata: ["error": "\(error)"])
        }
    }

    /// A transcript turn, numbered now and stored in the background (`persist`).
    private func record(
        _ speaker: Speaker, _ text: String, confidence: Double? = nil, latencyMs: Int? = nil, providerEvent: String? = nil
    ) {
        let time = now()
        let turn = TranscriptTurn(
            callId: callId, sequence: sequence, speaker: speaker, text: text, startedAt: time, endedAt: time,
            confidence: confidence, latencyMs: latencyMs, providerEventId: providerEvent)
        sequence += 1
        if speaker == .agent { lastAgentTurn = turn.sequence }
        let business = business.id
        persist("transcript turn \(turn.sequence)") { store in
            let stored = try await store.calls.append(turn)
            await store.feed.publish(.transcriptTurn, business: business, data: stored, at: stored.endedAt ?? stored.startedAt)
        }
    }

    /// Stores a transcript change off the reply's path: the caller's words and the agent's reply are
    /// written while the reply is already on its way to the carrier, not before it (under load the
    /// database's single writer queue would otherwise sit between the caller and the answer). The
    /// writes stay in order — each waits for the one before, so a barge-in's trim lands after the turn
    /// it trims — and the call's end waits for all of them before it closes the record. A write that
    /// still fails after a retry is logged with the turn it lost; the call goes on.
    private func persist(_ what: String, _ write: @escaping @Sendable (Store) async throws -> Void) {
        let previous = transcriptWrites
        transcriptWrites = Task { [store, logger] in
            await previous?.value
            for attempt in 1...2 {
                do {
                    return try await write(store)
                } catch where attempt == 1 {
                    try? await Task.sleep(for: .milliseconds(50))
                } catch {
                    logger.error("Could not store \(what)", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// Closes the call record: duration, cause, outcome, summary. Runs once.
    private func finish(cause: String, status: CallStatus) async {
        guard state != .ended else { return }
        state = .ended
        cancelSilenceTimer()
        durationTimer?.cancel()
        awaitingMachine?.cancel()
        let ended = now()
        call.status = status
        call.endedAt = ended
        call.duration = max(0, Int(ended.timeIntervalSince(call.startedAt).rounded()))
        call.hangupCause = cause
        call.leadId = lead?.id
        // Scored at the end too: a caller who gave no signal still has a score (contact captured).
        var rescored: Lead?
        let unscored = lead
        if let current = lead, current.qualificationScore == nil {
            rescored = ConversationService.scored(LeadUpdate(), lead: current, at: ended)
            lead = rescored
        }
        call.cost = conversations.pricing.cost(prompt: call.llmPromptTokens, completion: call.llmCompletionTokens)
        call.outcome = conversation.outcome ?? (callerTurns == 0 ? .abandoned : .informationOnly)
        if conversation.outcome == nil, let score = lead?.qualificationScore, score >= 70 { call.outcome = .qualified }
        call.summary = summary.isEmpty ? Self.describe(call.outcome!) : summary.joined(separator: " ")
        // Every transcript write first (they run in their own tasks: a cancelled caller does not stop them).
        await transcriptWrites?.value
        do {
            // The record is written even when the task that ended the call is being cancelled (a
            // closing stream or socket): a finished call is never lost.
            let (store, call) = (store, call)
            try await Task {
                try await store.calls.finish(call, lead: rescored)
                if let rescored { await store.leadChanged(from: unscored, to: rescored, at: ended) }
                await store.callEnded(call, at: ended)
            }.value
        } catch {
            logger.error("Could not store the finished call", metadata: ["error": "\(error)"])
        }
        logger.info("Call ended", metadata: ["cause": "\(cause)", "outcome": "\(call.outcome!.rawValue)"])
        onEnd(callId)
    }

    package static func describe(_ outcome: CallOutcome) -> String {
        switch outcome {
        case .abandoned: "The caller hung up or stayed silent before saying anything."
        case .informationOnly: "The caller asked questions; nothing was booked."
        case .qualified: "A qualified lead; nothing was booked yet."
        case .spam: "Spam caller; the call was ended."
        case .booked: "An appointment was booked."
        case .transferred: "Transferred to the team."
        case .messageTaken: "A message was taken."
        case .failed: "The call failed."
        case .voicemail: "An answering machine answered; a voicemail was left."
        case .noAnswer: "Nobody answered the call."
        }
    }

    // MARK: timers (each sends its event back into this actor)

    private func startSilenceTimer() {
        cancelSilenceTimer()
        let delay = timing.silence
        silenceTimer = Task { [weak self] in
            try? await Task.sleep(for: delay)
            guard !Task.isCancelled else { return }
            await self?.timerFired(.silenceTimeout)
        }
    }

    private func cancelSilenceTimer() {
        silenceTimer?.cancel()
        silenceTimer = nil
    }

    private func startDurationTimer(remaining: Duration? = nil) {
        let limit = remaining ?? timing.maxDuration
        durationTimer = Task { [weak self] in
            try? await Task.sleep(for: limit)
            guard !Task.isCancelled else { return }
            await self?.timerFired(.maxDurationReached)
        }
    }

    /// A timer's event. The timer lets go of its task first: what the event sets off (a reprompt, a
    /// hang-up, storing the call) cancels timers, and must not cancel itself halfway.
    private func timerFired(_ event: CallEvent) async {
        if event == .silenceTimeout { silenceTimer = nil } else { durationTimer = nil }
        await handle(event)
    }
}
