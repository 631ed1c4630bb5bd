import Foundation
import FrontdeskAudio
import FrontdeskCore
import FrontdeskMedia
import FrontdeskProviders
import FrontdeskServer
import FrontdeskWire
import NIOHTTP1
import Synchronization

/// What an audio-mode run needs: the scripted speech-to-text stand-in the server listens with, the
/// caller's voice (espeak-ng), and where the server's media socket really is.
struct AudioSetup: Sendable {
    let speech: ScriptedSpeechServer
    let voice: EspeakSynthesizer
    /// In process the server's public URL is a placeholder: stream URLs are pointed here instead.
    let socketBase: URL?
    /// The stream's format, as the carrier's `start` frame gives it.
    var format: MediaFormat = .pcmu8k
    /// Noise and echo on the caller's side.
    var line: MediaStreamPeer.Line = .clean
}

/// Audio mode (`simulate --audio`): the call's audio runs over a real media stream. The agent is put
/// in media mode; the call starts as the carrier starts it (Telnyx: signed `call.initiated`, the
/// `answer` command's `stream_url` and token; Twilio: the voice webhook's `<Connect><Stream>`); the
/// caller's lines are spoken with espeak-ng as µ-law at real-time pace; what the agent says is
/// audio, paced by the server, and read back from the API's transcript.
extension ScenarioRun {
    mutating func runAudioCall() async throws {
        guard let audio else { return }
        clock?.runInRealTime()
        let agent = try await api.call(.GET, "/api/agents/\(agentId)")
        var voice = agent.data["voice_settings"] as? [String: Any] ?? [:]
        let originalMode = voice["mode"] as? String ?? "provider"
        voice["mode"] = "media"
        let updated = try await api.call(.PUT, "/api/agents/\(agentId)", json: ["voice_settings": voice])
        guard updated.status == 200 else { throw SimulatorError("cannot put the agent in media mode: \(updated.problem)") }
        do {
            try await playAudioCall(audio)
        } catch {
            voice["mode"] = originalMode
            _ = try? await api.call(.PUT, "/api/agents/\(agentId)", json: ["voice_settings": voice])
            throw error
        }
        voice["mode"] = originalMode
        _ = try await api.call(.PUT, "/api/agents/\(agentId)", json: ["voice_settings": voice])
    }

