import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskStore
import Hummingbird

/// `POST /api/workflows/{id}/enrollments`: enrolls the leads an audience picks (filters, or a list of
/// ids), each whose conditions hold and who is not enrolled already, the first steps paced at
/// `per_minute` from `start_at` when given. Campaigns enroll their audience the same way, later.
extension WorkflowController {
    struct BulkBody: Decodable {
        let filter: LeadAudience?
        let startAt: Date?
        let perMinute: Int?

        enum CodingKeys: String, CodingKey {
            case filter
            case startAt = "start_at"
            case perMinute = "per_minute"
        }
    }

    struct BulkView: Encodable, Sendable {
        let workflowId: String
        let matched: Int
        let enrolled: Int
        let alreadyEnrolled: Int
        let conditionsNotMet: Int
        let firstStepAt: Date
        let lastStepAt: Date?

        enum CodingKeys: String, CodingKey {
            case matched, enrolled
            case workflowId = "workflow_id"
            case alreadyEnrolled = "already_enrolled"
            case conditionsNotMet = "conditions_not_met"
            case firstStepAt = "first_step_at"
            case lastStepAt = "last_step_at"
        }
    }

    static let audienceHelp = #"is required: {"lead_ids": […]} and/or {"status", "source", "min_score", "max_score", "tag"}"#

    @Sendable func enroll(_ request: Request, context: AppRequestContext) async throws -> Response {
        let claims = try context.requireUser()
        let workflow = try await workflow(context, claims, minimum: .user)
        return try await idempotency.run(request, context: context, claims: claims) { data in
            let body = try Request.decodeJSON(BulkBody.self, from: data)
            guard let audience = body.filter else { throw AppError.validation(field: "filter", Self.audienceHelp) }
            let time = now()
            var validator = Validator()
            if let rate = body.perMinute { validator.check((1...60_000).contains(rate), "per_minute", "must be 1–60,000") }
            if let start = body.startAt { validator.check(start.timeIntervalSince(time) <= 366 * 86_400, "start_at", "must be within a year") }
            try validator.throwIfInvalid()
            guard workflow.status == .active else {
                throw AppError.validation(field: "workflow", "is \(workflow.status.rawValue); activate it before enrolling leads")
            }
            guard let business = try await store.businesses.find(workflow.businessId) else { throw AppError.notFound("Business") }
            let leads: [Lead]
            do {
                leads = try await engine.leads(for: audience, in: business.id)
            } catch let error as WorkflowEngine.AudienceTooLarge {
                throw AppError.validation(field: "filter", error.description)
            }
            let start = max(body.startAt ?? time, time)
            let result = try await engine.enroll(
                leads, in: workflow, business: business, batch: UUID().uuidString.lowercased(), start: start,
                perSecond: body.perMinute.map { Double($0) / 60 }, now: time)
            let view = BulkView(
                workflowId: workflow.id.rawValue, matched: leads.count, enrolled: result.enrolled, alreadyEnrolled: result.alreadyEnrolled,
                conditionsNotMet: result.conditionsNotMet, firstStepAt: start, lastStepAt: result.lastStart)
            let response = APIResponse(view, status: .created, message: "\(result.enrolled) of \(leads.count) leads enrolled")
            return (response.status, try response.encodedBody(requestId: context.requestId))
        }
    }
}
