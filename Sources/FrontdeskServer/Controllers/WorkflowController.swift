import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskProviders
import FrontdeskStore
import FrontdeskWire
import Hummingbird

/// `/api/workflows`: a business's workflows — trigger, conditions, actions — and each one's
/// enrollments with their execution log. Members read; admins and users change. The webhook secret
/// (Standard Webhooks signing of the workflow's `webhook` actions) is shown when the workflow is made.
struct WorkflowController {
    let store: Store
    let policy: OutboundURLPolicy
    let now: @Sendable () -> Date
    let tenancy: Tenancy
    let engine: WorkflowEngine
    let idempotency: Idempotency

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.post(use: create)
        group.get(":id", use: get)
        group.put(":id", use: update)
        group.delete(":id", use: delete)
        group.get(":id/enrollments", use: enrollments)
        group.post(":id/enrollments", use: enroll)
    }

    struct WorkflowView: Encodable, Sendable {
        let workflow: Workflow
        let showingSecret: Bool

        enum Keys: String, CodingKey {
            case id, name, status, trigger, conditions, actions, secret, goal
            case businessId = "business_id"
            case allowReentry = "allow_reentry"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(workflow.id, forKey: .id)
            try c.encode(workflow.businessId, forKey: .businessId)
            try c.encode(workflow.name, forKey: .name)
            try c.encode(workflow.status, forKey: .status)
            try c.encode(workflow.trigger, forKey: .trigger)
            try c.encode(workflow.conditions, forKey: .conditions)
            try c.encode(workflow.actions, forKey: .actions)
            try c.encode(workflow.allowReentry, forKey: .allowReentry)
            try c.encode(workflow.goal, forKey: .goal)
            if showingSecret { try c.encode(workflow.secret, forKey: .secret) }
            try c.encode(workflow.createdAt, forKey: .createdAt)
            try c.encode(workflow.updatedAt, forKey: .updatedAt)
        }
    }

    struct ListView: Encodable, Sendable {
        let workflows: [WorkflowView]
        let pagination: Pagination
    }

    struct EnrollmentView: Encodable, Sendable {
        let enrollment: Enrollment

        enum Keys: String, CodingKey {
            case id, status, step, context, log, source
            case workflowId = "workflow_id"
            case leadId = "lead_id"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
            case finishedAt = "finished_at"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(enrollment.id, forKey: .id)
            try c.encode(enrollment.workflowId, forKey: .workflowId)
            try c.encode(enrollment.leadId, forKey: .leadId)
            try c.encode(enrollment.status, forKey: .status)
            try c.encode(enrollment.step, forKey: .step)
            try c.encode(enrollment.context, forKey: .context)
            try c.encode(enrollment.log, forKey: .log)
            try c.encode(enrollment.source, forKey: .source)
            try c.encode(enrollment.createdAt, forKey: .createdAt)
            try c.encode(enrollment.updatedAt, forKey: .updatedAt)
            try c.encode(enrollment.finishedAt, forKey: .finishedAt)
        }
    }

    struct EnrollmentList: Encodable, Sendable {
        let enrollments: [EnrollmentView]
        let pagination: Pagination
    }

    struct Body: Decodable {
        let businessId: String?
        let name: String?
        let status: WorkflowStatus?
        let trigger: WorkflowTrigger?
        let conditions: [WorkflowCondition]?
        let actions: [WorkflowAction]?
        let allowReentry: Bool?
        let goal: [WorkflowCondition]?

        enum CodingKeys: String, CodingKey {
            case businessId = "business_id"
            case name, status, trigger, conditions, actions, goal
            case allowReentry = "allow_reentry"
        }
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> APIResponse<ListView> {
        let claims = try context.requireUser()
        let query = QueryReader(request)
        let page = try query.page()
        let business = try await tenancy.businessId(query.string("business_id"), for: claims)
        let result = try await store.workflows.list(business: business, status: try query.enum("status", WorkflowStatus.self), page: page)
        return APIResponse(ListView(workflows: result.items.map { WorkflowView(workflow: $0, showingSecret: false) }, pagination: Pagination(page, total: result.total)))
    }

    /// Every workflow of a business.
    static func workflows(of business: BusinessID, store: Store) async throws -> [Workflow] {
        var all: [Workflow] = []
        var page = 1
        while true {
            let batch = try await store.workflows.list(business: business, status: nil, page: PageRequest(page: page, limit: 100))
            all += batch.items
            if batch.items.count < 100 { return all }
            page += 1
        }
    }

    /// Checks what the body sets: a name, 1–20 actions (webhook URLs allowed by the address policy;
    /// templates and workflows of the same business, not the workflow itself), at most 20 conditions.
    private func check(
        name: String?, conditions: [WorkflowCondition]?, actions: [WorkflowAction]?, goal: [WorkflowCondition]? = nil, business: BusinessID,
        workflow: WorkflowID? = nil
    ) async throws {
        var validator = Validator()
        if let name { validator.check((1...200).contains(name.trimmingWhitespace().count), "name", "must be 1–200 characters") }
        if let conditions { validator.check(conditions.count <= 20, "conditions", "must hold at most 20 conditions") }
        if let goal { validator.check(goal.count <= 20, "goal", "must hold at most 20 conditions") }
        if let actions { validator.check((1...20).contains(actions.count), "actions", "must hold 1–20 actions") }
        try validator.throwIfInvalid()
        for action in actions ?? [] {
            switch action {
            case .sendTemplate(let id):
                guard let template = try await store.workflows.template(id), template.businessId == business else {
                    throw AppError.validation(field: "actions", "send_template: \(id) is not a template of this business")
                }
            case .assign(let user):
                guard try await store.users.role(of: user, in: business) != nil else {
                    throw AppError.validation(field: "actions", "assign: \(user) is not a member of this business")
                }
            case .startWorkflow(let id):
                guard id != workflow else { throw AppError.validation(field: "actions", "start_workflow: a workflow cannot start itself") }
                guard let other = try await store.workflows.find(id), other.businessId == business else {
                    throw AppError.validation(field: "actions", "start_workflow: \(id) is not a workflow of this business")
                }
            default: break
            }
        }
        for case .webhook(let url) in actions ?? [] {
            do {
                try await policy.check(url)
            } catch let refusal as OutboundURLPolicy.Refusal {
                throw AppError.validation(field: "actions", "webhook url: \(refusal.description)")
            }
        }
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> APIResponse<WorkflowView> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(Body.self, context: context)
        let business = try await tenancy.businessId(body.businessId, for: claims, minimum: .user)
        var validator = Validator()
        validator.check(body.name != nil, "name", "is required")
        validator.check(body.trigger != nil, "trigger", "is required: {\"type\": one of \(WorkflowTrigger.names.joined(separator: ", "))}")
        validator.check(body.actions != nil, "actions", "is required: a list of 1–20 actions")
        try validator.throwIfInvalid()
        try await check(name: body.name, conditions: body.conditions, actions: body.actions, goal: body.goal, business: business)
        let time = now()
        let workflow = Workflow(
            id: .generate(), businessId: business, name: body.name!.trimmingWhitespace(), status: body.status ?? .active, trigger: body.trigger!,
            conditions: body.conditions ?? [], actions: body.actions!, allowReentry: body.allowReentry ?? false, goal: body.goal ?? [], secret: WebhookSigning.newSecret(),
            createdAt: time, updatedAt: time)
        try await store.workflows.insert(workflow)
        try await engine.planSchedule(workflow, now: time)
        return APIResponse(
            WorkflowView(workflow: workflow, showingSecret: true), status: .created,
            message: "Workflow created; its webhook actions are signed with the secret shown now")
    }

    func workflow(_ context: AppRequestContext, _ claims: AccessClaims, minimum: Role = .agent) async throws -> Workflow {
        let id = try context.parameters.require("id")
        return try await tenancy.owned("Workflow", by: claims, minimum: minimum, load: { try await store.workflows.find(WorkflowID(rawValue: id)) }, business: \.businessId)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> APIResponse<WorkflowView> {
        let claims = try context.requireUser()
        return APIResponse(WorkflowView(workflow: try await workflow(context, claims), showingSecret: false))
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> APIResponse<WorkflowView> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(Body.self, context: context)
        var workflow = try await workflow(context, claims, minimum: .user)
        try await check(
            name: body.name, conditions: body.conditions, actions: body.actions, goal: body.goal, business: workflow.businessId, workflow: workflow.id)
        if let name = body.name { workflow.name = name.trimmingWhitespace() }
        if let status = body.status { workflow.status = status }
        if let trigger = body.trigger { workflow.trigger = trigger }
        if let conditions = body.conditions { workflow.conditions = conditions }
        if let actions = body.actions { workflow.actions = actions }
        if let reentry = body.allowReentry { workflow.allowReentry = reentry }
        if let goal = body.goal { workflow.goal = goal }
        workflow.updatedAt = now()
        try await store.workflows.update(workflow)
        // A new schedule, or one active again: its next run is planned (a changed schedule's old job finds it changed).
        try await engine.planSchedule(workflow, now: workflow.updatedAt)
        return APIResponse(WorkflowView(workflow: workflow, showingSecret: false), message: "Workflow updated")
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Deleted> {
        let claims = try context.requireUser()
        let workflow = try await workflow(context, claims, minimum: .user)
        try await store.workflows.delete(workflow.id)
        return APIResponse(Deleted(id: workflow.id.rawValue), message: "Workflow deleted with its enrollments")
    }

    @Sendable func enrollments(_ request: Request, context: AppRequestContext) async throws -> APIResponse<EnrollmentList> {
        let claims = try context.requireUser()
        let workflow = try await workflow(context, claims)
        let query = QueryReader(request)
        let page = try query.page()
        let result = try await store.workflows.enrollments(workflow: workflow.id, status: try query.enum("status", EnrollmentStatus.self), page: page)
        return APIResponse(EnrollmentList(enrollments: result.items.map(EnrollmentView.init), pagination: Pagination(page, total: result.total)))
    }
}
