import Foundation
import FrontdeskCore
import FrontdeskStore
import FrontdeskWire
import Hummingbird
import Logging

/// Leads: CRUD with status/source filters, and rule-based qualification.
struct LeadController {
    let store: Store
    let now: @Sendable () -> Date
    let idempotency: Idempotency
    let tenancy: Tenancy

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.post(use: create)
        group.get(":id", use: get)
        group.put(":id", use: update)
        group.delete(":id", use: delete)
        group.post(":id/qualify", use: qualify)
    }

    struct ListView: DirectJSONEncodable, Sendable {
        let leads: [Lead]
        let pagination: Pagination

        func writeJSON(to writer: inout JSONWriter) throws {
            writer.beginObject()
            writer.key("leads")
            writer.beginArray()
            for lead in leads { try lead.writeJSON(to: &writer) }
            writer.endArray()
            writer.key("pagination")
            try pagination.writeJSON(to: &writer)
            writer.endObject()
        }
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> APIResponse<ListView> {
        let claims = try context.requireUser()
        let query = QueryReader(request)
        let business = try await tenancy.businessId(query.string("business_id"), for: claims)
        var phone: PhoneNumber?
        if let raw = query.string("phone") {
            guard let number = PhoneNumber(raw) else { throw AppError.validation(field: "phone", "must be an E.164 number like +15551234567") }
            phone = number
        }
        let minScore = try query.int("min_score", in: 0...100)
        let maxScore = try query.int("max_score", in: 0...100)
        if let minScore, let maxScore, minScore > maxScore {
            throw AppError.validation(field: "max_score", "must not be below min_score")
        }
        let score = (minScore != nil || maxScore != nil) ? (minScore ?? 0)...(maxScore ?? 100) : nil
        let filter = LeadFilter(
            business: business, status: try query.enum("status", LeadStatus.self),
            source: try query.enum("source", LeadSource.self), phone: phone, score: score)
        let page = try query.page()
        let result = try await store.leads.list(filter, page: page)
        return APIResponse(ListView(leads: result.items, pagination: Pagination(page, total: result.total)))
    }

    struct CreateBody: Decodable {
        let businessId: String
        let phone: PhoneNumber?
        let name: String?
        let email: EmailAddress?
        let source: LeadSource?
        let status: LeadStatus?
        let notes: String?
        let company: String?
        let value: Money?

        enum CodingKeys: String, CodingKey {
            case businessId = "business_id"
            case phone, name, email, source, status, notes, company, value
        }
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let claims = try context.requireUser()
        return try await idempotency.run(request, context: context, claims: claims) { data in
            let response = try await create(try Request.decodeJSON(CreateBody.self, from: data), claims: claims)
            return (response.status, try response.encodedBody(requestId: context.requestId))
        }
    }

    private func create(_ body: CreateBody, claims: AccessClaims) async throws -> APIResponse<Lead> {
        let business = try await tenancy.businessId(body.businessId, for: claims)
        var validator = Validator()
        validator.check(
            body.phone != nil || body.email != nil || !(body.name?.trimmingWhitespace().isEmpty ?? true), "phone",
            "a lead needs at least a phone, an email or a name")
        Self.checkText(name: body.name, notes: body.notes, company: body.company, into: &validator)
        try validator.throwIfInvalid()
        let now = now()
        let lead = Lead(
            id: .generate(), businessId: business, phone: body.phone, name: body.name?.trimmingWhitespace(),
            email: body.email, status: body.status ?? .new, source: body.source ?? .web, notes: body.notes,
            createdAt: now, updatedAt: now, company: Self.blankIsNil(body.company), value: body.value)
        try await store.leads.insert(lead)
        await store.leadChanged(from: nil, to: lead, at: now)
        return APIResponse(lead, status: .created, message: "Lead created")
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Lead> {
        let claims = try context.requireUser()
        return APIResponse(try await lead(context, claims))
    }

    struct UpdateBody: Decodable {
        let name: String?
        let email: EmailAddress?
        let phone: PhoneNumber?
        let status: LeadStatus?
        let source: LeadSource?
        let notes: String?
        /// An empty string clears it.
        let company: String?
        let value: Money?
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Lead> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(UpdateBody.self, context: context)
        var validator = Validator()
        Self.checkText(name: body.name, notes: body.notes, company: body.company, into: &validator)
        try validator.throwIfInvalid()
        var lead = try await lead(context, claims)
        let before = lead
        if let name = body.name { lead.name = name.trimmingWhitespace() }
        if let email = body.email { lead.email = email }
        if let phone = body.phone { lead.phone = phone }
        if let status = body.status { lead.status = status }
        if let source = body.source { lead.source = source }
        if let notes = body.notes { lead.notes = notes }
        if let company = body.company { lead.company = Self.blankIsNil(company) }
        if let value = body.value { lead.value = value }
        lead.updatedAt = now()
        try await store.leads.update(lead)
        await store.leadChanged(from: before, to: lead, at: lead.updatedAt)
        return APIResponse(lead, message: "Lead updated")
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Deleted> {
        let claims = try context.requireUser()
        let lead = try await lead(context, claims, minimum: .user)
        try await store.leads.delete(lead.id)
        return APIResponse(Deleted(id: lead.id.rawValue), message: "Lead deleted")
    }

    struct QualifyBody: Decodable {
        let criteria: QualificationCriteria
    }

    @Sendable func qualify(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Lead> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(QualifyBody.self, context: context)
        var lead = try await lead(context, claims)
        let before = lead
        let business = try await store.businesses.find(lead.businessId)
        var signals = body.criteria.signals(offered: business?.settings.services ?? [])
        if lead.phone != nil || lead.email != nil {
            signals.append(FiredSignal(signal: .contactCaptured, source: "lead record"))
        }
        if try await store.leads.hasLiveAppointment(lead.id) {
            signals.append(FiredSignal(signal: .bookedAppointment, source: "appointments"))
        }
        let explanation = LeadScorer.score(signals, disqualifier: body.criteria.disqualified, at: now())
        lead.qualificationScore = explanation.score
        lead.scoreExplanation = explanation
        lead.status = LeadScorer.status(after: explanation, current: lead.status)
        lead.updatedAt = now()
        try await store.leads.update(lead)
        await store.leadChanged(from: before, to: lead, at: lead.updatedAt)
        return APIResponse(lead, message: "Lead scored \(explanation.score) (\(explanation.band.rawValue))")
    }

    private func lead(_ context: AppRequestContext, _ claims: AccessClaims, minimum: Role = .agent) async throws -> Lead {
        let id = try context.parameters.id("id", as: LeadID.self)
        return try await tenancy.owned(
            "Lead", by: claims, minimum: minimum, load: { try await store.leads.find(id) }, business: \.businessId)
    }

    static func checkText(name: String?, notes: String?, company: String? = nil, into validator: inout Validator) {
        validator.check((name?.count ?? 0) <= 200, "name", "must be at most 200 characters")
        validator.check((notes?.count ?? 0) <= 10_000, "notes", "must be at most 10000 characters")
        validator.check((company?.count ?? 0) <= 200, "company", "must be at most 200 characters")
    }

    static func blankIsNil(_ text: String?) -> String? {
        guard let trimmed = text?.trimmingWhitespace(), !trimmed.isEmpty else { return nil }
        return trimmed
    }
}
