import Foundation
import FrontdeskCore
import FrontdeskStore
import FrontdeskWire
import Logging
import Synchronization

/// Runs one conversation turn through the engine and carries out what it decided: texts go out
/// through the messenger, lead facts and scores are stored, messages are kept on the lead.
package final class ConversationService: Sendable {
    package struct TurnResult: Sendable {
        package let reply: String
        package let actions: [ConversationAction]
        package let changes: [StoreReceptionistTools.Change]
        package let sentMessages: [Message]
        package let lead: Lead?
        package let state: ConversationState
        /// 1 when the turn was understood, lower when the receptionist had to ask again.
        package let confidence: Double
        /// LLM tokens of this turn (zero for the scripted policy).
        package let usage: LLMUsage
    }

    let store: Store
    let messenger: Messenger
    let now: @Sendable () -> Date
    let policy = ScriptedPolicy()
    /// When an LLM is configured, it answers; the scripted policy is its fallback.
    package let llm: LLMPolicy?
    /// What the model's tokens cost (for the cost per call).
    let pricing: LLMPricing
    private let locks = KeyedLock()

    package init(
        store: Store, messenger: Messenger, now: @escaping @Sendable () -> Date, llm: LLMPolicy? = nil,
        pricing: LLMPricing = LLMPricing()
    ) {
        self.store = store
        self.messenger = messenger
        self.now = now
        self.llm = llm
        self.pricing = pricing
    }

    /// One caller message on `channel`. With a lead, the conversation is stored and resumed next time;
    /// without one it starts fresh and is not kept.
    package func turn(
        _ text: String, agent: Agent, business: Business, lead: Lead?, channel: Channel, logger: Logger
    ) async throws -> TurnResult {
        let key = "\(business.id)/\(channel.rawValue)/\(lead?.id.rawValue ?? UUID().uuidString)"
        return try await locks.withLock(key) {
            try await self.runTurn(text, agent: agent, business: business, lead: lead, channel: channel, logger: logger)
        }
    }

    private func runTurn(
        _ text: String, agent: Agent, business: Business, lead: Lead?, channel: Channel, logger: Logger
    ) async throws -> TurnResult {
        var state = ConversationState()
        if let lead, let stored = try await store.conversations.state(business: business.id, channel: channel, lead: lead.id) {
            state = stored
        }
        if state.ended { state = ConversationState() }  // a finished conversation: the next message starts anew
        let result = try await respond(text, state: state, agent: agent, business: business, lead: lead, channel: channel, logger: logger)
        if let lead {
            try await store.conversations.save(result.state, business: business.id, channel: channel, lead: lead.id, now: now())
        }
        return result
    }

    /// One turn from a state the caller keeps (a live call owns its conversation's state). With an LLM,
    /// `onSentence` gets each sentence of the reply while the model still streams (for speech).
    func respond(
        _ text: String, state: ConversationState, agent: Agent, business: Business, lead: Lead?, channel: Channel,
        logger: Logger, onSentence: @escaping @Sendable (String) async -> Void = { _ in },
        onFirstText: @escaping @Sendable () async -> Void = {}
    ) async throws -> TurnResult {
        var state = state
        let time = now()
        let misunderstoodBefore = state.misunderstood
        let context = ReceptionistContext(
            businessName: business.name, settings: business.settings, behavior: agent.behaviorSettings,
            callerPhone: lead?.phone, channel: channel, now: time)
        let tools = StoreReceptionistTools(store: store, business: business, leadId: lead?.id, now: time)
        let actions: [ConversationAction]
        var fellBack = false
        var usage = LLMUsage(promptTokens: 0, completionTokens: 0)
        if let llm {
            let outcome = try await llm.respond(
                to: text, state: &state, context: context, tools: tools, onSentence: onSentence, onFirstText: onFirstText)
            state.llmPromptTokens += outcome.usage.promptTokens
            state.llmCompletionTokens += outcome.usage.completionTokens
            actions = outcome.actions
            fellBack = outcome.fellBack
            usage = outcome.usage
        } else {
            actions = try await policy.respond(to: text, state: &state, context: context, tools: tools)
        }

        var sent: [Message] = []
        var updatedLead = lead
        for action in actions {
            switch action {
            case .sendSMS(let to, let body):
                sent.append(try await messenger.send(
                    OutboundMessage(channel: .sms, to: to.e164, from: agent.phoneNumber?.e164, body: body),
                    business: business.id, lead: lead?.id, logger: logger))
            case .updateLead(let update):
                if let current = updatedLead { updatedLead = try await apply(update, to: current, at: time) }
            case .takeMessage(let message):
                if var current = updatedLead {
                    let note = "Message taken \(InstantText.format(time)): \(message)"
                    current.notes = [current.notes, note].compactMap { $0 }.joined(separator: "\n")
                    current.updatedAt = time
                    try await store.leads.update(current)
                    await store.leadChanged(from: updatedLead, to: current, at: time)
                    updatedLead = current
                }
            case .say, .transfer, .hangUp:
                break
            }
        }
        let reply = actions.compactMap { if case .say(let line) = $0 { line } else { nil } }.joined(separator: " ")
        return TurnResult(
            reply: reply, actions: actions, changes: tools.changes.withLock { $0 }, sentMessages: sent, lead: updatedLead,
            state: state, confidence: fellBack ? 0.5 : state.misunderstood > misunderstoodBefore ? 0.4 : 1.0, usage: usage)
    }

    /// Adds what was learnt to the lead and re-scores it with every signal heard so far; stored.
    package func apply(_ update: LeadUpdate, to lead: Lead, at time: Date) async throws -> Lead {
        let scored = Self.scored(update, lead: lead, at: time)
        try await store.leads.update(scored)
        await store.leadChanged(from: lead, to: scored, at: time)
        return scored
    }

    /// The lead with what was learnt added and re-scored with every signal heard so far (not stored).
    static func scored(_ update: LeadUpdate, lead: Lead, at time: Date) -> Lead {
        var lead = lead
        if lead.name == nil, let name = update.name { lead.name = name }
        if lead.email == nil, let email = update.email { lead.email = email }
        var signals = lead.scoreExplanation?.signals ?? []
        signals += update.signals
        if lead.phone != nil || lead.email != nil { signals.append(FiredSignal(signal: .contactCaptured, source: "lead record")) }
        let explanation = LeadScorer.score(
            signals, disqualifier: update.disqualifier ?? lead.scoreExplanation?.disqualifiedReason, at: time)
        lead.qualificationScore = explanation.score
        lead.scoreExplanation = explanation
        lead.status = LeadScorer.status(after: explanation, current: lead.status)
        lead.updatedAt = time
        return lead
    }
}
