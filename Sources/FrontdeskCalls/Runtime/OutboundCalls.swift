import Foundation
import FrontdeskCore
import FrontdeskStore

/// Places outbound calls for the API (`POST /api/calls`) and for workflows (`place_call`): the call is
/// stored first (the carrier's first events find it; a failed dial stays on record), then dialled once.
package struct OutboundCalls: Sendable {
    /// People are called between 08:00 and 21:00 in the business's zone (the usual telemarketing rule).
    package static let callingHours = 8 * 60..<21 * 60

    package enum Refusal: Error, Equatable {
        /// No carrier is configured to dial.
        case notConfigured
        /// Outside the calling hours; the business's local time and zone.
        case outsideCallingHours(local: String, zone: String)
        /// The carrier did not place the call; the call is stored `failed`.
        case dialFailed(String, Call)
        /// This call (by id) was placed before: a re-run after a crash does not dial again.
        case alreadyPlaced(Call)
    }

    package struct Request: Sendable {
        package var agent: Agent
        package var business: Business
        package var to: PhoneNumber
        package var lead: Lead?
        package var purpose: String?
        package var voicemailMessage: String?
        package var detectMachine = true
        /// The call's id (a workflow step's own, so a re-run finds it); a new one by default.
        package var callId: CallID = .generate()

        package init(agent: Agent, business: Business, to: PhoneNumber, lead: Lead?) {
            self.agent = agent
            self.business = business
            self.to = to
            self.lead = lead
        }
    }

    let store: Store
    let calls: CallRuntime
    let dialer: (any OutboundDialer)?
    let now: @Sendable () -> Date

    package init(store: Store, calls: CallRuntime, dialer: (any OutboundDialer)?, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.calls = calls
        self.dialer = dialer
        self.now = now
    }

    package var isConfigured: Bool { dialer != nil }

    /// Whether people may be called now in the business's zone (the local time when they may not).
    package func callingHoursRefusal(for business: Business) -> Refusal? {
        let hours = OpeningHours(settings: business.settings)
        let local = hours.localTime(of: now()).minutes
        guard !Self.callingHours.contains(local) else { return nil }
        return .outsideCallingHours(local: String(format: "%02d:%02d", local / 60, local % 60), zone: business.settings.timezone.identifier)
    }

    /// Stores and dials the call; the caller id is the agent's number (the agent must have one).
    package func place(_ request: Request) async throws -> Call {
        guard let dialer else { throw Refusal.notConfigured }
        if let refusal = callingHoursRefusal(for: request.business) { throw refusal }
        guard let from = request.agent.phoneNumber else { throw Refusal.notConfigured }
        if let earlier = try await store.calls.find(request.callId) {
            if earlier.status == .inProgress, earlier.providerCallId == nil {
                // Stored, then the process stopped before the dial was confirmed: it may have rung. Not again.
                throw Refusal.alreadyPlaced(
                    try await closeFailed(
                        earlier, cause: "dial_unconfirmed", summary: "The process stopped while the call was being dialled; it was not dialled again."))
            }
            throw Refusal.alreadyPlaced(earlier)
        }
        let time = now()
        var lead = request.lead
        if lead == nil { lead = try await calls.lead(for: request.to, business: request.business.id, source: .call) }
        var call = Call(
            id: request.callId, businessId: request.business.id, agentId: request.agent.id, leadId: lead?.id, phone: request.to,
            direction: .outbound, provider: dialer.provider, providerCallId: nil, status: .inProgress, duration: nil, recordingUrl: nil,
            outcome: nil, summary: nil, hangupCause: nil, startedAt: time, endedAt: nil, createdAt: time)
        call.purpose = request.purpose
        call.voicemailMessage = request.voicemailMessage
        try await store.calls.insert(call)
        await store.callStarted(call, at: time)
        do {
            let providerCallId = try await dialer.dial(
                OutboundDial(callId: call.id, from: from, to: request.to, detectMachine: request.detectMachine))
            // The answer may have come first and stored the id already (the same value).
            if var current = try await store.calls.find(call.id), current.providerCallId == nil {
                current.providerCallId = providerCallId
                try await store.calls.save(current)
                return current
            }
            call.providerCallId = providerCallId
            return call
        } catch {
            throw Refusal.dialFailed("\(error)", try await closeFailed(call, cause: "dial_failed", summary: "The call could not be placed: \(error)"))
        }
    }

    /// A call that never got through, closed as failed with why (and `call.ended` published).
    private func closeFailed(_ call: Call, cause: String, summary: String) async throws -> Call {
        let ended = now()
        var closed = call
        closed.status = .failed
        closed.outcome = .failed
        closed.endedAt = ended
        closed.duration = 0
        closed.hangupCause = cause
        closed.summary = summary
        try await store.calls.save(closed)
        await store.callEnded(closed, at: ended)
        return closed
    }
}
