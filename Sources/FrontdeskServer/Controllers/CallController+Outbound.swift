import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskStore
import Hummingbird

/// `POST /api/calls`: the receptionist calls someone.
extension CallController {
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
        var placing = OutboundCalls.Request(agent: agent, business: business, to: to, lead: lead)
        placing.purpose = body.purpose?.trimmingWhitespace()
        placing.voicemailMessage = body.voicemailMessage?.trimmingWhitespace()
        placing.detectMachine = body.machineDetection ?? true
        let call: Call
        do {
            call = try await outbound.place(placing)
        } catch let refusal as OutboundCalls.Refusal {
            switch refusal {
            case .notConfigured:
                throw AppError(.outboundCallsNotConfigured, "Outbound calls need TELNYX_API_KEY and TELNYX_CONNECTION_ID (the Call Control application to dial from)")
            case .outsideCallingHours(let local, let zone):
                throw AppError(
                    .outsideCallingHours, "People are only called between 08:00 and 21:00 in the business's time zone (\(zone)); it is \(local) there")
            case .dialFailed(let reason, _):
                throw AppError(.externalServiceError, "The carrier did not place the call: \(reason)")
            case .alreadyPlaced(let earlier):
                call = earlier
            }
        }
        return APIResponse(call, status: .created, message: "Calling \(to.e164) from \(agent.phoneNumber!.e164)")
    }
}
