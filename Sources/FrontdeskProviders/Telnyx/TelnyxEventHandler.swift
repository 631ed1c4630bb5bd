import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskMedia
import FrontdeskStore
import FrontdeskWire
import Logging

/// Acts on Telnyx events (after the webhook answered): Call Control voice in provider-speech mode
/// — answer, greet, transcribe, converse, transfer, hang up — and messaging (`message.received` runs
/// the receptionist over SMS; delivery reports update the stored message).
package struct TelnyxEventHandler: Sendable {
    package static let provider = "telnyx"

    let store: Store
    let calls: CallRuntime
    let messenger: Messenger
    let texts: InboundTexts
    let client: TelnyxClient?
    /// Media mode: the stream settings, where carriers reach the stream, and the tokens it checks.
    let media: MediaSettings
    let publicURL: URL
    let mediaTokens: MediaStreamTokens
    /// Warm transfers for Call Control calls (nil: plain transfers).
    let warm: TelnyxWarmTransfer?
    let now: @Sendable () -> Date
    let logger: Logger

    package init(
        store: Store, calls: CallRuntime, messenger: Messenger, texts: InboundTexts, client: TelnyxClient?,
        media: MediaSettings, publicURL: URL, mediaTokens: MediaStreamTokens, warm: TelnyxWarmTransfer? = nil,
        now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.warm = warm
        self.store = store
        self.calls = calls
        self.messenger = messenger
        self.texts = texts
        self.client = client
        self.media = media
        self.publicURL = publicURL
        self.mediaTokens = mediaTokens
        self.now = now
        self.logger = logger
    }

    /// Events of one call, or of one texting pair of numbers, are handled in order.
    package static func orderingKey(_ event: TelnyxEvent) -> String {
        if let call = event.string("call_control_id") { return "call:" + call }
        if event.type.hasPrefix("message.") {
            return "sms:" + (event.phone("from") ?? "") + ">" + (event.phone("to") ?? "")
        }
        return "event:" + event.id
    }

    package func handle(_ pending: PendingProviderEvent, parsed: TelnyxEvent? = nil) async -> ProviderInbox.Outcome {
        guard let event = parsed ?? (try? TelnyxEvent.parse(pending.payload)) else { return .done }
        // A text's logger is handed on (the outbox logs what it records), so it carries the event;
        // call events name it in their own lines instead: StreamLogHandler renders its metadata anew
        // on every change, which cost 2 % of the server per event on the webhook benchmark.
        var logger = logger
        if event.type.hasPrefix("message.") { logger[metadataKey: "telnyx_event"] = Self.label(event) }
        do {
            try await dispatch(event, logger: logger)
        } catch CallRuntime.StartError.stopping {
            // A new call while this process stops: left ringing for the next start to answer.
            return .keepForReplay
        } catch {
            logger.error("Telnyx event failed", metadata: ["error": "\(error)", "telnyx_event": Self.label(event)])
        }
        return .done
    }

    /// How the log names an event.
    static func label(_ event: TelnyxEvent) -> Logger.MetadataValue { "\(event.type) \(event.id)" }

    private func dispatch(_ event: TelnyxEvent, logger: Logger) async throws {
        // A warm transfer's person leg says whose it is in its client state (decoded once per event).
        let warmLeg = warm == nil ? nil : TelnyxWarmTransfer.callerLeg(event.clientState)
        switch event.type {
        case "call.initiated": try await callInitiated(event, logger: logger)
        case "call.answered" where warmLeg != nil:
            try await personAnswered(event, callerLeg: warmLeg!)
        case "call.speak.ended" where warmLeg != nil:
            try await summaryGiven(event, callerLeg: warmLeg!)
        case "call.hangup" where warmLeg != nil:
            try await personLegEnded(event, callerLeg: warmLeg!)
        case "call.bridged" where warmLeg != nil:
            return  // the person's side of the bridge: the caller's side reports it
        case "call.answered":
            if let (call, detectMachine) = OutboundDial.parse(clientState: event.clientState) {
                try await outboundAnswered(event, call: call, detectMachine: detectMachine, logger: logger)
            } else {
                try await callAnswered(event, logger: logger)
            }
        case "call.machine.detection.ended", "call.machine.premium.detection.ended":
            guard let session = await session(event) else { return }
            let result = event.string("result") ?? "not_sure"
            logger.info("Answering-machine detection", metadata: ["result": "\(result)", "telnyx_event": Self.label(event)])
            if result == "machine" { await session.machineAnswered() } else { await session.personAnswered() }
        case "call.machine.greeting.ended", "call.machine.premium.greeting.ended":
            await session(event)?.leaveVoicemail()
        case "call.transcription":
            let data = event.payload["transcription_data"]
            guard data?["transcription_track"]?.text ?? "inbound" == "inbound",
                let text = data?["transcript"]?.text
            else { return }
            await session(event)?.handle(
                .callerSaid(text, isFinal: data?["is_final"]?.bool ?? true, confidence: data?["confidence"]?.double),
                providerEvent: event.id)
        case "call.dtmf.received":
            // A media stream reports the key itself (its `dtmf` frame): not counted twice.
            guard let digit = event.string("digit"), event.clientState != "media" else { return }
            await session(event)?.handle(.dtmf(digit))
        case "call.speak.ended":
            if event.clientState == "unassigned", let call = event.string("call_control_id") {
                try await client?.command("hangup", callControlId: call)
                return
            }
            await session(event)?.handle(.agentFinishedSpeaking)
        case "call.bridged":
            await session(event)?.handle(.transferResult(succeeded: true))
        case "call.hangup": try await callHungUp(event)
        case "message.received": try await messageReceived(event, logger: logger)
        case "message.sent", "message.finalized": try await deliveryReport(event)
        default:
            logger.debug("Telnyx event type not acted on", metadata: ["telnyx_event": Self.label(event)])
        }
    }

    /// The call's live session; a call in progress whose session is not live here (another instance ran
    /// it and stopped, or this process did before a restart) is taken over first — this instance holds
    /// the call's key, so no other runs it meanwhile.
    private func session(_ event: TelnyxEvent) async -> CallSession? {
        guard let call = event.string("call_control_id") else { return nil }
        if let live = calls.session(provider: Self.provider, providerCallId: call) { return live }
        if let stored = try? await store.calls.find(provider: Self.provider, providerCallId: call), stored.status == .inProgress,
            let session = await resume(stored)
        {
            // Events other than the answer mean the call was answered: a caller not greeted yet is greeted now.
            if event.type != "call.answered", !event.type.hasPrefix("call.machine."), await session.state == .ringing {
                await session.handle(.answered)
            }
            return session
        }
        logger.info("No live call for this event", metadata: ["call_control_id": "\(call)", "event": "\(event.type)"])
        return nil
    }

    /// The key a stored call's events are ordered (and owned) by.
    package static func key(of call: Call) -> String { "call:" + (call.providerCallId ?? call.id.rawValue) }

    /// Takes over a Call Control call in progress (see `CallRuntime.resume`). A media-mode call is not
    /// taken over: its audio ran over a stream that ended with its instance; its record is closed when
    /// Telnyx reports the hang-up.
    package func resume(_ stored: Call) async -> CallSession? {
        guard let client, let callControlId = stored.providerCallId, let agentId = stored.agentId,
            let agent = try? await store.agents.find(agentId), agent.voiceSettings.mode != .media
        else { return nil }
        let transport = TelnyxCallTransport(
            client: client, callControlId: callControlId, voice: agent.voiceSettings.voiceId ?? "female",
            language: agent.voiceSettings.language, agentNumber: agent.phoneNumber?.e164, warm: warm)
        do {
            return try await calls.resume(stored, transport: transport)
        } catch {
            logger.error("Could not take over a call", metadata: ["call_id": "\(stored.id.rawValue)", "error": "\(error)"])
            return nil
        }
    }

    /// For the inbox's sweep: a call left in progress, taken over. One not greeted yet is greeted when it
    /// started more than `answerWindow` ago (a younger one may not be answered yet: its `call.answered`
    /// greets it).
    package func takeOver(_ stored: Call, answerWindow: TimeInterval = 5) async -> Bool {
        guard let session = await resume(stored) else { return false }
        if await session.state == .ringing, now().timeIntervalSince(stored.startedAt) > answerWindow {
            await session.handle(.answered)
        }
        return true
    }

    // MARK: voice

    private func callInitiated(_ event: TelnyxEvent, logger: Logger) async throws {
        guard let call = event.string("call_control_id") else { return }
        guard ["incoming", "inbound"].contains(event.string("direction") ?? "incoming") else { return }
        guard let client else {
            logger.error("A call arrived but TELNYX_API_KEY is not set: Frontdesk cannot answer it", metadata: ["telnyx_event": Self.label(event)])
            return
        }
        // A redelivered or replayed start of a call already live (one that ended: `alreadyEnded` below).
        if calls.session(provider: Self.provider, providerCallId: call) != nil { return }
        guard let to = event.phone("to").flatMap(PhoneNumber.init),
            let agent = try await store.agents.find(phoneNumber: to)
        else {
            // Never left ringing: answered, told, and hung up after the message.
            logger.warning(
                "A call to a number no agent answers", metadata: ["to": "\(event.phone("to") ?? "?")", "telnyx_event": Self.label(event)])
            try await client.command("answer", callControlId: call, clientState: "unassigned", commandId: Self.commandId(event, "answer"))
            return
        }
        guard calls.isAccepting else { throw CallRuntime.StartError.stopping }
        if agent.voiceSettings.mode == .media {
            // Media mode: the call runs over the stream; its session starts with the stream's `start`.
            let codec = media.telnyxCodec
            var body: [String: JSONValue] = [
                "stream_url": .string(MediaURLs.telnyx(publicURL: publicURL)),
                "stream_track": .string("inbound_track"),
                "stream_bidirectional_mode": .string("rtp"),
                "stream_bidirectional_codec": .string(codec),
                "stream_codec": .string(codec),
                "stream_auth_token": .string(mediaTokens.token(for: call)),
            ]
            if media.sendSilenceWhenIdle { body["send_silence_when_idle"] = .bool(true) }
            try await client.command("answer", callControlId: call, body, clientState: "media", commandId: Self.commandId(event, "answer"))
            return
        }
        let transport = TelnyxCallTransport(
            client: client, callControlId: call, voice: agent.voiceSettings.voiceId ?? "female",
            language: agent.voiceSettings.language, agentNumber: to.e164, warm: warm)
        let session: CallSession
        do {
            session = try await calls.start(
                provider: Self.provider, providerCallId: call, from: event.phone("from").flatMap(PhoneNumber.init), to: to,
                transport: transport)
        } catch CallRuntime.StartError.alreadyEnded {
            return
        }
        do {
            try await client.command("answer", callControlId: call, clientState: "agent", commandId: Self.commandId(event, "answer"))
        } catch {
            logger.error("Could not answer the call", metadata: ["error": "\(error)", "telnyx_event": Self.label(event)])
            await session.handle(.hangUp(cause: "answer_failed"))
        }
    }

    /// A command an event causes has an id made from the event's: when the event is acted on again
    /// (a replay after a crash), the command goes out with the same `command_id` and Telnyx runs it once.
    static func commandId(_ event: TelnyxEvent, _ action: String) -> String {
        "\(event.id)-\(action)"
    }

    private func callAnswered(_ event: TelnyxEvent, logger: Logger) async throws {
        guard let call = event.string("call_control_id"), let client else { return }
        if event.clientState == "unassigned" {
            try await client.command(
                "speak", callControlId: call,
                ["payload": .string("Sorry, this number isn't set up to take calls yet. Please try again later. Goodbye."),
                 "voice": .string("female"), "language": .string("en-US")],
                clientState: "unassigned", commandId: Self.commandId(event, "speak"))
            return
        }
        if event.clientState == "media" { return }  // the stream's start frame begins the conversation
        guard let session = await session(event) else { return }
        do {
            try await client.command(
                "transcription_start", callControlId: call,
                ["language": .string(session.agent.voiceSettings.language), "transcription_tracks": .string("inbound")],
                clientState: "agent", commandId: Self.commandId(event, "transcription_start"))
        } catch {
            logger.error("Could not start transcription", metadata: ["error": "\(error)", "telnyx_event": Self.label(event)])
        }
        await session.handle(.answered)
    }

    /// The callee picked up an outbound call (`POST /api/calls`): its session starts, speech-to-text
    /// listens, and the callee is greeted — or, with machine detection, the carrier's decision is waited
    /// for first (a machine gets a voicemail after its beep).
    private func outboundAnswered(_ event: TelnyxEvent, call id: CallID, detectMachine: Bool, logger: Logger) async throws {
        guard let client, let callControlId = event.string("call_control_id") else { return }
        guard var stored = try await store.calls.find(id), stored.direction == .outbound, stored.provider == Self.provider else {
            logger.warning("An answer for an outbound call that is not ours", metadata: ["telnyx_event": Self.label(event)])
            return
        }
        if stored.providerCallId == nil {
            // The answer came before the dial's own answer was stored.
            stored.providerCallId = callControlId
            try await store.calls.save(stored)
        }
        guard stored.providerCallId == callControlId else {
            logger.warning("An outbound call's answer names another Telnyx call", metadata: ["telnyx_event": Self.label(event)])
            return
        }
        guard stored.status == .inProgress, let agentId = stored.agentId, let agent = try await store.agents.find(agentId) else {
            try await client.command("hangup", callControlId: callControlId, commandId: Self.commandId(event, "hangup"))
            return
        }
        let transport = TelnyxCallTransport(
            client: client, callControlId: callControlId, voice: agent.voiceSettings.voiceId ?? "female",
            language: agent.voiceSettings.language, agentNumber: agent.phoneNumber?.e164, warm: warm)
        guard let session = try await calls.attachOutbound(stored, transport: transport) else { return }
        do {
            try await client.command(
                "transcription_start", callControlId: callControlId,
                ["language": .string(agent.voiceSettings.language), "transcription_tracks": .string("inbound")],
                clientState: "agent", commandId: Self.commandId(event, "transcription_start"))
        } catch {
            logger.error("Could not start transcription", metadata: ["error": "\(error)", "telnyx_event": Self.label(event)])
        }
        if detectMachine { await session.awaitMachineDetection() } else { await session.handle(.answered) }
    }

    // MARK: warm transfers (the person's leg)

    /// The caller's live session while its warm transfer is under way (nil once it ended or moved on).
    private func transferring(_ callerLeg: String) async -> CallSession? {
        guard let session = calls.session(provider: Self.provider, providerCallId: callerLeg), await session.state == .transferring else {
            return nil
        }
        return session
    }

    /// The person a warm transfer dialled picked up: they hear who is waiting and why. A caller who
    /// hung up meanwhile (or a transfer no longer under way) ends the person's leg instead.
    private func personAnswered(_ event: TelnyxEvent, callerLeg: String) async throws {
        guard let client, let leg = event.string("call_control_id") else { return }
        guard let session = await transferring(callerLeg), let summary = await session.handover
        else {
            try await client.command("hangup", callControlId: leg, commandId: Self.commandId(event, "hangup"))
            return
        }
        let agent = session.agent
        try await client.command(
            "speak", callControlId: leg,
            ["payload": .string("Hi, this is the receptionist at \(session.business.name), with a caller for you. \(summary) I'm connecting you now."),
             "voice": .string(agent.voiceSettings.voiceId ?? "female"), "language": .string(agent.voiceSettings.language)],
            clientState: TelnyxWarmTransfer.statePrefix + callerLeg, commandId: Self.commandId(event, "speak"))
    }

    /// The person heard the summary: the caller comes off hold and the two are bridged (`call.bridged`
    /// on the caller's leg ends the receptionist's part).
    private func summaryGiven(_ event: TelnyxEvent, callerLeg: String) async throws {
        guard let client, let leg = event.string("call_control_id") else { return }
        guard let session = await transferring(callerLeg) else {
            try await client.command("hangup", callControlId: leg, commandId: Self.commandId(event, "hangup"))
            return
        }
        try? await client.command("playback_stop", callControlId: callerLeg, clientState: "agent", commandId: Self.commandId(event, "playback_stop"))
        try await client.command(
            "bridge", callControlId: callerLeg, ["call_control_id": .string(leg)], clientState: "agent",
            commandId: Self.commandId(event, "bridge"))
    }

    /// The person's leg ended. Before the bridge that means nobody came (busy, declined, rang out): the
    /// caller comes off hold and is offered to leave a message. After it, the call is over for us.
    private func personLegEnded(_ event: TelnyxEvent, callerLeg: String) async throws {
        guard let session = await transferring(callerLeg) else { return }
        logger.info("The warm transfer reached no one", metadata: ["cause": "\(event.string("hangup_cause") ?? "?")", "telnyx_event": Self.label(event)])
        try? await client?.command("playback_stop", callControlId: callerLeg, clientState: "agent", commandId: Self.commandId(event, "playback_stop"))
        await session.handle(.transferResult(succeeded: false))
    }

    private func callHungUp(_ event: TelnyxEvent) async throws {
        guard let call = event.string("call_control_id") else { return }
        let cause = event.string("hangup_cause") ?? "normal_clearing"
        if let session = calls.session(provider: Self.provider, providerCallId: call) {
            await session.handle(.hangUp(cause: cause))
        } else if var stored = try await store.calls.find(provider: Self.provider, providerCallId: call),
            stored.status == .inProgress
        {
            // The call outlived its session (a restart): close the record.
            let time = now()
            stored.status = .completed
            stored.endedAt = time
            stored.duration = max(0, Int(time.timeIntervalSince(stored.startedAt).rounded()))
            stored.hangupCause = cause
            // An outbound call that ends before anyone answered it was not answered (busy, rejected, rang out).
            if stored.outcome == nil, stored.direction == .outbound, try await store.calls.turns(of: stored.id).isEmpty {
                stored.outcome = .noAnswer
                stored.summary = "Nobody answered the call (\(cause))."
            }
            stored.outcome = stored.outcome ?? .informationOnly
            try await store.calls.save(stored)
            await store.callEnded(stored, at: time)
        }
    }

    // MARK: messaging

    private func messageReceived(_ event: TelnyxEvent, logger: Logger) async throws {
        guard event.string("direction") ?? "inbound" == "inbound" else { return }
        guard let from = event.phone("from").flatMap(PhoneNumber.init), let to = event.phone("to").flatMap(PhoneNumber.init) else {
            logger.warning("A text without usable from/to numbers")
            return
        }
        try await texts.receive(
            from: from, to: to, text: event.string("text") ?? "", provider: Self.provider, providerMessageId: event.string("id"),
            logger: logger
        ) { body, business, lead, evenIfOptedOut in
            _ = try await messenger.send(
                OutboundMessage(channel: .sms, to: from.e164, from: to.e164, body: body), business: business.id,
                lead: lead?.id, logger: logger, evenIfOptedOut: evenIfOptedOut)
        }
    }

    private func deliveryReport(_ event: TelnyxEvent) async throws {
        guard let id = event.string("id") else { return }
        let reported = event.payload["to"]?.array?.first?["status"]?.text ?? event.string("status") ?? ""
        let status: MessageStatus
        switch reported {
        case "delivered": status = .delivered
        case "sent": status = .sent
        case "queued", "sending": status = .queued
        case "sending_failed", "delivery_failed", "delivery_unconfirmed", "expired": status = .failed
        default: return
        }
        let error = status == .failed
            ? (event.payload["errors"]?.array?.first?["detail"]?.text ?? event.payload["errors"]?.array?.first?["title"]?.text ?? reported)
            : nil
        try await store.messages.updateStatus(
            provider: Self.provider, providerMessageId: id, status: status, error: error, at: now())
    }
}
