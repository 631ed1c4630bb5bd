import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskStore
import Hummingbird

/// `POST /api/calls`: the receptionist calls someone.
extension CallController {
    /// People are called between 08:00 and 21:00 in the business's zone (the usual telemarketing rule).
    static let callingHours = (start: 8 * 60, end: 21 * 60)

    struct PlaceBody: Decodable {
        let agentId: String?
        let to: PhoneNumber?
        let leadId: String?
        let purpose: String?
        let voicemailMessage: String?
        let machineDetection: Bool?

        enum CodingKeys: String, CodingKey {
            case agentId = "agent_id"
            case to
            case leadId = "lead_id"
            case purpose
            case voicemailMessage = "voicemail_message"
            case machineDetection = "machine_detection"
        }
    }

    /// `POST /api/calls` `{"agent_id", "to" | "lead_id", "purpose"?, "voicemail_message"?, "machine_detection"?}`:
    /// dials through Telnyx from the agent's number (the business's caller id). The call runs in the
    /// same runtime as an inbound one once answered: the callee hears who is calling and why, and the
    /// conversation goes on as any call's. With machine detection (the default) an answering machine
    /// is left `voicemail_message` (or a message naming the business and its number) after the beep.
    /// 201 with the call (in progress, `direction: outbound`); `Idempotency-Key` places it once.
    @Sendable func place(_ request: Request, context: AppRequestContext) async throws -> Response {
        let claims = try context.requireUser()
        return try await idempotency.run(request, context: context, claims: claims) { data in
            let response = try await place(try Request.decodeJSON(PlaceBody.self, from: data), claims: claims)
            return (response.status, try response.encodedBody(requestId: context.requestId))
        }
    }

    private func place(_ body: PlaceBody, claims: AccessClaims) async throws -> APIResponse<Call> {
        guard let rawAgent = body.agentId, !rawAgent.isEmpty else { throw AppError.validation(field: "agent_id", "is required") }
        let agentId = AgentID(rawValue: rawAgent)
        let agent = try await tenancy.owned("Agent", by: claims, load: { try await store.agents.find(agentId) }, business: \.businessId)
        var validator = Validator()
        validator.check(agent.phoneNumber != nil, "agent_id", "has no phone_number to call from (the caller id)")
        validator.check(agent.isActive, "agent_id", "is stopped: start it to place calls")
        validator.check(body.to != nil || body.leadId != nil, "to", "is required (or lead_id with a phone number)")
        if let purpose = body.purpose {
            validator.check(!purpose.trimmingWhitespace().isEmpty && purpose.count <= 300, "purpose", "must be 1–300 characters")
        }
        if let message = body.voicemailMessage {
            validator.check(!message.trimmingWhitespace().isEmpty && message.count <= 1_000, "voicemail_message", "must be 1–1,000 characters")
        }
        try validator.throwIfInvalid()
        var lead: Lead?
        if let rawLead = body.leadId {
            lead = try await store.leads.find(LeadID(rawValue: rawLead))
            guard let found = lead, found.businessId == agent.businessId else {
                throw AppError.validation(field: "lead_id", "is not a lead of the agent's business")
            }
            if let to = body.to, found.phone != to {
                throw AppError.validation(field: "to", "is not the lead's phone number (\(found.phone?.e164 ?? "none"))")
            }
        }
        guard let to = body.to ?? lead?.phone else { throw AppError.validation(field: "lead_id", "has no phone number") }
        guard to != agent.phoneNumber else { throw AppError.validation(field: "to", "is the agent's own number") }
        guard let business = try await store.businesses.find(agent.businessId) else { throw AppError.notFound("Business") }
        let hours = OpeningHours(settings: business.settings)
        let time = now()
        let local = hours.localTime(of: time).minutes
        guard (Self.callingHours.start..<Self.callingHours.end).contains(local) else {
            throw AppError(
                .outsideCallingHours,
                "People are only called between 08:00 and 21:00 in the business's time zone (\(business.settings.timezone.identifier)); it is \(String(format: "%02d:%02d", local / 60, local % 60)) there")
        }
        guard let dialer else {
            throw AppError(.serviceUnavailable, "Outbound calls need TELNYX_API_KEY and TELNYX_CONNECTION_ID (the Call Control application to dial from)")
        }
        if lead == nil { lead = try await calls.lead(for: to, business: business.id, source: .call) }
        var call = Call(
            id: .generate(), businessId: business.id, agentId: agent.id, leadId: lead?.id, phone: to, direction: .outbound,
            provider: dialer.provider, providerCallId: nil, status: .inProgress, duration: nil, recordingUrl: nil, outcome: nil,
            summary: nil, hangupCause: nil, startedAt: time, endedAt: nil, createdAt: time)
        call.purpose = body.purpose?.trimmingWhitespace()
        call.voicemailMessage = body.voicemailMessage?.trimmingWhitespace()
        // Stored before the dial: the carrier's first events find it, and a failed dial is on record.
        try await store.calls.insert(call)
        await store.callStarted(call, at: time)
        let dial = OutboundDial(callId: call.id, from: agent.phoneNumber!, to: to, detectMachine: body.machineDetection ?? true)
        do {
            let providerCallId = try await dialer.dial(dial)
            // The answer may have come first and stored the id already (same value).
            if var current = try await store.calls.find(call.id), current.providerCallId == nil {
                current.providerCallId = providerCallId
                try await store.calls.save(current)
                call = current
            } else {
                call.providerCallId = providerCallId
            }
        } catch {
            let ended = now()
            call.status = .failed
            call.outcome = .failed
            call.endedAt = ended
            call.duration = 0
            call.hangupCause = "dial_failed"
            call.summary = "The call could not be placed: \(error)"
            try await store.calls.save(call)
            await store.callEnded(call, at: ended)
            throw AppError(.externalServiceError, "The carrier did not place the call: \(error)")
        }
        return APIResponse(call, status: .created, message: "Calling \(to.e164) from \(agent.phoneNumber!.e164)")
    }
}
