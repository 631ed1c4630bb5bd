import Foundation
import FrontdeskCore
import FrontdeskStore
import FrontdeskWire
import Hummingbird

/// `GET /api/jobs` and `GET /api/jobs/{id}`: what the scheduler has planned and done for a business —
/// each reminder and follow-up text with its due time, attempts and outcome (the message it sent, or
/// why it was skipped).
struct JobController {
    let store: Store
    let tenancy: Tenancy

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.get(":id", use: show)
    }

    struct ListView: Encodable, Sendable {
        let jobs: [JobView]
        let pagination: Pagination
    }

    /// A job as the API shows it: its payload as an object.
    struct JobView: Encodable, Sendable {
        let job: Job

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Job.CodingKeys.self)
            try c.encode(job.id, forKey: .id)
            try c.encode(job.businessId, forKey: .businessId)
            try c.encode(job.kind, forKey: .kind)
            try c.encode(job.key, forKey: .key)
            try c.encode((try? JSONParser.parse(job.payload)) ?? JSONValue.object([:]), forKey: .payload)
            try c.encode(job.dueAt, forKey: .dueAt)
            try c.encode(job.status, forKey: .status)
            try c.encode(job.attempts, forKey: .attempts)
            try c.encode(job.leaseUntil, forKey: .leaseUntil)
            try c.encode(job.result, forKey: .result)
            try c.encode(job.createdAt, forKey: .createdAt)
            try c.encode(job.finishedAt, forKey: .finishedAt)
        }
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> APIResponse<ListView> {
        let claims = try context.requireUser()
        let query = QueryReader(request)
        let business = try await tenancy.businessId(query.string("business_id"), for: claims)
        let filter = JobFilter(business: business, status: try query.enum("status", JobStatus.self), kind: try query.enum("kind", JobKind.self))
        let page = try query.page()
        let result = try await store.jobs.list(filter, page: page)
        return APIResponse(ListView(jobs: result.items.map(JobView.init), pagination: Pagination(page, total: result.total)))
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> APIResponse<JobView> {
        let claims = try context.requireUser()
        let id = try context.parameters.require("id")
        let job = try await tenancy.owned("Job", by: claims, load: { try await store.jobs.find(JobID(rawValue: id)) }, business: \.businessId)
        return APIResponse(JobView(job: job))
    }
}
