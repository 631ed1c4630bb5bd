import Foundation
import FrontdeskCore
import FrontdeskStore
import Logging
import Synchronization

/// The live calls, by provider and provider call id. Transports (and the simulator) start a call here
/// and send its events to the session; the session removes itself when the call ends.
package final class CallRuntime: Sendable {
    private let store: Store
    private let conversations: ConversationService
    private let now: @Sendable () -> Date
    private let logger: Logger
    /// Overrides the agents' silence timeout (tests and the simulator use short ones).
    private let silenceOverride: Duration?
    private let sessions = Mutex<[String: CallSession]>([:])
    /// False once the process is stopping: no new call starts here.
    private let accepting = Atomic<Bool>(true)

    package init(
        store: Store, conversations: ConversationService, now: @escaping @Sendable () -> Date, logger: Logger,
        silenceOverride: Duration? = nil
    ) {
        self.store = store
        self.conversations = conversations
        self.now = now
        self.logger = logger
        self.silenceOverride = silenceOverride
    }

    package enum StartError: Error, Equatable {
        /// No agent answers this number.
        case unknownNumber
        /// The provider's call was already handled and has ended.
        case alreadyEnded
        /// This process is stopping: the call is left for the next one (its event is kept for replay).
        case stopping
    }

    /// Whether new calls may start (false once a graceful stop has begun).
    package var isAccepting: Bool { accepting.load(ordering: .relaxed) }

    /// The first step of a graceful stop: no new call starts, and each live call is told the service
    /// must end it, hung up, and closed with its transcript (all at once, each within `grace`).
    package func closeAll(grace: Duration) async {
        accepting.store(false, ordering: .relaxed)
        // Again until none is left: a call that passed the check in `start` just before it closed
        // registers after the first look. Each close ends its call, which removes it.
        while true {
            let live = sessions.withLock { Array($0.values) }
            guard !live.isEmpty else { return }
            logger.notice("Closing live calls before stopping", metadata: ["calls": "\(live.count)"])
            await withTaskGroup(of: Void.self) { group in
                for session in live { group.addTask { await session.close(grace: grace) } }
            }
        }
    }

    /// The lead with the caller's number in the business, created when new (nil without a number).
    package func lead(for phone: PhoneNumber?, business: BusinessID, source: LeadSource) async throws -> Lead? {
        guard let phone else { return nil }
        if let found = try await store.leads.find(phone: phone, in: business) { return found }
        let time = now()
        let created = Lead(
            id: .generate(), businessId: business, phone: phone, name: nil, email: nil, status: .new,
            source: source, notes: nil, createdAt: time, updatedAt: time)
        do {
            try await store.leads.insert(created)
            await store.leadChanged(from: nil, to: created, at: time)
            return created
        } catch StoreError.duplicate {
            return try await store.leads.find(phone: phone, in: business)  // created meanwhile
        }
    }

    /// Starts a call to `to` from `from`: finds the agent that answers `to`, matches or creates the lead
    /// by the caller's number, stores the call (in progress) and registers its session. A repeated start
    /// for the same provider call returns the existing session.
    /// `silence` replaces the agent's silence timeout (a provider that reports silence itself).
    package func start(
        provider: String, providerCallId: String, from: PhoneNumber?, to: PhoneNumber, transport: any CallTransport,
        silence: Duration? = nil
    ) async throws -> CallSession {
        let key = provider + ":" + providerCallId
        if let existing = sessions.withLock({ $0[key] }) { return existing }
        guard isAccepting else { throw StartError.stopping }
        guard let agent = try await store.agents.find(phoneNumber: to),
            let business = try await store.businesses.find(agent.businessId)
        else { throw StartError.unknownNumber }
        let time = now()
        let newLead = from.map { phone in
            Lead(
                id: .generate(), businessId: business.id, phone: phone, name: nil, email: nil, status: .new,
                source: .call, notes: nil, createdAt: time, updatedAt: time)
        }
        let fresh = Call(
            id: .generate(), businessId: business.id, agentId: agent.id, leadId: nil, phone: from,
            direction: .inbound, provider: provider, providerCallId: providerCallId, status: .inProgress, duration: nil,
            recordingUrl: nil, outcome: nil, summary: nil, hangupCause: nil, startedAt: time, endedAt: nil, createdAt: time)
        // One transaction: the record a provider webhook may have made first, or the lead and the call.
        let call: Call
        let lead: Lead?
        switch try await store.calls.start(fresh, newLead: newLead) {
        case .started(let started, let matched):
            (call, lead) = (started, matched)
            if let matched, matched.id == newLead?.id { await store.leadChanged(from: nil, to: matched, at: time) }
            await store.callStarted(started, at: time)
        case .existing(let recorded, let matched):
            guard recorded.status == .inProgress else { throw StartError.alreadyEnded }
            (call, lead) = (recorded, matched)
        }
        let timing = CallSession.Timing(
            silence: silence ?? silenceOverride ?? .seconds(agent.behaviorSettings.silenceTimeout),
            maxDuration: .seconds(agent.behaviorSettings.maxCallDuration))
        let session = CallSession(
            call: call, agent: agent, business: business, lead: lead, transport: transport,
            conversations: conversations, store: store, now: now, timing: timing, logger: logger,
            onEnd: { [weak self] _ in self?.unregister(key, provider: provider) })
        return register(session, key: key, provider: provider).session
    }

    /// The session live for `key` — `session`, or one that raced it there — and whether it is `session`.
    private func register(_ session: CallSession, key: String, provider: String) -> (session: CallSession, isNew: Bool) {
        let registered = sessions.withLock { sessions in
            if let raced = sessions[key] { return (raced, false) }
            sessions[key] = session
            return (session, true)
        }
        if registered.1 { Telemetry.callSession(provider: provider, started: true) }
        return registered
    }

    private func unregister(_ key: String, provider: String) {
        if sessions.withLock({ $0.removeValue(forKey: key) }) != nil {
            Telemetry.callSession(provider: provider, started: false)
        }
    }

    /// Takes over a call in progress whose session is not live here (its instance stopped or died):
    /// the session is rebuilt from the store — transcript numbering, the conversation's last stored
    /// state — and listens to the caller again (a call with no transcript yet is left ringing, to be
    /// greeted). Nil when the call cannot go on (ended, its agent gone).
    /// The caller must hold the call's key (`KeyOwnership`), so no other instance runs it meanwhile.
    package func resume(_ stored: Call, transport: any CallTransport, silence: Duration? = nil) async throws -> CallSession? {
        guard let (session, isNew, turns) = try await rebuild(stored, transport: transport, silence: silence, fromTranscript: true) else {
            return nil
        }
        if isNew {
            logger.notice("Taking over a call in progress", metadata: ["call_id": "\(stored.id.rawValue)", "provider": "\(stored.provider)"])
            // A call not greeted yet stays ringing: its `answered` event (or the taker) greets the caller.
            if turns > 0 { await session.resumeListening() }
        }
        return session
    }

    /// The session of an outbound call the callee just answered (`POST /api/calls` stored it, the
    /// carrier dialled it): registered under the carrier's id, not greeted yet — the answer, or the
    /// answering-machine decision, greets the callee or leaves a voicemail. The existing session when
    /// the answer is delivered twice; nil when the call is over or its agent gone.
    package func attachOutbound(_ stored: Call, transport: any CallTransport) async throws -> CallSession? {
        guard stored.direction == .outbound else { return nil }
        return try await rebuild(stored, transport: transport, silence: nil, fromTranscript: false)?.session
    }

    /// A session for a stored call in progress, registered under its provider's id (the live one when
    /// there is one already): `fromTranscript` picks up its transcript numbering and the conversation's
    /// last stored state. Also whether it is new here and how many turns it had. Nil when the call is
    /// over, has no provider id yet, or its agent or business is gone.
    private func rebuild(
        _ stored: Call, transport: any CallTransport, silence: Duration?, fromTranscript: Bool
    ) async throws -> (session: CallSession, isNew: Bool, turns: Int)? {
        guard let providerCallId = stored.providerCallId else { return nil }
        let key = stored.provider + ":" + providerCallId
        if let existing = sessions.withLock({ $0[key] }) { return (existing, false, 0) }
        guard isAccepting else { throw StartError.stopping }
        guard let call = try await store.calls.find(stored.id), call.status == .inProgress,
            let agentId = call.agentId, let agent = try await store.agents.find(agentId),
            let business = try await store.businesses.find(call.businessId)
        else { return nil }
        let lead = try await call.leadId.asyncFlatMap { try await store.leads.find($0) }
        var resumed: CallSession.Resumed?
        var turns = 0
        if fromTranscript {
            let stored = try await store.calls.turns(of: call.id)
            turns = stored.count
            var conversation = ConversationState()
            if let lead, let saved = try await store.conversations.state(business: business.id, channel: .voice, lead: lead.id), !saved.ended {
                conversation = saved
            }
            resumed = CallSession.Resumed(turns: stored, conversation: conversation)
        }
        let timing = CallSession.Timing(
            silence: silence ?? silenceOverride ?? .seconds(agent.behaviorSettings.silenceTimeout),
            maxDuration: .seconds(agent.behaviorSettings.maxCallDuration))
        let session = CallSession(
            call: call, agent: agent, business: business, lead: lead, transport: transport,
            conversations: conversations, store: store, now: now, timing: timing, logger: logger, resumed: resumed,
            onEnd: { [weak self] _ in self?.unregister(key, provider: call.provider) })
        let (registered, isNew) = register(session, key: key, provider: call.provider)
        return (registered, isNew, turns)
    }

    package func session(provider: String, providerCallId: String) -> CallSession? {
        sessions.withLock { $0[provider + ":" + providerCallId] }
    }

    /// The live call with this id on this instance, if any.
    package func session(call id: CallID) -> CallSession? {
        sessions.withLock { $0.values.first { $0.callId == id } }
    }

    /// Calls in progress, for status and draining.
    var activeCount: Int { sessions.withLock { $0.count } }

    /// Live calls answered by `agent`.
    package func activeCount(agent: AgentID) -> Int {
        sessions.withLock { $0.values.filter { $0.agent.id == agent }.count }
    }
}
