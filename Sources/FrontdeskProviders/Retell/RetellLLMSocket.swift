import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskStore
import FrontdeskWire
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// Retell's custom-LLM WebSocket, `/api/retell/llm/{call_id}`: Retell does the audio, Frontdesk the
/// conversation, through the same call runtime as every other transport. The greeting goes out as
/// `response_id` 0; answers stream as `response` frames (sentences as the engine produces them) and end
/// with `content_complete`, carrying `end_call` or `transfer_number` when the engine hung up or
/// transferred. A newer `response_id` supersedes an answer still being produced: its remaining words
/// are dropped. `reminder_required` is the caller's silence; `ping_pong` is echoed.
package final class RetellLLMSocket: Sendable {
    let store: Store
    let calls: CallRuntime
    let logger: Logger

    package init(store: Store, calls: CallRuntime, logger: Logger) {
        self.store = store
        self.calls = calls
        self.logger = logger
    }

    /// The transport of each live Retell call, so a reconnecting socket (auto_reconnect) takes over.
    let transports = Mutex<[String: RetellTransport]>([:])

    /// One connection of `/api/retell/llm/{call_id}` (the route is the server's).
    package func run(callId: String, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        var logger = logger
        logger[metadataKey: "retell_call_id"] = .string(callId)
        try await outbound.write(.text(RetellFrame.config.text))
        let reconnected = transports.withLock { $0[callId] }
        let transport = reconnected ?? RetellTransport()
        let generation = transport.attach(outbound)
        var session = calls.session(provider: RetellEventHandler.provider, providerCallId: callId)
        let turns = RetellTurns(transport: transport)
        var iterator = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
        if session == nil {
            // Who is calling whom: `call_details`, or the record a `call_started` webhook made.
            var from: PhoneNumber?
            var to = try await store.calls.find(provider: RetellEventHandler.provider, providerCallId: callId)
                .asyncFlatMap { call in try await call.agentId.asyncFlatMap { try await store.agents.find($0) }?.phoneNumber }
            from = try await store.calls.find(provider: RetellEventHandler.provider, providerCallId: callId)?.phone
            while to == nil, let message = try await iterator.next() {
                guard case .text(let text) = message, let frame = try? JSONParser.parse(text) else { continue }
                if frame["interaction_type"]?.text == "ping_pong" {
                    try await outbound.write(.text(RetellFrame.pingPong(timestamp: frame["timestamp"]?.double ?? 0).text))
                } else if frame["interaction_type"]?.text == "call_details" {
                    to = frame["call"]?["to_number"]?.text.flatMap(PhoneNumber.init)
                    from = frame["call"]?["from_number"]?.text.flatMap(PhoneNumber.init)
                    if to == nil { break }
                }
            }
            guard let to else {
                logger.warning("A Retell socket without call details or a recorded call; closing it")
                try await outbound.close(.policyViolation, reason: "unknown call")
                return
            }
            do {
                let started = try await calls.start(
                    provider: RetellEventHandler.provider, providerCallId: callId, from: from, to: to, transport: transport,
                    silence: .seconds(3600))  // Retell reports silence with reminder_required
                session = started
                transports.withLock { $0[callId] = transport }
                await turns.greet(started)
            } catch {
                logger.warning("A Retell call Frontdesk cannot take", metadata: ["error": "\(error)"])
                try await outbound.close(.policyViolation, reason: "no agent answers \(to.e164)")
                return
            }
        }
        guard let session else { return }
        try await withThrowingDiscardingTaskGroup { group in
            while let message = try await iterator.next() {
                guard case .text(let text) = message, let frame = try? JSONParser.parse(text) else { continue }
                switch frame["interaction_type"]?.text {
                case "ping_pong":
                    try await outbound.write(.text(RetellFrame.pingPong(timestamp: frame["timestamp"]?.double ?? 0).text))
                case "response_required", "reminder_required":
                    guard let id = frame["response_id"]?.integer else { continue }
                    let words = frame["interaction_type"]?.text == "reminder_required"
                        ? nil
                        : frame["transcript"]?.array?.last(where: { $0["role"]?.text == "user" })?["content"]?.text
                    transport.supersede(with: id)
                    group.addTask { await turns.request(id: id, words: words, session: session) }
                default:
                    break  // update_only, call_details again: nothing to answer
                }
            }
        }
        // The socket closed. Retell reconnects a dropped socket; a call that stays without one ends.
        Task { [self] in
            try? await Task.sleep(for: .seconds(15))
            guard transport.generation == generation else { return }
            transports.withLock { _ = $0.removeValue(forKey: callId) }
            await session.handle(.hangUp(cause: "retell_socket_closed"))
        }
    }
}

