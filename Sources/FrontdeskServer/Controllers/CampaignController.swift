import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskStore
import FrontdeskWire
import Hummingbird

/// `/api/campaigns`: a workflow run over an audience from a start time, at a send rate. A scheduled
/// campaign's start is a job on the durable scheduler; at `start_at` its audience is enrolled in the
/// workflow, the first steps `per_minute` apart; texts to opted-out numbers are skipped. Each
/// campaign shows its progress (its enrollments by status). Cancelling ends the enrollments not
/// finished.
struct CampaignController {
    let store: Store
    let now: @Sendable () -> Date
    let tenancy: Tenancy
    let engine: WorkflowEngine

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.post(use: create)
        group.get(":id", use: get)
        group.put(":id", use: update)
        group.delete(":id", use: delete)
    }

    struct Progress: Encodable, Sendable {
        let active: Int
        let completed: Int
        let exited: Int
        let failed: Int
    }

    struct CampaignView: Encodable, Sendable {
        let campaign: Campaign
        let progress: Progress

        enum Keys: String, CodingKey {
            case id, name, status, audience, matched, enrolled, progress
            case businessId = "business_id"
            case workflowId = "workflow_id"
            case startAt = "start_at"
            case perMinute = "per_minute"
            case startedAt = "started_at"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(campaign.id, forKey: .id)
            try c.encode(campaign.businessId, forKey: .businessId)
            try c.encode(campaign.name, forKey: .name)
            try c.encode(campaign.workflowId, forKey: .workflowId)
            try c.encode(campaign.status, forKey: .status)
            try c.encode(campaign.audience, forKey: .audience)
            try c.encode(campaign.startAt, forKey: .startAt)
            try c.encode(campaign.perMinute, forKey: .perMinute)
            try c.encode(campaign.matched, forKey: .matched)
            try c.encode(campaign.enrolled, forKey: .enrolled)
            try c.encode(progress, forKey: .progress)
            try c.encode(campaign.startedAt, forKey: .startedAt)
            try c.encode(campaign.createdAt, forKey: .createdAt)
            try c.encode(campaign.updatedAt, forKey: .updatedAt)
        }
    }

    struct ListView: Encodable, Sendable {
        let campaigns: [CampaignView]
        let pagination: Pagination
    }

    struct Body: Decodable {
        let businessId: String?
        let name: String?
        let workflowId: String?
        let audience: LeadAudience?
        let startAt: Date?
        /// Absent: unchanged; null: no rate (all at the start).
        let perMinute: Int??
        let status: CampaignStatus?

        enum CodingKeys: String, CodingKey {
            case name, audience, status
            case businessId = "business_id"
            case workflowId = "workflow_id"
            case startAt = "start_at"
            case perMinute = "per_minute"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            businessId = try c.decodeIfPresent(String.self, forKey: .businessId)
            name = try c.decodeIfPresent(String.self, forKey: .name)
            workflowId = try c.decodeIfPresent(String.self, forKey: .workflowId)
            audience = try c.decodeIfPresent(LeadAudience.self, forKey: .audience)
            startAt = try c.decodeIfPresent(Date.self, forKey: .startAt)
            if c.contains(.perMinute) {
                perMinute = .some(try c.decodeIfPresent(Int.self, forKey: .perMinute))
            } else {
                perMinute = .none
            }
            status = try c.decodeIfPresent(CampaignStatus.self, forKey: .status)
        }
    }

    private func view(_ campaign: Campaign) async throws -> CampaignView {
        let counts = try await store.workflows.enrollmentCounts(workflow: campaign.workflowId, sourcePrefix: WorkflowEngine.prefix(campaign))
        return CampaignView(
            campaign: campaign,
            progress: Progress(active: counts[.active] ?? 0, completed: counts[.completed] ?? 0, exited: counts[.exited] ?? 0, failed: counts[.failed] ?? 0))
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> APIResponse<ListView> {
        let claims = try context.requireUser()
        let query = QueryReader(request)
        let page = try query.page()
        let business = try await tenancy.businessId(query.string("business_id"), for: claims)
        let result = try await store.workflows.campaigns(business: business, status: try query.enum("status", CampaignStatus.self), page: page)
        var views: [CampaignView] = []
        for campaign in result.items { views.append(try await view(campaign)) }
        return APIResponse(ListView(campaigns: views, pagination: Pagination(page, total: result.total)))
    }

    /// A name, a workflow of the same business, a start within a year, a rate of 1–60,000 a minute;
    /// a campaign is made `draft` or `scheduled`, and moves only to those or to `cancelled`.
    private func check(_ body: Body, business: BusinessID, creating: Bool) async throws -> Workflow? {
        var validator = Validator()
        if creating {
            validator.check(body.name != nil, "name", "is required")
            validator.check(body.workflowId != nil, "workflow_id", "is required: the workflow (its sequence of steps) each recipient is enrolled in")
            validator.check(body.audience != nil, "audience", WorkflowController.audienceHelp)
            validator.check(body.startAt != nil, "start_at", "is required (ISO 8601)")
        }
        if let name = body.name { validator.check((1...200).contains(name.trimmingWhitespace().count), "name", "must be 1–200 characters") }
        if let rate = body.perMinute ?? nil { validator.check((1...60_000).contains(rate), "per_minute", "must be 1–60,000") }
        if let start = body.startAt {
            validator.check(start.timeIntervalSince(now()) <= 366 * 86_400, "start_at", "must be within a year")
        }
        if let status = body.status {
            validator.check([.draft, .scheduled, .cancelled].contains(status), "status", "may be set to draft, scheduled or cancelled")
            if creating { validator.check(status != .cancelled, "status", "a new campaign is draft or scheduled") }
        }
        try validator.throwIfInvalid()
        guard let id = body.workflowId else { return nil }
        guard let workflow = try await store.workflows.find(WorkflowID(rawValue: id)), workflow.businessId == business else {
            throw AppError.validation(field: "workflow_id", "is not a workflow of this business")
        }
        return workflow
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> APIResponse<CampaignView> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(Body.self, context: context)
        let business = try await tenancy.businessId(body.businessId, for: claims, minimum: .user)
        let workflow = try await check(body, business: business, creating: true)!
        let time = now()
        let campaign = Campaign(
            businessId: business, name: body.name!.trimmingWhitespace(), workflowId: workflow.id, audience: body.audience!,
            startAt: max(body.startAt!, time), perMinute: body.perMinute ?? nil, status: body.status ?? .scheduled, createdAt: time, updatedAt: time)
        try await store.workflows.insert(campaign)
        if campaign.status == .scheduled { try await store.jobs.schedule([WorkflowEngine.campaignStart(campaign, now: time)]) }
        return APIResponse(
            try await view(campaign), status: .created,
            message: campaign.status == .scheduled ? "Campaign scheduled for \(InstantText.format(campaign.startAt))" : "Campaign saved as a draft")
    }

    private func campaign(_ context: AppRequestContext, _ claims: AccessClaims, minimum: Role = .agent) async throws -> Campaign {
        let id = try context.parameters.require("id")
        return try await tenancy.owned(
            "Campaign", by: claims, minimum: minimum, load: { try await store.workflows.campaign(CampaignID(rawValue: id)) }, business: \.businessId)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> APIResponse<CampaignView> {
        let claims = try context.requireUser()
        return APIResponse(try await view(try await campaign(context, claims)))
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> APIResponse<CampaignView> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(Body.self, context: context)
        var campaign = try await campaign(context, claims, minimum: .user)
        let workflow = try await check(body, business: campaign.businessId, creating: false)
        let time = now()
        let started = campaign.status == .running || campaign.status == .completed || campaign.status == .cancelled
        if started {
            let replans = body.workflowId != nil || body.audience != nil || body.startAt != nil || body.perMinute != nil
            let moves = body.status.map { $0 != campaign.status } ?? false
            if replans || (moves && !(body.status == .cancelled && campaign.status == .running)) {
                throw AppError(
                    .validationError, "The campaign is \(campaign.status.rawValue): only its name can change, or a running campaign be cancelled",
                    details: ["status": ["is \(campaign.status.rawValue)"]])
            }
        }
        if let name = body.name { campaign.name = name.trimmingWhitespace() }
        if let workflow { campaign.workflowId = workflow.id }
        if let audience = body.audience { campaign.audience = audience }
        if let start = body.startAt { campaign.startAt = max(start, time) }
        if let rate = body.perMinute { campaign.perMinute = rate }
        var message = "Campaign updated"
        if let status = body.status, status != campaign.status {
            if status == .cancelled, campaign.status == .running {
                let ended = try await store.workflows.endEnrollments(workflow: campaign.workflowId, sourcePrefix: WorkflowEngine.prefix(campaign), at: time)
                message = "Campaign cancelled; \(ended) enrollments not finished were ended"
            }
            campaign.status = status
        }
        campaign.updatedAt = time
        try await store.workflows.update(campaign)
        // A new start time plans a new start job; the old one finds its key no longer the campaign's.
        if campaign.status == .scheduled { try await store.jobs.schedule([WorkflowEngine.campaignStart(campaign, now: time)]) }
        return APIResponse(try await view(campaign), message: message)
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Deleted> {
        let claims = try context.requireUser()
        let campaign = try await campaign(context, claims, minimum: .user)
        guard campaign.status != .running else {
            throw AppError.validation(field: "status", "the campaign is running; cancel it first (its enrollments are kept)")
        }
        try await store.workflows.delete(campaign.id)
        return APIResponse(Deleted(id: campaign.id.rawValue), message: "Campaign deleted (its enrollments stay in the workflow's log)")
    }
}