    private mutating func playAudioCall(_ audio: AudioSetup) async throws {
        let stream: (url: String, token: String?)
        if carrier == .twilio {
            callControlId = "CA" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let twiml = try await api.twilio("/api/twilio/voice", [
                ("CallSid", callControlId!), ("AccountSid", "ACsimulator"), ("From", caller), ("To", agentNumber),
                ("CallStatus", "ringing"), ("Direction", "inbound"), ("ApiVersion", "2010-04-01"),
            ])
            guard let url = Self.attribute("url", of: "Stream", in: twiml) else {
                throw SimulatorError("the voice webhook did not answer with <Connect><Stream> (is the agent in media mode?): \(twiml)")
            }
            stream = (url, Self.parameter("token", in: twiml))
        } else {
            callControlId = "v3:sim-audio-" + UUID().uuidString.lowercased()
            let mark = standIn.count
            try await api.telnyx("call.initiated", payload(["state": "parked", "start_time": InstantText.format(clock?.now ?? Date())]))
            let answered = await standIn.settle(after: mark, quiet: .zero, timeout: pace.reply) {
                $0.callControlId == callControlId && $0.action == "answer"
            }
            guard let answer = answered.last(where: { $0.action == "answer" }), let url = answer.body["stream_url"]?.text else {
                throw SimulatorError("the call was not answered with a stream_url (is the agent in media mode?)")
            }
            stream = (url, answer.body["stream_auth_token"]?.text)
            try await api.telnyx("call.answered", payload(["state": "answered"], state: answer.clientState))
        }
        let peer = MediaStreamPeer(
            carrier: carrier == .twilio ? .twilio : .telnyx, url: socketURL(stream.url, base: audio.socketBase), token: stream.token,
            callId: callControlId!, from: caller, to: agentNumber, format: audio.format, line: audio.line)
        let run = AudioConversation(steps: scenario.steps, peer: peer, audio: audio, model: model, started: started)
        try await peer.connect { peer in try await run.play() }
        lines += run.lines.withLock { $0 }
        let interruptions = run.interruptions.withLock { $0 }
        failures += interruptions
        if carrier == .telnyx {
            // Transfers and hang-ups go through Call Control even in media mode: the stand-in has them.
            let commands = standIn.received.withLock { $0 }.filter { $0.callControlId == callControlId }
            if let transfer = commands.first(where: { $0.action == "transfer" }) {
                transferSeen = true
                lines.append(.init(at: Self.ms(transfer.receivedAt - started), speaker: "System", text: "[transferred to \(transfer.body["to"]?.text ?? "?")]", latencyMs: nil))
                try await api.telnyx("call.bridged", payload(["to": transfer.body["to"]?.text ?? ""], state: transfer.clientState))
            }
            if let hangup = commands.first(where: { $0.action == "hangup" }) {
                agentHungUp = true
                lines.append(.init(at: Self.ms(hangup.receivedAt - started), speaker: "System", text: "[the agent hangs up]", latencyMs: nil))
            }
            try await api.telnyx("call.hangup", payload(["hangup_cause": "normal_clearing", "hangup_source": agentHungUp ? "callee" : "caller"]))
        } else {
            // The stream is over: Twilio follows the TwiML after <Connect> — a transfer's <Dial>, or <Hangup/>.
            let next = try await api.twilio("/api/twilio/voice?stream_ended=1", [
                ("CallSid", callControlId!), ("AccountSid", "ACsimulator"), ("From", caller), ("To", agentNumber),
                ("CallStatus", "in-progress"), ("Direction", "inbound"), ("ApiVersion", "2010-04-01"),
            ])
            if let number = TwiMLReader.all("Dial", in: next).first {
                transferSeen = true
                lines.append(.init(at: elapsedMs, speaker: "System", text: "[transferred to \(number)]", latencyMs: nil))
            } else if run.serverClosed.withLock({ $0 }) {
                agentHungUp = true
                lines.append(.init(at: elapsedMs, speaker: "System", text: "[the agent hangs up]", latencyMs: nil))
            }
            _ = try await api.twilio("/api/twilio/voice", [
                ("CallSid", callControlId!), ("AccountSid", "ACsimulator"), ("From", caller), ("To", agentNumber),
                ("CallStatus", "completed"), ("Direction", "inbound"), ("ApiVersion", "2010-04-01"),
            ])
        }
        callEnded = true
        // What the agent said, as the API's transcript has it; and each turn's latency.
        if let call = try await closedCall() {
            let agentTurns = ((call["turns"] as? [[String: Any]]) ?? []).filter { $0["speaker"] as? String == "agent" }.compactMap { $0["text"] as? String }
            let replies = run.replies.withLock { $0 }
            for (index, step) in scenario.steps.enumerated() where step.caller != nil || step.dtmf != nil {
                guard let reply = replies[index] else { continue }
                let said = reply < agentTurns.count ? agentTurns[reply] : ""
                lines.append(.init(at: run.replyTimes.withLock { $0[index] ?? 0 }, speaker: "Agent", text: said, latencyMs: nil))
                let cutOff = index + 1 < scenario.steps.count && scenario.steps[index + 1].bargeIn == true
                if cutOff {
                    // The caller talked over this reply: the transcript keeps only what they heard.
                    if !said.hasSuffix("—") { failures.append("step \(index + 1): the cut-off reply should end where the caller stopped hearing it (\"—\"); it is \"\(said)\"") }
                } else {
                    checkReply([said], step: step, index: index)
                }
            }
            if let greeting = agentTurns.first {
                lines.insert(.init(at: 0, speaker: "Agent", text: greeting, latencyMs: nil), at: min(1, lines.count))
            }
            lines.sort { $0.at < $1.at }
            for latency in (call["turn_latencies"] as? [[String: Any]]) ?? [] {
                let parts = ["end_of_turn_ms", "transcript_ms", "reply_ms", "first_audio_ms", "first_frame_ms"].map { latency[$0] as? Double ?? 0 }
                let text = String(
                    format: "[turn %d: end of speech → first frame %.0f ms = end of turn %.0f + transcript %.0f + reply %.0f + first audio %.0f + first frame %.0f]",
                    latency["turn"] as? Int ?? 0, latency["total_ms"] as? Double ?? 0, parts[0], parts[1], parts[2], parts[3], parts[4])
                let token = (latency["first_token_ms"] as? Double).map { String(format: " (the model's first token after %.0f)", $0) } ?? ""
                let providers = ["speech_to_text_ms", "text_to_speech_ms"].map { latency[$0] as? Double ?? 0 }
                let runtime = String(
                    format: "; the runtime's own share %.0f ms (speech-to-text took %.0f, text-to-speech %.0f)",
                    latency["runtime_ms"] as? Double ?? 0, providers[0], providers[1])
                lines.append(.init(at: elapsedMs, speaker: "System", text: text + token + runtime, latencyMs: nil))
            }
        }
    }

    /// In process the server's public URL is a placeholder: its socket is on the loopback port.
    private func socketURL(_ url: String, base: URL?) -> String {
        guard let base, var components = URLComponents(string: url) else { return url }
        components.host = base.host
        components.port = base.port
        components.scheme = "ws"
        return components.string ?? url
    }

    static func attribute(_ name: String, of verb: String, in twiml: String) -> String? {
        guard let open = twiml.range(of: "<\(verb) "), let end = twiml[open.upperBound...].firstIndex(of: ">") else { return nil }
        let tag = twiml[open.upperBound..<end]
        guard let start = tag.range(of: "\(name)=\"") else { return nil }
        let value = tag[start.upperBound...].prefix { $0 != "\"" }
        return TwiMLReader.unescape(String(value))
    }

