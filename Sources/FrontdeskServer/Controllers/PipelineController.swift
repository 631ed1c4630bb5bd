import Foundation
import FrontdeskCore
import FrontdeskStore
import Hummingbird

/// `/api/pipelines`: a business's sales pipelines — ordered stages, each with a close probability — and
/// the opportunities (deals) in them: a lead at a stage, worth a value, owned by a member, open, won or
/// lost. Each pipeline shows per stage its open deals' count and value, and the value weighted by the
/// stages' probabilities. Members read; admins and users change.
struct PipelineController {
    let store: Store
    let now: @Sendable () -> Date
    let tenancy: Tenancy

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.post(use: create)
        group.get(":id", use: get)
        group.put(":id", use: update)
        group.delete(":id", use: delete)
        group.get(":id/opportunities", use: opportunities)
        group.post(":id/opportunities", use: createOpportunity)
        group.get(":id/opportunities/:opportunity", use: getOpportunity)
        group.put(":id/opportunities/:opportunity", use: updateOpportunity)
        group.delete(":id/opportunities/:opportunity", use: deleteOpportunity)
    }

    // MARK: views

    struct StageView: Encodable, Sendable {
        let id: String
        let name: String
        let probability: Int
        let openCount: Int
        let openValue: Double

        enum CodingKeys: String, CodingKey {
            case id, name, probability
            case openCount = "open_count"
            case openValue = "open_value"
        }
    }

    struct PipelineView: Encodable, Sendable {
        let id: PipelineID
        let businessId: BusinessID
        let name: String
        let stages: [StageView]
        let openValue: Double
        let weightedValue: Double
        let createdAt: Date
        let updatedAt: Date

        enum CodingKeys: String, CodingKey {
            case id, name, stages
            case businessId = "business_id"
            case openValue = "open_value"
            case weightedValue = "weighted_value"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
        }
    }

    struct ListView: Encodable, Sendable {
        let pipelines: [PipelineView]
        let pagination: Pagination
    }

    struct OpportunityView: Encodable, Sendable {
        let opportunity: Opportunity

        enum Keys: String, CodingKey {
            case id, stage, name, value, status, notes
            case businessId = "business_id"
            case pipelineId = "pipeline_id"
            case leadId = "lead_id"
            case ownerId = "owner_id"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
            case closedAt = "closed_at"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(opportunity.id, forKey: .id)
            try c.encode(opportunity.businessId, forKey: .businessId)
            try c.encode(opportunity.pipelineId, forKey: .pipelineId)
            try c.encode(opportunity.stage, forKey: .stage)
            try c.encode(opportunity.name, forKey: .name)
            try c.encode(opportunity.leadId, forKey: .leadId)
            try c.encode(opportunity.value, forKey: .value)
            try c.encode(opportunity.status, forKey: .status)
            try c.encode(opportunity.ownerId, forKey: .ownerId)
            try c.encode(opportunity.notes, forKey: .notes)
            try c.encode(opportunity.createdAt, forKey: .createdAt)
            try c.encode(opportunity.updatedAt, forKey: .updatedAt)
            try c.encode(opportunity.closedAt, forKey: .closedAt)
        }
    }

    struct OpportunityList: Encodable, Sendable {
        let opportunities: [OpportunityView]
        let pagination: Pagination
    }

    private func view(_ pipeline: Pipeline) async throws -> PipelineView {
        let totals = try await store.pipelines.totals(pipeline: pipeline.id)
        let stages = pipeline.stages.map { stage in
            let total = totals[stage.id] ?? StageTotals()
            return StageView(id: stage.id, name: stage.name, probability: stage.probability, openCount: total.count, openValue: Money(cents: total.cents).major)
        }
        let weighted = pipeline.stages.reduce(0.0) { $0 + Double(totals[$1.id]?.cents ?? 0) * Double($1.probability) / 100 } / 100
        return PipelineView(
            id: pipeline.id, businessId: pipeline.businessId, name: pipeline.name, stages: stages, openValue: stages.reduce(0) { $0 + $1.openValue },
            weightedValue: (weighted * 100).rounded() / 100, createdAt: pipeline.createdAt, updatedAt: pipeline.updatedAt)
    }

    // MARK: pipelines

    struct Body: Decodable {
        let businessId: String?
        let name: String?
        let stages: [PipelineStage]?

        enum CodingKeys: String, CodingKey {
            case name, stages
            case businessId = "business_id"
        }
    }

    private func check(name: String?, stages: [PipelineStage]?) throws {
        var validator = Validator()
        if let name { validator.check((1...200).contains(name.trimmingWhitespace().count), "name", "must be 1–200 characters") }
        if let stages, let problem = Pipeline.problem(with: stages) { validator.add("stages", problem) }
        try validator.throwIfInvalid()
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> APIResponse<ListView> {
        let claims = try context.requireUser()
        let query = QueryReader(request)
        let page = try query.page()
        let business = try await tenancy.businessId(query.string("business_id"), for: claims)
        let result = try await store.pipelines.list(business: business, page: page)
        var views: [PipelineView] = []
        for pipeline in result.items { views.append(try await view(pipeline)) }
        return APIResponse(ListView(pipelines: views, pagination: Pagination(page, total: result.total)))
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> APIResponse<PipelineView> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(Body.self, context: context)
        let business = try await tenancy.businessId(body.businessId, for: claims, minimum: .user)
        guard let name = body.name else { throw AppError.validation(field: "name", "is required") }
        try check(name: name, stages: body.stages)
        let time = now()
        let pipeline = Pipeline(
            businessId: business, name: name.trimmingWhitespace(), stages: body.stages ?? Pipeline.defaultStages, createdAt: time, updatedAt: time)
        try await store.pipelines.insert(pipeline)
        return APIResponse(try await view(pipeline), status: .created, message: "Pipeline created")
    }

    private func pipeline(_ context: AppRequestContext, _ claims: AccessClaims, minimum: Role = .agent) async throws -> Pipeline {
        let id = try context.parameters.require("id")
        return try await tenancy.owned("Pipeline", by: claims, minimum: minimum, load: { try await store.pipelines.find(PipelineID(rawValue: id)) }, business: \.businessId)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> APIResponse<PipelineView> {
        let claims = try context.requireUser()
        return APIResponse(try await view(try await pipeline(context, claims)))
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> APIResponse<PipelineView> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(Body.self, context: context)
        var pipeline = try await pipeline(context, claims, minimum: .user)
        try check(name: body.name, stages: body.stages)
        if let stages = body.stages {
            // A stage that still holds deals cannot go: move them first.
            let removed = Set(pipeline.stages.map(\.id)).subtracting(stages.map(\.id)).sorted()
            let held = try await store.pipelines.count(pipeline: pipeline.id, stages: removed)
            guard held == 0 else {
                throw AppError.validation(field: "stages", "\(removed.joined(separator: ", ")) still hold \(held) opportunities; move them to another stage first")
            }
            pipeline.stages = stages
        }
        if let name = body.name { pipeline.name = name.trimmingWhitespace() }
        pipeline.updatedAt = now()
        try await store.pipelines.update(pipeline)
        return APIResponse(try await view(pipeline), message: "Pipeline updated")
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Deleted> {
        let claims = try context.requireUser()
        let pipeline = try await pipeline(context, claims, minimum: .user)
        try await store.pipelines.delete(pipeline.id)
        return APIResponse(Deleted(id: pipeline.id.rawValue), message: "Pipeline deleted with its opportunities")
    }

    // MARK: opportunities

    struct OpportunityBody: Decodable {
        let name: String?
        let leadId: String??
        let stage: String?
        let value: Money?
        let status: OpportunityStatus?
        let ownerId: String??
        let notes: String??

        enum CodingKeys: String, CodingKey {
            case name, stage, value, status, notes
            case leadId = "lead_id"
            case ownerId = "owner_id"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decodeIfPresent(String.self, forKey: .name)
            stage = try c.decodeIfPresent(String.self, forKey: .stage)
            value = try c.decodeIfPresent(Money.self, forKey: .value)
            status = try c.decodeIfPresent(OpportunityStatus.self, forKey: .status)
            // Absent: unchanged; null: cleared.
            func optional(_ key: CodingKeys) throws -> String?? { c.contains(key) ? .some(try c.decodeIfPresent(String.self, forKey: key)) : .none }
            leadId = try optional(.leadId)
            ownerId = try optional(.ownerId)
            notes = try optional(.notes)
        }
    }

    /// The stage exists, the lead and owner belong to the business, the texts fit.
    private func apply(_ body: OpportunityBody, to opportunity: inout Opportunity, in pipeline: Pipeline, at time: Date) async throws {
        var validator = Validator()
        if let name = body.name { validator.check((1...200).contains(name.trimmingWhitespace().count), "name", "must be 1–200 characters") }
        if let stage = body.stage {
            validator.check(pipeline.stage(stage) != nil, "stage", "is not a stage of this pipeline (\(pipeline.stages.map(\.id).joined(separator: ", ")))")
        }
        if let notes = body.notes ?? nil { validator.check(notes.count <= 5000, "notes", "must be at most 5,000 characters") }
        try validator.throwIfInvalid()
        if let lead = body.leadId {
            if let lead {
                guard let found = try await store.leads.find(LeadID(rawValue: lead)), found.businessId == pipeline.businessId else {
                    throw AppError.validation(field: "lead_id", "is not a lead of this business")
                }
                opportunity.leadId = found.id
                if opportunity.name.isEmpty, let name = found.name { opportunity.name = name }
            } else {
                opportunity.leadId = nil
            }
        }
        if let owner = body.ownerId {
            if let owner {
                guard try await store.users.role(of: UserID(rawValue: owner), in: pipeline.businessId) != nil else {
                    throw AppError.validation(field: "owner_id", "is not a member of this business")
                }
                opportunity.ownerId = UserID(rawValue: owner)
            } else {
                opportunity.ownerId = nil
            }
        }
        if let name = body.name { opportunity.name = name.trimmingWhitespace() }
        if let stage = body.stage { opportunity.stage = stage }
        if let value = body.value { opportunity.value = value }
        if let notes = body.notes { opportunity.notes = notes }
        if let status = body.status, status != opportunity.status {
            opportunity.status = status
            opportunity.closedAt = status == .open ? nil : time
        }
        guard !opportunity.name.isEmpty else { throw AppError.validation(field: "name", "is required (or a lead_id whose lead has a name)") }
    }

    @Sendable func opportunities(_ request: Request, context: AppRequestContext) async throws -> APIResponse<OpportunityList> {
        let claims = try context.requireUser()
        let pipeline = try await pipeline(context, claims)
        let query = QueryReader(request)
        let page = try query.page()
        let filter = OpportunityFilter(
            pipeline: pipeline.id, stage: query.string("stage"), status: try query.enum("status", OpportunityStatus.self),
            lead: query.string("lead_id").map(LeadID.init(rawValue:)))
        let result = try await store.pipelines.opportunities(filter, page: page)
        return APIResponse(OpportunityList(opportunities: result.items.map(OpportunityView.init), pagination: Pagination(page, total: result.total)))
    }

    @Sendable func createOpportunity(_ request: Request, context: AppRequestContext) async throws -> APIResponse<OpportunityView> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(OpportunityBody.self, context: context)
        let pipeline = try await pipeline(context, claims, minimum: .user)
        let time = now()
        var opportunity = Opportunity(
            businessId: pipeline.businessId, pipelineId: pipeline.id, stage: pipeline.stages[0].id, name: "", leadId: nil, value: Money(cents: 0),
            status: .open, ownerId: nil, notes: nil, createdAt: time, updatedAt: time)
        try await apply(body, to: &opportunity, in: pipeline, at: time)
        try await store.pipelines.insert(opportunity)
        return APIResponse(OpportunityView(opportunity: opportunity), status: .created, message: "Opportunity created at \(opportunity.stage)")
    }

    private func opportunity(_ context: AppRequestContext, _ claims: AccessClaims, minimum: Role = .agent) async throws -> (Pipeline, Opportunity) {
        let pipeline = try await pipeline(context, claims, minimum: minimum)
        let id = try context.parameters.require("opportunity")
        guard let opportunity = try await store.pipelines.opportunity(OpportunityID(rawValue: id)), opportunity.pipelineId == pipeline.id else {
            throw AppError.notFound("Opportunity")
        }
        return (pipeline, opportunity)
    }

    @Sendable func getOpportunity(_ request: Request, context: AppRequestContext) async throws -> APIResponse<OpportunityView> {
        let claims = try context.requireUser()
        return APIResponse(OpportunityView(opportunity: try await opportunity(context, claims).1))
    }

    @Sendable func updateOpportunity(_ request: Request, context: AppRequestContext) async throws -> APIResponse<OpportunityView> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(OpportunityBody.self, context: context)
        let (pipeline, found) = try await opportunity(context, claims, minimum: .user)
        var opportunity = found
        let time = now()
        try await apply(body, to: &opportunity, in: pipeline, at: time)
        opportunity.updatedAt = time
        try await store.pipelines.update(opportunity)
        return APIResponse(OpportunityView(opportunity: opportunity), message: "Opportunity updated")
    }

    @Sendable func deleteOpportunity(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Deleted> {
        let claims = try context.requireUser()
        let (_, opportunity) = try await opportunity(context, claims, minimum: .user)
        try await store.pipelines.delete(opportunity.id)
        return APIResponse(Deleted(id: opportunity.id.rawValue), message: "Opportunity deleted")
    }
}
