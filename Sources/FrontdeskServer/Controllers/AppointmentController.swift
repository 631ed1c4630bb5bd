import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskStore
import Hummingbird
import Logging

/// Appointments: CRUD inside business hours with no double booking, cancel, remind.
struct AppointmentController {
    let store: Store
    let messenger: Messenger
    let now: @Sendable () -> Date
    let idempotency: Idempotency
    let tenancy: Tenancy

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.post(use: create)
        group.get("availability", use: availability)
        group.get(":id", use: get)
        group.put(":id", use: update)
        group.delete(":id", use: cancel)
        group.post(":id/remind", use: remind)
    }

    struct ListView: Encodable, Sendable {
        let appointments: [Appointment]
        let pagination: Pagination
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> APIResponse<ListView> {
        let claims = try context.requireUser()
        let query = QueryReader(request)
        let business = try await tenancy.business(queryValue: query.string("business_id"), for: claims)
        let businessId = business.id
        let hours = OpeningHours(settings: business.settings)
        let filter = AppointmentFilter(
            business: businessId, status: try query.enum("status", AppointmentStatus.self),
            leadId: query.string("lead_id").map(LeadID.init(rawValue:)),
            from: try query.dateBound("start_date")?.start(in: hours),
            to: try query.dateBound("end_date")?.end(in: hours))
        let page = try query.page()
        let result = try await store.appointments.list(filter, page: page)
        return APIResponse(ListView(appointments: result.items, pagination: Pagination(page, total: result.total)))
    }

    struct SlotView: Encodable, Sendable {
        let start: Date
        let end: Date
        /// Wall-clock date and time in the business's zone, for people.
        let localDate: String
        let localTime: String

        enum CodingKeys: String, CodingKey {
            case start, end
            case localDate = "local_date"
            case localTime = "local_time"
        }
    }

    struct AvailabilityView: Encodable, Sendable {
        let businessId: BusinessID
        let timezone: String
        let duration: Int
        let startDate: LocalDate
        let endDate: LocalDate
        let slots: [SlotView]

        enum CodingKeys: String, CodingKey {
            case businessId = "business_id"
            case timezone, duration
            case startDate = "start_date"
            case endDate = "end_date"
            case slots
        }
    }

    /// Free slots between two local dates (inclusive, at most 92 days), for `duration` minutes or the
    /// duration of the service named by `type`.
    @Sendable func availability(_ request: Request, context: AppRequestContext) async throws -> APIResponse<AvailabilityView> {
        let claims = try context.requireUser()
        let query = QueryReader(request)
        let business = try await tenancy.business(queryValue: query.string("business_id"), for: claims)
        var validator = Validator()
        let start = query.string("start_date").flatMap(LocalDate.init)
        let end = query.string("end_date").flatMap(LocalDate.init)
        validator.check(start != nil, "start_date", "is required, as YYYY-MM-DD")
        validator.check(end != nil, "end_date", "is required, as YYYY-MM-DD")
        if let start, let end {
            validator.check(start <= end, "end_date", "must not be before start_date")
            validator.check(end <= start.adding(days: 91), "end_date", "must be at most 92 days after start_date")
        }
        var duration = business.settings.service(named: query.string("type"))?.duration ?? business.settings.booking.defaultDuration
        if let text = query.string("duration") {
            if let value = Int(text), (5...480).contains(value) { duration = value } else {
                validator.add("duration", "must be 5–480 minutes")
            }
        }
        try validator.throwIfInvalid()
        let calculator = AvailabilityCalculator(settings: business.settings)
        let hours = calculator.hours
        // Appointments up to a day around the range can reach into it with their buffers.
        let busy = try await store.appointments.live(
            business: business.id, from: hours.startOfDay(start!.adding(days: -1)), to: hours.startOfDay(end!.adding(days: 2))
        ).map { BusyInterval(start: $0.scheduledDate, end: $0.endDate) }
        let slots = calculator.slots(from: start!, through: end!, duration: duration, busy: busy, now: now())
        let views = slots.map { slot in
            SlotView(
                start: slot.start, end: slot.end, localDate: hours.localDate(of: slot.start).description,
                localTime: hours.localTime(of: slot.start).description)
        }
        return APIResponse(
            AvailabilityView(
                businessId: business.id, timezone: business.settings.timezone.identifier, duration: duration,
                startDate: start!, endDate: end!, slots: views))
    }

    struct CreateBody: Decodable {
        let businessId: String
        let leadId: String?
        let scheduledDate: Date
        let duration: Int?
        let type: String?
        let notes: String?
        let status: AppointmentStatus?

        enum CodingKeys: String, CodingKey {
            case businessId = "business_id"
            case leadId = "lead_id"
            case scheduledDate = "scheduled_date"
            case duration, type, notes, status
        }
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let claims = try context.requireUser()
        return try await idempotency.run(request, context: context, claims: claims) { data in
            let response = try await create(try Request.decodeJSON(CreateBody.self, from: data), claims: claims)
            return (response.status, try response.encodedBody(requestId: context.requestId))
        }
    }

    private func create(_ body: CreateBody, claims: AccessClaims) async throws -> APIResponse<Appointment> {
        let business = try await tenancy.business(BusinessID(rawValue: body.businessId), for: claims)
        let leadId = try await checkedLead(body.leadId, business: business.id)
        let service = business.settings.service(named: body.type)
        let duration = body.duration ?? service?.duration ?? business.settings.booking.defaultDuration
        var validator = Validator()
        Self.checkFields(duration: duration, type: body.type, notes: body.notes, into: &validator)
        validator.check(body.status != .cancelled, "status", "a new appointment cannot be cancelled")
        try validator.throwIfInvalid()
        let now = now()
        let appointment = Appointment(
            id: .generate(), businessId: business.id, leadId: leadId, scheduledDate: body.scheduledDate,
            duration: duration, status: body.status ?? .scheduled, type: body.type, notes: body.notes,
            price: service?.price, createdAt: now, updatedAt: now)
        try await book(appointment, in: business)
        await store.feed.appointmentChanged(from: nil, to: appointment, at: now)
        return APIResponse(appointment, status: .created, message: "Appointment booked")
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Appointment> {
        let claims = try context.requireUser()
        return APIResponse(try await appointment(context, claims))
    }

    struct UpdateBody: Decodable {
        let scheduledDate: Date?
        let duration: Int?
        let status: AppointmentStatus?
        let type: String?
        let notes: String?
        let leadId: String?

        enum CodingKeys: String, CodingKey {
            case scheduledDate = "scheduled_date"
            case duration, status, type, notes
            case leadId = "lead_id"
        }
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Appointment> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(UpdateBody.self, context: context)
        var appointment = try await appointment(context, claims)
        guard let business = try await store.businesses.find(appointment.businessId) else {
            throw AppError.notFound("Business")
        }
        let before = appointment
        if let date = body.scheduledDate { appointment.scheduledDate = date }
        if let duration = body.duration { appointment.duration = duration }
        if let status = body.status { appointment.status = status }
        if let type = body.type {
            appointment.type = type
            appointment.price = business.settings.service(named: type)?.price ?? appointment.price
        }
        if let notes = body.notes { appointment.notes = notes }
        if let lead = body.leadId { appointment.leadId = try await checkedLead(lead, business: business.id) }
        var validator = Validator()
        Self.checkFields(duration: appointment.duration, type: appointment.type, notes: appointment.notes, into: &validator)
        try validator.throwIfInvalid()
        appointment.updatedAt = now()
        let movesSlot =
            appointment.scheduledDate != before.scheduledDate || appointment.duration != before.duration
            || (appointment.status.holdsSlot && !before.status.holdsSlot)
        if movesSlot && appointment.status.holdsSlot {
            try await book(appointment, in: business)
        } else {
            try await store.appointments.save(
                appointment, rules: business.settings.booking, hours: OpeningHours(settings: business.settings))
        }
        await store.feed.appointmentChanged(from: before, to: appointment, at: appointment.updatedAt)
        return APIResponse(appointment, message: "Appointment updated")
    }

    @Sendable func cancel(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Appointment> {
        let claims = try context.requireUser()
        var appointment = try await appointment(context, claims)
        if appointment.status != .cancelled {
            let before = appointment
            appointment.status = .cancelled
            appointment.updatedAt = now()
            try await store.appointments.setStatus(appointment.id, .cancelled, at: appointment.updatedAt)
            await store.feed.appointmentChanged(from: before, to: appointment, at: appointment.updatedAt)
        }
        return APIResponse(appointment, message: "Appointment cancelled")
    }

    struct RemindBody: Decodable {
        enum Method: String, Decodable { case sms, email }
        let method: Method
        let message: String?
    }

    @Sendable func remind(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Message> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(RemindBody.self, context: context)
        let appointment = try await appointment(context, claims)
        guard appointment.status.holdsSlot else {
            throw AppError.validation(field: "appointment", "is cancelled; there is nothing to remind of")
        }
        if let text = body.message, text.trimmingWhitespace().isEmpty || text.count > 1600 {
            throw AppError.validation(field: "message", "must be 1–1600 characters")
        }
        guard let business = try await store.businesses.find(appointment.businessId) else {
            throw AppError.notFound("Business")
        }
        let lead = try await appointment.leadId.asyncFlatMap { try await store.leads.find($0) }
        let text = body.message ?? FollowUpTexts.reminder(appointment, business: business, replies: false)
        let outbound: OutboundMessage
        switch body.method {
        case .sms:
            guard let phone = lead?.phone else {
                throw AppError.validation(field: "method", "the appointment's lead has no phone number")
            }
            outbound = OutboundMessage(channel: .sms, to: phone.e164, from: nil, body: text)
        case .email:
            guard let email = lead?.email else {
                throw AppError.validation(field: "method", "the appointment's lead has no email address")
            }
            outbound = OutboundMessage(
                channel: .email, to: email.value, subject: "Appointment reminder — \(business.name)", body: text)
        }
        let message = try await messenger.send(
            outbound, business: business.id, lead: lead?.id, logger: context.logger)
        return APIResponse(message, status: .created, message: "Reminder \(message.status == .outbox ? "recorded in the outbox" : "sent")")
    }

    /// Checks opening hours, then books in one write transaction (overlaps and daily limits checked there).
    private func book(_ appointment: Appointment, in business: Business) async throws {
        let hours = OpeningHours(settings: business.settings)
        guard appointment.scheduledDate > now() else {
            throw AppError.validation(field: "scheduled_date", "must be in the future")
        }
        let rules = business.settings.booking
        guard appointment.scheduledDate <= now().addingTimeInterval(TimeInterval(rules.maxDaysAhead * 86_400)) else {
            throw AppError.validation(
                field: "scheduled_date", "is further ahead than this business books (\(rules.maxDaysAhead) days; settings.booking.max_days_ahead)")
        }
        guard hours.isOpen(from: appointment.scheduledDate, minutes: appointment.duration) else {
            throw AppError.validation(
                field: "scheduled_date", "is outside the business hours (\(business.settings.timezone.identifier))")
        }
        try await store.appointments.save(appointment, rules: business.settings.booking, hours: hours)
    }

    private func checkedLead(_ raw: String?, business: BusinessID) async throws -> LeadID? {
        guard let raw else { return nil }
        guard let lead = try await store.leads.find(LeadID(rawValue: raw)), lead.businessId == business else {
            throw AppError.validation(field: "lead_id", "is not a lead of this business")
        }
        return lead.id
    }

    private func appointment(_ context: AppRequestContext, _ claims: AccessClaims) async throws -> Appointment {
        let id = try context.parameters.id("id", as: AppointmentID.self)
        return try await tenancy.owned(
            "Appointment", by: claims, load: { try await store.appointments.find(id) }, business: \.businessId)
    }

    static func checkFields(duration: Int, type: String?, notes: String?, into validator: inout Validator) {
        validator.check((5...480).contains(duration), "duration", "must be 5–480 minutes")
        validator.check((type?.count ?? 0) <= 100, "type", "must be at most 100 characters")
        validator.check((notes?.count ?? 0) <= 10_000, "notes", "must be at most 10000 characters")
    }
}
