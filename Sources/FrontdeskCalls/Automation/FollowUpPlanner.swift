import Foundation
import FrontdeskCore
import FrontdeskStore
import FrontdeskWire

/// Decides the jobs an event calls for: an appointment booked or moved gets its reminders, one marked
/// a no-show its follow-up, an inbound call that ended before anything was done (`abandoned`,
/// `failed`) a missed-call text-back — each as the business's `settings.follow_ups` say. The job keys
/// name what they are for (the appointment and its start, the call), so planning an event again
/// stores nothing new.
/// Workflows the event triggers enroll its lead too (`WorkflowEngine`).
package struct FollowUpPlanner: Sendable {
    let store: Store
    let workflows: WorkflowEngine

    package init(store: Store, workflows: WorkflowEngine) {
        self.store = store
        self.workflows = workflows
    }

    /// The event types anything is planned from.
    static let types = Set([EventType.appointmentBooked, .appointmentMoved, .appointmentNoShow, .callEnded]).union(WorkflowTrigger.types)

    package func jobs(for event: DomainEvent, now: Date) async throws -> [Job] {
        let followUps: [Job] =
            switch event.type {
            case .appointmentBooked, .appointmentMoved: try await reminders(event, now: now)
            case .appointmentNoShow: try await noShow(event, now: now)
            case .callEnded: try await missedCall(event, now: now)
            default: []
            }
        return followUps + (try await workflows.jobs(for: event, now: now))
    }

    /// The event's top-level fields `names`, as text (nil when absent), read in one pass over its JSON.
    private func fields(_ event: DomainEvent, _ names: String...) -> [String?] {
        let values = (try? JSONParser.extract(event.data, paths: names.map { [$0] })) ?? []
        return names.indices.map { $0 < values.count ? values[$0]?.text : nil }
    }

    private func appointment(_ event: DomainEvent) async throws -> (Appointment, Business)? {
        guard let id = fields(event, "id")[0], let appointment = try await store.appointments.find(AppointmentID(rawValue: id)),
            appointment.businessId == event.businessId, let business = try await store.businesses.find(event.businessId)
        else { return nil }
        return (appointment, business)
    }

    private func reminders(_ event: DomainEvent, now: Date) async throws -> [Job] {
        guard let (appointment, business) = try await appointment(event), appointment.status == .scheduled || appointment.status == .confirmed,
            appointment.leadId != nil
        else { return [] }
        let start = appointment.scheduledDate
        let plan = ReminderPlan(appointmentStart: start, settings: business.settings.followUps, zone: business.settings.timezone, now: now)
        return plan.reminders.map { reminder in
            let startSeconds = Int(start.timeIntervalSince1970)
            return Job(
                businessId: business.id, kind: .appointmentReminder,
                key: "reminder:\(appointment.id.rawValue):\(startSeconds):\(reminder.offsetMinutes)",
                payload: ReminderPayload(appointmentId: appointment.id, start: startSeconds, offsetMinutes: reminder.offsetMinutes).json,
                dueAt: reminder.due, createdAt: now)
        }
    }

    /// Now, or when the quiet hours holding now end.
    static func soonest(after now: Date, business: Business) -> Date {
        business.settings.followUps.quietHours?.end(after: now, in: business.settings.timezone) ?? now
    }

    private func noShow(_ event: DomainEvent, now: Date) async throws -> [Job] {
        guard let (appointment, business) = try await appointment(event), business.settings.followUps.noShowFollowUp,
            appointment.status == .noShow, appointment.leadId != nil
        else { return [] }
        return [
            Job(
                businessId: business.id, kind: .noShowFollowUp, key: "no_show:\(appointment.id.rawValue)",
                payload: #"{"appointment_id":"\#(appointment.id.rawValue)"}"#, dueAt: Self.soonest(after: now, business: business), createdAt: now)
        ]
    }

    private func missedCall(_ event: DomainEvent, now: Date) async throws -> [Job] {
        let call = fields(event, "id", "outcome", "direction", "phone")
        guard let id = call[0], let outcome = call[1].flatMap(CallOutcome.init(rawValue:)),
            outcome == .abandoned || outcome == .failed, call[2] == CallDirection.inbound.rawValue,
            call[3] != nil, let business = try await store.businesses.find(event.businessId),
            business.settings.followUps.missedCallTextBack
        else { return [] }
        return [
            Job(
                businessId: business.id, kind: .missedCallTextBack, key: "missed_call:\(id)", payload: #"{"call_id":"\#(id)"}"#,
                dueAt: Self.soonest(after: now, business: business), createdAt: now)
        ]
    }
}

/// A reminder job's input: the appointment, the start it was planned for (seconds since 1970) and
/// its offset.
package struct ReminderPayload: Sendable, Equatable {
    package let appointmentId: AppointmentID
    package let start: Int
    package let offsetMinutes: Int

    var json: String { #"{"appointment_id":"\#(appointmentId.rawValue)","start":\#(start),"offset_minutes":\#(offsetMinutes)}"# }

    init(appointmentId: AppointmentID, start: Int, offsetMinutes: Int) {
        self.appointmentId = appointmentId
        self.start = start
        self.offsetMinutes = offsetMinutes
    }

    init?(_ payload: String) {
        guard let values = try? JSONParser.extract(payload, paths: [["appointment_id"], ["start"], ["offset_minutes"]]),
            let id = values[0]?.text, let start = values[1]?.integer, let offset = values[2]?.integer
        else { return nil }
        self.init(appointmentId: AppointmentID(rawValue: id), start: start, offsetMinutes: offset)
    }
}