/// Runs one answer at a time; a request that arrives meanwhile waits, and only the newest waits.
actor RetellTurns {
    let transport: RetellTransport
    private var running = false
    private var waiting: (id: Int, words: String?)?

    init(transport: RetellTransport) { self.transport = transport }

    func greet(_ session: CallSession) async {
        transport.supersede(with: 0)
        transport.begin(0)
        await session.handle(.answered)
        await finish(0, session)
    }

    func request(id: Int, words: String?, session: CallSession) async {
        waiting = (id, words)
        guard !running else { return }
        running = true
        while let next = waiting {
            waiting = nil
            transport.begin(next.id)
            if let words = next.words, !words.isEmpty {
                await session.handle(.callerSaid(words, isFinal: true, confidence: nil))
            } else if next.words == nil {
                await session.handle(.silenceTimeout)
            }
            await finish(next.id, session)
        }
        running = false
    }

    /// Retell plays the audio itself: the speech counts as heard at once (which lets a hang-up or
    /// transfer that waited for it happen), then the answer is closed.
    private func finish(_ id: Int, _ session: CallSession) async {
        for _ in 0..<transport.takeSpoken() { await session.handle(.agentFinishedSpeaking) }
        await transport.complete(id)
    }
}

/// What the runtime says on a Retell call becomes `response` frames for the answer in progress.
final class RetellTransport: CallTransport {
    struct State {
        var writer: WebSocketOutboundWriter?
        var generation = 0
        /// The newest response_id Retell asked for.
        var latest = -1
        /// The answer being produced.
        var current = -1
        var spoken = 0
        var endCall = false
        var transferTo: String?
    }

    private let state = Mutex(State())

    var generation: Int { state.withLock { $0.generation } }

    /// A (re)connected socket takes over.
    func attach(_ writer: WebSocketOutboundWriter) -> Int {
        state.withLock { state in
            state.writer = writer
            state.generation += 1
            return state.generation
        }
    }

    func supersede(with id: Int) { state.withLock { $0.latest = max($0.latest, id) } }

    func begin(_ id: Int) {
        state.withLock { state in
            state.current = id
            state.endCall = false
            state.transferTo = nil
        }
    }

    func takeSpoken() -> Int { state.withLock { state in defer { state.spoken = 0 }; return state.spoken } }

    private func send(_ frame: RetellFrame, for id: Int) async throws {
        let writer: WebSocketOutboundWriter? = state.withLock { $0.latest == id ? $0.writer : nil }
        try await writer?.write(.text(frame.text))
    }

    func speak(_ text: String) async throws {
        let id = state.withLock { state in
            state.spoken += 1
            return state.current
        }
        try await send(.response(id: id, content: text + " ", complete: false), for: id)
    }

    func transfer(to number: PhoneNumber) async throws { state.withLock { $0.transferTo = number.e164 } }

    func hangUp() async throws { state.withLock { $0.endCall = true } }

    func complete(_ id: Int) async {
        let (endCall, transfer) = state.withLock { ($0.endCall, $0.transferTo) }
        try? await send(.response(id: id, content: "", complete: true, endCall: endCall, transferNumber: transfer), for: id)
    }
}
