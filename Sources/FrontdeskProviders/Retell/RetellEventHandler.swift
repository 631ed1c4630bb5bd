import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskStore
import FrontdeskWire
import Logging

/// Acts on Retell webhooks: `call_started` records the call; `call_ended` / `call_analyzed` (and the
/// seed's `conversation.ended`) close it with duration, cause, recording, summary, transcript and
/// outcome, and score the lead from what the caller said — unless the custom-LLM WebSocket already
/// ran the conversation through the runtime, whose transcript and scoring are kept.
package struct RetellEventHandler: Sendable {
    package static let provider = "retell"

    let store: Store
    let calls: CallRuntime
    let conversations: ConversationService
    let now: @Sendable () -> Date
    let logger: Logger

    package init(
        store: Store, calls: CallRuntime, conversations: ConversationService, now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.store = store
        self.calls = calls
        self.conversations = conversations
        self.now = now
        self.logger = logger
    }

    package static func orderingKey(_ event: RetellEvent) -> String { "retell:" + (event.callId.isEmpty ? event.dedupeId : event.callId) }

    package func handle(_ pending: PendingProviderEvent, parsed: RetellEvent? = nil) async -> ProviderInbox.Outcome {
        guard let event = parsed ?? (try? RetellEvent.parse(pending.payload)) else { return .done }
        do {
            switch event.event {
            case "call_started": _ = try await ensureCall(event)
            case "call_ended", "call_analyzed", "conversation.ended", "conversation_ended": try await close(event)
            default: logger.debug("Retell event not acted on", metadata: ["event": "\(event.event)"])
            }
        } catch {
            logger.error("Retell event failed", metadata: ["event": "\(event.event)", "error": "\(error)"])
        }
        return .done
    }

    /// The call's record, created on first sight (the webhook may come before or after the WebSocket).
    private func ensureCall(_ event: RetellEvent) async throws -> Call? {
        guard !event.callId.isEmpty else { return nil }
        if let existing = try await store.calls.find(provider: Self.provider, providerCallId: event.callId) { return existing }
        guard let to = event.string("to_number").flatMap(PhoneNumber.init), let agent = try await store.agents.find(phoneNumber: to) else {
            logger.warning("A Retell call to a number no agent answers", metadata: ["to": "\(event.string("to_number") ?? "?")"])
            return nil
        }
        let time = now()
        let lead = try await calls.lead(for: event.string("from_number").flatMap(PhoneNumber.init), business: agent.businessId, source: .call)
        let call = Call(
            id: .generate(), businessId: agent.businessId, agentId: agent.id, leadId: lead?.id, phone: lead?.phone,
            direction: event.string("direction") == "outbound" ? .outbound : .inbound, provider: Self.provider,
            providerCallId: event.callId, status: .inProgress, duration: nil, recordingUrl: nil, outcome: nil, summary: nil,
            hangupCause: nil, startedAt: event.instant("start_timestamp") ?? time, endedAt: nil, createdAt: time)
        do {
            try await store.calls.save(call)
        } catch {
            // Created meanwhile by the WebSocket.
            if let raced = try await store.calls.find(provider: Self.provider, providerCallId: event.callId) { return raced }
            throw error
        }
        await store.callStarted(call, at: time)
        return call
    }

    private func close(_ event: RetellEvent) async throws {
        let cause = event.string("disconnection_reason") ?? "call_ended"
        // A conversation the runtime ran over the custom-LLM socket: end it there first.
        if let session = calls.session(provider: Self.provider, providerCallId: event.callId) {
            await session.handle(.hangUp(cause: cause))
        }
        guard var call = try await ensureCall(event) else { return }
        let wasInProgress = call.status == .inProgress
        let time = now()
        let ranHere = !(try await store.calls.turns(of: call.id)).isEmpty
        if call.status == .inProgress { call.status = .completed }
        call.endedAt = event.instant("end_timestamp") ?? call.endedAt ?? time
        if let seconds = event.seconds("duration_ms") {
            call.duration = seconds
        } else if let ended = call.endedAt {
            call.duration = max(0, Int(ended.timeIntervalSince(call.startedAt).rounded()))
        }
        call.hangupCause = call.hangupCause ?? cause
        call.recordingUrl = event.string("recording_url") ?? call.recordingUrl
        if let summary = event.call["call_analysis"]?["call_summary"]?.text { call.summary = summary }
        let turns = event.turns
        if !ranHere {
            // Retell ran the conversation: keep its transcript and score the lead from the caller's words.
            var sequence = 0
            for turn in turns {
                let stored = try await store.calls.append(
                    TranscriptTurn(
                        callId: call.id, sequence: sequence, speaker: turn.agent ? .agent : .caller, text: turn.text,
                        startedAt: call.startedAt, endedAt: call.endedAt, confidence: nil, latencyMs: nil))
                await store.feed.publish(.transcriptTurn, business: call.businessId, data: stored, at: time)
                sequence += 1
            }
            if let leadId = call.leadId, let lead = try await store.leads.find(leadId),
                let business = try await store.businesses.find(call.businessId)
            {
                let hours = OpeningHours(settings: business.settings)
                let today = hours.localDate(of: call.startedAt)
                let analyzer = UtteranceAnalyzer(services: business.settings.services, today: today)
                var update = LeadUpdate()
                for (index, turn) in turns.enumerated() where !turn.agent {
                    let understood = analyzer.analyze(turn.text)
                    update.signals += understood.signals(source: "Retell transcript, turn \(index + 1)", today: today)
                    if understood.spam { update.disqualifier = .spam }
                }
                if !update.signals.isEmpty || update.disqualifier != nil {
                    _ = try await conversations.apply(update, to: lead, at: time)
                }
            }
        }
        if call.outcome == nil || !ranHere {
            call.outcome = event.string("outcome").flatMap(CallOutcome.init(rawValue:))
                ?? (cause == "call_transfer" ? .transferred : nil)
                ?? call.outcome
                ?? (turns.contains { !$0.agent } ? .informationOnly : .abandoned)
        }
        call.summary = call.summary ?? CallSession.describe(call.outcome!)
        try await store.calls.save(call)
        if wasInProgress { await store.callEnded(call, at: time) }
    }
}
