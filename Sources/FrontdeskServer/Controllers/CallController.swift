import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskMedia
import FrontdeskStore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The call log, and one call with its transcript turns.
struct CallController {
    let store: Store
    let recordings: RecordingEncoder?
    let tenancy: Tenancy
    let calls: CallRuntime
    let assignments: Assignments
    /// Places outbound calls.
    let outbound: OutboundCalls
    let idempotency: Idempotency

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.post(use: place)
        group.get(":id", use: get)
        group.get(":id/recording", use: recording)
        group.post(":id/takeover", use: takeOver)
        group.post(":id/hangup", use: hangUp)
    }

    struct TakeOverBody: Decodable {
        let userId: String?

        enum CodingKeys: String, CodingKey { case userId = "user_id" }
    }

    struct TakenOver: Encodable, Sendable {
        let callId: CallID
        let transferTo: PhoneNumber
        let conversation: ConversationThread?

        enum CodingKeys: String, CodingKey {
            case callId = "call_id"
            case transferTo = "transfer_to"
            case conversation
        }
    }

    /// `POST /api/calls/{id}/takeover` `{"user_id"?}`: a member (the caller by default) takes a live
    /// call from the receptionist. The caller hears they are being put through, and the call is
    /// transferred to the member's phone (their preferences); the contact's voice thread is assigned
    /// to them, with the change in its history.
    @Sendable func takeOver(_ request: Request, context: AppRequestContext) async throws -> APIResponse<TakenOver> {
        let claims = try context.requireUser()
        let id = try context.parameters.id("id", as: CallID.self)
        var request = request
        let body = try await request.decodeJSONIfPresent(TakeOverBody.self, context: context)
        let (call, session) = try await live(id, claims: claims)
        let member = try await assignments.member(body?.userId, business: call.businessId, claims: claims)
        guard let phone = try await store.notifications.preferences(user: member, business: call.businessId).phone else {
            throw AppError.validation(
                field: "user_id", "has no phone number in this business: set one with PUT /api/notifications/preferences")
        }
        let name = try await store.users.find(member).map { [$0.firstName, $0.lastName].compactMap { $0 }.joined(separator: " ") }
        guard await session.handOver(to: phone, member: name?.isEmpty == false ? name : nil) else {
            throw AppError(.callNotLive, "The call cannot be taken over now (not answered yet, ending, or already being transferred)")
        }
        var thread = try await call.leadId.asyncFlatMap { try await store.inbox.thread(lead: $0, channel: .voice) }
        if let current = thread {
            thread = try await assignments.change(current, .callTakenOver, actor: claims.userId, assignee: member, note: "Call \(call.id) transferred to \(phone.e164)")
        }
        return APIResponse(TakenOver(callId: call.id, transferTo: phone, conversation: thread), message: "The caller is being put through to \(phone.e164)")
    }

    /// The caller's call and its session on this instance: 404 when not theirs, 409 `CALL_NOT_LIVE` when
    /// over or held by another instance.
    private func live(_ id: CallID, claims: AccessClaims) async throws -> (Call, CallSession) {
        let call = try await tenancy.owned("Call", by: claims, load: { try await store.calls.find(id) }, business: \.businessId)
        guard call.status == .inProgress else { throw AppError(.callNotLive, "The call is not in progress") }
        guard let session = calls.session(call: call.id) else {
            throw AppError(.callNotLive, "The call is not live on this instance (it is handled by another, or its stream has not started)")
        }
        return (call, session)
    }

    struct Ended: Encodable, Sendable {
        let callId: CallID
        enum CodingKeys: String, CodingKey { case callId = "call_id" }
    }

    /// `POST /calls/{id}/hangup`: a member ends a live call (the caller hears a goodbye first).
    @Sendable func hangUp(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Ended> {
        let claims = try context.requireUser()
        let id = try context.parameters.id("id", as: CallID.self)
        let (call, session) = try await live(id, claims: claims)
        let name = try await store.users.find(claims.userId).map { [$0.firstName, $0.lastName].compactMap { $0 }.joined(separator: " ") }
        guard await session.endByMember(name?.isEmpty == false ? name : nil) else {
            throw AppError(.callNotLive, "The call cannot be ended now (not answered yet, already ending, or being transferred)")
        }
        return APIResponse(Ended(callId: call.id), message: "The caller hears a goodbye, then the call ends")
    }

    /// A call in a list: its fields and its transcript as text.
    struct CallSummaryView: Encodable, Sendable {
        let call: Call
        let transcript: String?

        func encode(to encoder: any Encoder) throws {
            try call.encode(to: encoder)
            var container = encoder.container(keyedBy: AnyKey.self)
            try container.encode(transcript, forKey: AnyKey("transcript"))
        }
    }

    struct ListView: Encodable, Sendable {
        let calls: [CallSummaryView]
        let pagination: Pagination
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> APIResponse<ListView> {
        let claims = try context.requireUser()
        let query = QueryReader(request)
        let business = try await tenancy.businessId(query.string("business_id"), for: claims)
        let filter = CallFilter(
            business: business, leadId: query.string("lead_id").map(LeadID.init(rawValue:)),
            status: try query.enum("status", CallStatus.self))
        let page = try query.page()
        let result = try await store.calls.list(filter, page: page)
        let transcripts = try await store.calls.transcripts(of: result.items.map(\.id))
        return APIResponse(
            ListView(
                calls: result.items.map { CallSummaryView(call: $0, transcript: transcripts[$0.id]) },
                pagination: Pagination(page, total: result.total)))
    }

    struct CallView: Encodable, Sendable {
        let call: Call
        let turns: [TranscriptTurn]
        let leadScore: Int?
        /// Media mode: each turn's latency stages.
        let latencies: [TurnLatency]

        func encode(to encoder: any Encoder) throws {
            try call.encode(to: encoder)
            var container = encoder.container(keyedBy: AnyKey.self)
            try container.encode(turns, forKey: AnyKey("turns"))
            try container.encode(leadScore, forKey: AnyKey("lead_score"))
            try container.encode(latencies.map(LatencyView.init), forKey: AnyKey("turn_latencies"))
        }
    }

    struct LatencyView: Encodable {
        let latency: TurnLatency

        func encode(to encoder: any Encoder) throws {
            try latency.encode(to: encoder)
            var container = encoder.container(keyedBy: AnyKey.self)
            try container.encode((latency.totalMs * 10).rounded() / 10, forKey: AnyKey("total_ms"))
            try container.encode((latency.runtimeMs * 10).rounded() / 10, forKey: AnyKey("runtime_ms"))
        }
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> APIResponse<CallView> {
        let claims = try context.requireUser()
        let id = try context.parameters.id("id", as: CallID.self)
        let call = try await tenancy.owned(
            "Call", by: claims, load: { try await store.calls.find(id) }, business: \.businessId)
        let turns = try await store.calls.turns(of: call.id)
        let lead = try await call.leadId.asyncFlatMap { try await store.leads.find($0) }
        let latencies = try await store.calls.latencies(of: call.id)
        return APIResponse(CallView(call: call, turns: turns, leadScore: lead?.qualificationScore, latencies: latencies))
    }

    /// `GET /api/calls/{id}/recording`: the call's Ogg Opus recording (caller left, agent right).
    @Sendable func recording(_ request: Request, context: AppRequestContext) async throws -> Response {
        let claims = try context.requireUser()
        let id = try context.parameters.id("id", as: CallID.self)
        let call = try await tenancy.owned(
            "Call", by: claims, load: { try await store.calls.find(id) }, business: \.businessId)
        guard let path = try await store.calls.recordingPath(call.id) else { throw AppError.notFound("Recording") }
        if call.status == .inProgress {
            throw AppError(.resourceNotFound, "The call is still in progress: its recording is ready when it ends")
        }
        guard let bytes = FileManager.default.contents(atPath: path) else {
            if recordings?.isEncoding(path) == true {
                throw AppError(.resourceNotFound, "The call's recording is being encoded: it is ready in a few seconds")
            }
            throw AppError.notFound("Recording")
        }
        var headers = HTTPFields()
        headers[.contentType] = "audio/ogg"
        headers[.contentDisposition] = "attachment; filename=\"call-\(call.id.rawValue).opus\""
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
