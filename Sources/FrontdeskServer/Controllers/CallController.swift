import Foundation
import FrontdeskCore
import FrontdeskStore
import Hummingbird
import Logging

/// The call log, and one call with its transcript turns.
struct CallController {
    let services: AppServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.get(":id", use: get)
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
        let business = try await services.tenancy.business(query.string("business_id"), for: claims)
        let filter = CallFilter(
            business: business, leadId: query.string("lead_id").map(LeadID.init(rawValue:)),
            status: try query.enum("status", CallStatus.self))
        let page = try query.page()
        let result = try await services.store.calls.list(filter, page: page)
        let transcripts = try await services.store.calls.transcripts(of: result.items.map(\.id))
        return APIResponse(
            ListView(
                calls: result.items.map { CallSummaryView(call: $0, transcript: transcripts[$0.id]) },
                pagination: Pagination(page, total: result.total)))
    }

    struct CallView: Encodable, Sendable {
        let call: Call
        let turns: [TranscriptTurn]
        let leadScore: Int?

        func encode(to encoder: any Encoder) throws {
            try call.encode(to: encoder)
            var container = encoder.container(keyedBy: AnyKey.self)
            try container.encode(turns, forKey: AnyKey("turns"))
            try container.encode(leadScore, forKey: AnyKey("lead_score"))
        }
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> APIResponse<CallView> {
        let claims = try context.requireUser()
        let id = try context.parameters.id("id", as: CallID.self)
        let call = try await services.owned(
            "Call", by: claims, load: { try await services.store.calls.find(id) }, business: \.businessId)
        let turns = try await services.store.calls.turns(of: call.id)
        let lead = try await call.leadId.asyncFlatMap { try await services.store.leads.find($0) }
        return APIResponse(CallView(call: call, turns: turns, leadScore: lead?.qualificationScore))
    }
}
