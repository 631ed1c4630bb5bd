import Foundation
import FrontdeskCore
import FrontdeskServer
import FrontdeskWire
import HummingbirdWSClient
import Logging
import NIOWebSocket
import Synchronization

/// Retell's side of a call: the custom-LLM WebSocket (`call_details`, `response_required` with the
/// transcript so far, `reminder_required` for silence, `ping_pong`), framed by signed `call_started`
/// and `call_ended` webhooks.
extension ScenarioRun {
    /// What the socket saw, for the run to read afterwards.
    final class RetellLog: Sendable {
        struct Turn: Sendable {
            let step: Int?
            let at: Double
            let latency: Double
            let text: String
            let endCall: Bool
            let transfer: String?
        }

        let frames = Mutex<[JSONValue]>([])
        let turns = Mutex<[Turn]>([])
        let problem = Mutex<String?>(nil)

        /// The complete answer `id`, once its last frame arrived.
        func answer(_ id: Int) -> (text: String, final: JSONValue)? {
            let all = frames.withLock { $0 }.filter { $0["response_type"]?.text == "response" && $0["response_id"]?.double == Double(id) }
            guard let final = all.last(where: { $0["content_complete"]?.bool == true }) else { return nil }
            return (all.compactMap { $0["content"]?.text }.joined().trimmingWhitespace(), final)
        }
    }

    mutating func runRetellCall() async throws {
        let callId = "call_sim_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        callControlId = callId
        let startedMs = Int64((api.now().timeIntervalSince1970 * 1000).rounded())
        var call: [String: Any] = [
            "call_id": callId, "agent_id": "simulator", "call_type": "phone_call", "from_number": caller,
            "to_number": agentNumber, "direction": "inbound", "call_status": "ongoing", "start_timestamp": startedMs,
        ]
        try await api.retell(["event": "call_started", "call": call])

        var socketURL = api.baseURL.absoluteString
        socketURL = (socketURL.hasPrefix("https") ? "wss" : "ws") + socketURL.drop(while: { $0 != ":" })
        let log = RetellLog()
        let steps = scenario.steps
        let started = self.started
        let pace = self.pace
        let model = self.model
        let clock = self.clock
        let agentNumber = self.agentNumber
        let caller = self.caller
        var logger = Logger(label: "simulator-retell")
        logger.logLevel = .critical
        @Sendable func ms() -> Double { Self.ms(ContinuousClock.now - started) }

        try await WebSocketClient.connect(url: socketURL + "/api/retell/llm/\(callId)", logger: logger) { inbound, outbound, _ in
            let reader = Task {
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message, let frame = try? JSONParser.parse(text) else { continue }
                    log.frames.withLock { $0.append(frame) }
                }
            }
            func send(_ object: [String: Any]) async throws {
                let data = try JSONSerialization.data(withJSONObject: object)
                try await outbound.write(.text(String(decoding: data, as: UTF8.self)))
            }
            func waitFor(_ id: Int, step: Int?, since start: Double) async -> Bool {
                let deadline = ContinuousClock.now + pace.reply
                while ContinuousClock.now < deadline {
                    if let answer = log.answer(id) {
                        log.turns.withLock {
                            $0.append(.init(step: step, at: ms(), latency: ms() - start, text: answer.text,
                                            endCall: answer.final["end_call"]?.bool == true, transfer: answer.final["transfer_number"]?.text))
                        }
                        return answer.final["end_call"]?.bool == true || answer.final["transfer_number"]?.text != nil
                    }
                    try? await Task.sleep(for: .milliseconds(2))
                }
                log.problem.withLock { $0 = "no complete answer \(id) from the socket" }
                return true
            }
            try await send(["interaction_type": "call_details",
                            "call": ["call_id": callId, "from_number": caller, "to_number": agentNumber, "call_type": "phone_call"]])
            var transcript: [[String: Any]] = []
            var ended = await waitFor(0, step: nil, since: ms())
            if let greeting = log.answer(0)?.text { transcript.append(["role": "agent", "content": greeting]) }
            var id = 0
            for (index, step) in steps.enumerated() where !ended {
                clock?.advance(seconds: 4)
                if let words = step.caller {
                    model?.script(step.model ?? [])
                    id += 1
                    transcript.append(["role": "user", "content": words])
                    let start = ms()
                    log.turns.withLock { $0.append(.init(step: index, at: start, latency: -1, text: words, endCall: false, transfer: nil)) }
                    try await send(["interaction_type": "response_required", "response_id": id, "transcript": transcript])
                    ended = await waitFor(id, step: index, since: start)
                    if let said = log.answer(id)?.text { transcript.append(["role": "agent", "content": said]) }
                } else if let count = step.silence {
                    for _ in 0..<count where !ended {
                        id += 1
                        let start = ms()
                        log.turns.withLock { $0.append(.init(step: nil, at: start, latency: -1, text: "[silence]", endCall: false, transfer: nil)) }
                        try await send(["interaction_type": "reminder_required", "response_id": id, "transcript": transcript])
                        ended = await waitFor(id, step: nil, since: start)
                    }
                } else if step.hangup == true {
                    log.turns.withLock { $0.append(.init(step: nil, at: ms(), latency: -1, text: "[hangs up]", endCall: false, transfer: nil)) }
                    ended = true
                }
                try await send(["interaction_type": "ping_pong", "timestamp": Int64(Date().timeIntervalSince1970 * 1000)])
            }
            try await outbound.close(.normalClosure, reason: nil)
            _ = await reader.result
        }

        // Replay the socket's log into the transcript and the step checks.
        if let problem = log.problem.withLock({ $0 }) { failures.append(problem) }
        var cause = "user_hangup"
        var lastAgentWords: [Int: String] = [:]
        for turn in log.turns.withLock({ $0 }) {
            if turn.latency < 0 {
                lines.append(.init(at: turn.at, speaker: "Caller", text: turn.text, latencyMs: nil))
                continue
            }
            lines.append(.init(at: turn.at, speaker: "Agent", text: turn.text, latencyMs: turn.latency))
            if let step = turn.step { lastAgentWords[step] = turn.text }
            if let number = turn.transfer {
                transferSeen = true
                cause = "call_transfer"
                lines.append(.init(at: turn.at, speaker: "System", text: "[transferred to \(number)]", latencyMs: nil))
            } else if turn.endCall {
                agentHungUp = true
                cause = "agent_hangup"
                lines.append(.init(at: turn.at, speaker: "System", text: "[the agent hangs up]", latencyMs: nil))
            }
        }
        for (index, step) in scenario.steps.enumerated() where step.caller != nil {
            checkReply(lastAgentWords[index].map { [$0] } ?? [], step: step, index: index)
        }
        let endedMs = Int64((api.now().timeIntervalSince1970 * 1000).rounded())
        call["call_status"] = "ended"
        call["end_timestamp"] = endedMs
        call["duration_ms"] = endedMs - startedMs
        call["disconnection_reason"] = cause
        try await api.retell(["event": "call_ended", "call": call])
        callEnded = true
    }
}