    static func parameter(_ name: String, in twiml: String) -> String? {
        guard let range = twiml.range(of: "<Parameter name=\"\(name)\" value=\"") else { return nil }
        return TwiMLReader.unescape(String(twiml[range.upperBound...].prefix { $0 != "\"" }))
    }
}

/// The caller's side of an audio call: speaks each line when the agent has finished (or, for a
/// `barge_in` line, half a second into the agent's answer), presses keys, stays silent, hangs up.
final class AudioConversation: Sendable {
    let steps: [Scenario.Step]
    let peer: MediaStreamPeer
    let audio: AudioSetup
    /// With --llm: the test model, scripted line by line.
    let model: ScriptedModelServer?
    let started: ContinuousClock.Instant
    let lines = Mutex<[ScenarioReport.Line]>([])
    /// Which agent turn (0 = greeting) answered each step.
    let replies = Mutex<[Int: Int]>([:])
    let replyTimes = Mutex<[Int: Double]>([:])
    let interruptions = Mutex<[String]>([])
    /// Whether the server ended the stream (the agent hung up or transferred) before the caller did.
    let serverClosed = Mutex(false)

    init(steps: [Scenario.Step], peer: MediaStreamPeer, audio: AudioSetup, model: ScriptedModelServer?, started: ContinuousClock.Instant) {
        self.steps = steps
        self.peer = peer
        self.audio = audio
        self.model = model
        self.started = started
    }

    private var elapsedMs: Double { ScenarioRun.ms(ContinuousClock.now - started) }

    func play() async throws {
        do {
            try await converse()
        } catch where !peer.isOpen {
            serverClosed.withLock { $0 = true }  // the agent ended the call (hang-up, transfer)
        }
        if !peer.isOpen { serverClosed.withLock { $0 = true } }
    }

    private func converse() async throws {
        guard try await peer.waitForAgent(after: 0, quiet: .milliseconds(500)) else {
            throw SimulatorError("no greeting came over the media stream")
        }
        var agentTurn = 0
        for (index, step) in steps.enumerated() {
            var before = peer.observed.withLock { $0.agentFrames }
            if let words = step.caller {
                lines.withLock { $0.append(.init(at: elapsedMs, speaker: "Caller", text: words, latencyMs: nil)) }
                model?.script(step.model ?? [])
                // Spoken with its words' timings: the stand-in gives back only what has been played,
                // as a streaming recogniser would, so a thinking pause ("…") is heard as one.
                let line = try await CallerVoice(synthesizer: audio.voice).speak(words, sampleRate: audio.format.sampleRate)
                audio.speech.speak(words: line.words, ends: line.ends)
                try await peer.say(line.samples)
                // The answer comes after the caller's turn ends; what arrived while they spoke was the
                // rest of the reply they talked over.
                before = peer.observed.withLock { $0.agentFrames }
                agentTurn += 1
            } else if let digit = step.dtmf {
                lines.withLock { $0.append(.init(at: elapsedMs, speaker: "Caller", text: "[presses \(digit)]", latencyMs: nil)) }
                try await peer.press(digit)
                agentTurn += 1
            } else if let count = step.silence {
                for _ in 0..<count {
                    lines.withLock { $0.append(.init(at: elapsedMs, speaker: "Caller", text: "[silence]", latencyMs: nil)) }
                    let quietBefore = peer.observed.withLock { $0.agentFrames }
                    _ = try await peer.waitForAgent(after: quietBefore, quiet: .milliseconds(500), timeout: .seconds(30))
                    agentTurn += 1
                }
                continue
            } else if step.hangup == true {
                lines.withLock { $0.append(.init(at: elapsedMs, speaker: "Caller", text: "[hangs up]", latencyMs: nil)) }
                return
            } else {
                continue
            }
            let next = index + 1 < steps.count ? steps[index + 1] : nil
            if next?.bargeIn == true {
                // The next line cuts in: wait only until the agent is half a second into its answer.
                _ = try await peer.waitForFrames(before + 25, timeout: .seconds(20))
            } else {
                guard try await peer.waitForAgent(after: before, quiet: .milliseconds(500), timeout: .seconds(30)) else {
                    if peer.isOpen { interruptions.withLock { $0.append("step \(index + 1): no answer came over the media stream") } }
                    return
                }
            }
            let at = elapsedMs
            replies.withLock { $0[index] = agentTurn }
            replyTimes.withLock { $0[index] = at }
            if step.bargeIn == true {
                let observed = peer.observed.withLock { $0 }
                if let after = observed.framesAfterClear(within: .milliseconds(300)) {
                    lines.withLock { $0.append(.init(at: at, speaker: "System", text: "[the caller barged in: playback cleared, \(after) frame(s) after the clear]", latencyMs: nil)) }
                    if after > 1 {
                        interruptions.withLock { $0.append("step \(index + 1): the agent kept talking \(after) frames after the barge-in") }
                    }
                } else {
                    interruptions.withLock { $0.append("step \(index + 1): the caller barged in but the server never cleared the playback") }
                }
            }
        }
    }
}
