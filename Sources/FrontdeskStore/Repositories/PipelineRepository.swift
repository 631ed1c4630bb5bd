import Foundation
import FrontdeskCore

public struct OpportunityFilter: Sendable {
    public var pipeline: PipelineID
    public var stage: String?
    public var status: OpportunityStatus?
    public var lead: LeadID?

    public init(pipeline: PipelineID, stage: String? = nil, status: OpportunityStatus? = nil, lead: LeadID? = nil) {
        self.pipeline = pipeline
        self.stage = stage
        self.status = status
        self.lead = lead
    }
}

/// Per stage of a pipeline: its open opportunities and their value.
public struct StageTotals: Sendable, Equatable {
    public var count = 0
    public var cents = 0

    public init(count: Int = 0, cents: Int = 0) {
        self.count = count
        self.cents = cents
    }
}

/// Sales pipelines (their stages as one JSON list) and the opportunities in them.
public protocol PipelineRepository: Sendable {
    func insert(_ pipeline: Pipeline) async throws
    func find(_ id: PipelineID) async throws -> Pipeline?
    func list(business: BusinessID, page: PageRequest) async throws -> Page<Pipeline>
    func update(_ pipeline: Pipeline) async throws
    /// Deletes the pipeline and its opportunities.
    func delete(_ id: PipelineID) async throws

    func insert(_ opportunity: Opportunity) async throws
    func opportunity(_ id: OpportunityID) async throws -> Opportunity?
    /// Newest first.
    func opportunities(_ filter: OpportunityFilter, page: PageRequest) async throws -> Page<Opportunity>
    func update(_ opportunity: Opportunity) async throws
    func delete(_ id: OpportunityID) async throws
    /// Open opportunities per stage id.
    func totals(pipeline: PipelineID) async throws -> [String: StageTotals]
    /// How many opportunities (any status) sit at these stages.
    func count(pipeline: PipelineID, stages: [String]) async throws -> Int
}

enum PipelineCoding {
    static func pipeline(id: String, business: String, name: String, stages: String, created: Date, updated: Date) throws -> Pipeline {
        Pipeline(
            id: PipelineID(rawValue: id), businessId: BusinessID(rawValue: business), name: name,
            stages: try WorkflowCoding.value([PipelineStage].self, stages), createdAt: created, updatedAt: updated)
    }

    static func opportunity(
        id: String, business: String, pipeline: String, stage: String, name: String, lead: String?, cents: Int, status: String, owner: String?,
        notes: String?, created: Date, updated: Date, closed: Date?
    ) -> Opportunity? {
        guard let status = OpportunityStatus(rawValue: status) else { return nil }
        return Opportunity(
            id: OpportunityID(rawValue: id), businessId: BusinessID(rawValue: business), pipelineId: PipelineID(rawValue: pipeline), stage: stage,
            name: name, leadId: lead.map(LeadID.init(rawValue:)), value: Money(cents: cents), status: status, ownerId: owner.map(UserID.init(rawValue:)),
            notes: notes, createdAt: created, updatedAt: updated, closedAt: closed)
    }
}
