import Foundation
import FrontdeskCore
import FrontdeskStore
import Synchronization

/// The engine's calendar tools for one business and caller, on the real store, with the same checks as
/// `POST /api/appointments` plus the booking rules for self-service (minimum notice, horizon).
package final class StoreReceptionistTools: ReceptionistTools {
    /// What the tools changed during a turn, reported as actions.
    package enum Change: Sendable {
        case booked(Appointment)
        case cancelled(Appointment)
        case rescheduled(Appointment)
    }

    let store: Store
    let business: Business
    let leadId: LeadID?
    let now: Date
    let changes = Mutex<[Change]>([])

    init(store: Store, business: Business, leadId: LeadID?, now: Date) {
        self.store = store
        self.business = business
        self.leadId = leadId
        self.now = now
    }

    var calculator: AvailabilityCalculator { AvailabilityCalculator(settings: business.settings) }

    package func freeSlots(from: LocalDate, through: LocalDate, duration: Int) async throws -> [Slot] {
        try await freeSlots(from: from, through: through, duration: duration, excluding: nil)
    }

    /// Free slots, as if `excluding` (an appointment being moved) were not there.
    private func freeSlots(from: LocalDate, through: LocalDate, duration: Int, excluding: AppointmentID?) async throws -> [Slot] {
        let live = try await live(from: from, through: through)
        return slots(from: from, through: through, duration: duration, live: live, excluding: excluding)
    }

    /// The live appointments that can reach into `[from, through]`: up to a day around it, with their buffers.
    private func live(from: LocalDate, through: LocalDate) async throws -> [Appointment] {
        let hours = calculator.hours
        return try await store.appointments.live(
            business: business.id, from: hours.startOfDay(from.adding(days: -1)), to: hours.startOfDay(through.adding(days: 2)))
    }

    private func slots(from: LocalDate, through: LocalDate, duration: Int, live: [Appointment], excluding: AppointmentID?) -> [Slot] {
        let busy = live.filter { $0.id != excluding }.map { BusyInterval(start: $0.scheduledDate, end: $0.endDate) }
        return calculator.slots(from: from, through: through, duration: duration, busy: busy, now: now)
    }

    package func book(start: Date, duration: Int, service: String?, callerName: String?) async throws -> BookingOutcome {
        let date = calculator.hours.localDate(of: start)
        let live = try await live(from: date, through: date)
        // The caller holds this very slot already (booked earlier, or by an instance that stopped just
        // after booking it for this turn): that is the booking, not a clash with someone else's.
        if let leadId, let held = live.first(where: { $0.leadId == leadId && $0.scheduledDate == start && $0.type == service }) {
            return .booked(Self.view(held))
        }
        guard slots(from: date, through: date, duration: duration, live: live, excluding: nil).contains(where: { $0.start == start })
        else { return .unavailable }
        let appointment = Appointment(
            id: .generate(), businessId: business.id, leadId: leadId, scheduledDate: start, duration: duration,
            status: .scheduled, type: service, notes: callerName.map { "Booked by the receptionist for \($0)" },
            price: business.settings.service(named: service)?.price, createdAt: now, updatedAt: now)
        do {
            try await store.appointments.save(appointment, rules: business.settings.booking, hours: calculator.hours)
        } catch StoreError.slotTaken {
            return .unavailable
        }
        await store.feed.appointmentChanged(from: nil, to: appointment, at: now)
        changes.withLock { $0.append(.booked(appointment)) }
        return .booked(Self.view(appointment))
    }

    package func upcomingAppointment() async throws -> CallerAppointment? {
        guard let leadId else { return nil }
        return try await store.appointments.nextLive(lead: leadId, after: now).map(Self.view)
    }

    package func cancel(_ appointment: CallerAppointment) async throws {
        guard var stored = try await owned(appointment) else { return }
        let before = stored
        try await store.appointments.setStatus(stored.id, .cancelled, at: now)
        stored.status = .cancelled
        stored.updatedAt = now
        await store.feed.appointmentChanged(from: before, to: stored, at: now)
        changes.withLock { $0.append(.cancelled(stored)) }
    }

    package func reschedule(_ appointment: CallerAppointment, to start: Date) async throws -> BookingOutcome {
        guard var stored = try await owned(appointment), try await isOffered(start, duration: stored.duration, ignoring: stored)
        else { return .unavailable }
        let before = stored
        stored.scheduledDate = start
        stored.updatedAt = now
        do {
            try await store.appointments.save(stored, rules: business.settings.booking, hours: calculator.hours)
        } catch StoreError.slotTaken {
            return .unavailable
        }
        await store.feed.appointmentChanged(from: before, to: stored, at: now)
        changes.withLock { $0.append(.rescheduled(stored)) }
        return .booked(Self.view(stored))
    }

    /// Whether `start` is one of the free slots (so opening hours, notice and horizon all hold).
    private func isOffered(_ start: Date, duration: Int, ignoring: Appointment? = nil) async throws -> Bool {
        let date = calculator.hours.localDate(of: start)
        return try await freeSlots(from: date, through: date, duration: duration, excluding: ignoring?.id)
            .contains { $0.start == start }
    }

    private func owned(_ appointment: CallerAppointment) async throws -> Appointment? {
        guard let stored = try await store.appointments.find(AppointmentID(rawValue: appointment.id)),
            stored.businessId == business.id, stored.leadId == leadId
        else { return nil }
        return stored
    }

    static func view(_ appointment: Appointment) -> CallerAppointment {
        CallerAppointment(
            id: appointment.id.rawValue, start: appointment.scheduledDate, duration: appointment.duration,
            type: appointment.type)
    }
}
