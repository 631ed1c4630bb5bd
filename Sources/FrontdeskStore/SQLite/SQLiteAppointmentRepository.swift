import Foundation
import FrontdeskCore
import GRDB


struct SQLiteAppointmentRepository: AppointmentRepository {
    let pool: StoreDatabase

    func find(_ id: AppointmentID) async throws -> Appointment? {
        try await pool.read { db in try Appointment.fetchOne(db, key: id.rawValue) }
    }

    func list(_ filter: AppointmentFilter, page: PageRequest) async throws -> Page<Appointment> {
        try await pool.read { db in
            var request = Appointment.filter(Appointment.Columns.businessId == filter.business)
            if let status = filter.status { request = request.filter(Appointment.Columns.status == status) }
            if let lead = filter.leadId { request = request.filter(Appointment.Columns.leadId == lead) }
            if let from = filter.from { request = request.filter(Appointment.Columns.scheduledDate >= from) }
            if let to = filter.to { request = request.filter(Appointment.Columns.scheduledDate < to) }
            let total = try request.fetchCount(db)
            let items = try request.order(Appointment.Columns.scheduledDate, Appointment.Columns.id)
                .limit(page.limit, offset: page.offset).fetchReadable(db, reporting: pool.unreadable)
            return Page(items: items, total: total)
        }
    }

    /// Live (not cancelled) appointments of a business starting in `[from, to)`.
    func live(business: BusinessID, from: Date, to: Date) async throws -> [Appointment] {
        try await pool.read { db in try Self.live(db, business: business, from: from, to: to, excluding: nil) }
    }

    /// Saves `appointment` (new, or an existing one moved or changed) after checking, inside the write
    /// transaction, that its slot is free: no overlap with another live appointment (buffers included)
    /// and the day's maximum not reached. Exactly one of several concurrent bookings of a slot wins;
    /// the others get `SLOT_TAKEN` (409).
    func save(_ appointment: Appointment, rules: BookingRules, hours: OpeningHours) async throws {
        do {
            try await pool.write { db in
                if appointment.status.holdsSlot {
                    try Self.checkSlotIsFree(appointment, rules: rules, hours: hours, db: db)
                }
                try appointment.save(db)
            }
        } catch let error as DatabaseError where error.isUniqueViolation {
            throw StoreError.slotTaken("That time is already booked")
        }
    }

    /// The lead's next live appointment starting after `now`.
    func nextLive(lead: LeadID, after now: Date) async throws -> Appointment? {
        try await pool.read { db in
            try Appointment.filter(
                Appointment.Columns.leadId == lead && Appointment.Columns.status != AppointmentStatus.cancelled && Appointment.Columns.scheduledDate > now
            ).order(Appointment.Columns.scheduledDate).fetchOne(db)
        }
    }

    /// Changes only the status (e.g. cancelling frees the slot).
    func setStatus(_ id: AppointmentID, _ status: AppointmentStatus, at now: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE appointments SET status = ?, updated_at = ? WHERE id = ?", arguments: [status, now, id])
        }
    }

    func counts(business: BusinessID, from: Date?, to: Date?, todayStart: Date, todayEnd: Date) async throws
        -> AppointmentCounts
    {
        try await pool.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) AS total,
                           COALESCE(SUM(scheduled_date >= ? AND scheduled_date < ? AND status <> 'cancelled'), 0) AS today,
                           COALESCE(SUM(status = 'completed'), 0) AS completed,
                           COALESCE(SUM(status = 'cancelled'), 0) AS cancelled
                    FROM appointments WHERE business_id = ? AND scheduled_date >= ? AND scheduled_date < ?
                    """,
                arguments: [
                    todayStart, todayEnd, business, from ?? Date.distantPast, to ?? Date.distantFuture,
                ])!
            return AppointmentCounts(
                total: row["total"], scheduledToday: row["today"], completed: row["completed"],
                cancelled: row["cancelled"])
        }
    }

    /// Revenue (cents) of completed appointments starting in `[from, to)`.
    func revenue(business: BusinessID, from: Date?, to: Date?) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COALESCE(SUM(price), 0) FROM appointments
                    WHERE business_id = ? AND status = 'completed' AND scheduled_date >= ? AND scheduled_date < ?
                    """, arguments: [business, from ?? Date.distantPast, to ?? Date.distantFuture]) ?? 0
        }
    }

    static func live(_ db: Database, business: BusinessID, from: Date, to: Date, excluding: AppointmentID?) throws
        -> [Appointment]
    {
        var request = Appointment.filter(
            Appointment.Columns.businessId == business && Appointment.Columns.status != AppointmentStatus.cancelled
                && Appointment.Columns.scheduledDate >= from && Appointment.Columns.scheduledDate < to)
        if let excluding { request = request.filter(Appointment.Columns.id != excluding) }
        return try request.order(Appointment.Columns.scheduledDate).fetchAll(db)
    }

    static func checkSlotIsFree(_ new: Appointment, rules: BookingRules, hours: OpeningHours, db: Database) throws {
        let padding = TimeInterval((rules.bufferBefore + rules.bufferAfter) * 60)
        // Appointments last at most a day, so anything that can overlap starts within a day of this one.
        let nearby = try live(
            db, business: new.businessId, from: new.scheduledDate.addingTimeInterval(-86_400 - padding),
            to: new.endDate.addingTimeInterval(padding), excluding: new.id)
        let before = TimeInterval(rules.bufferBefore * 60)
        let after = TimeInterval(rules.bufferAfter * 60)
        for other in nearby
        where new.scheduledDate.addingTimeInterval(-before) < other.endDate.addingTimeInterval(after)
            && other.scheduledDate.addingTimeInterval(-before) < new.endDate.addingTimeInterval(after)
        {
            _ = other
            throw StoreError.slotTaken("That time is already booked")
        }
        if let maxPerDay = rules.maxPerDay {
            let day = hours.localDate(of: new.scheduledDate)
            let sameDay = try live(
                db, business: new.businessId, from: hours.startOfDay(day), to: hours.startOfDay(day.adding(days: 1)),
                excluding: new.id)
            if sameDay.count >= maxPerDay {
                throw StoreError.slotTaken("That day is fully booked")
            }
        }
    }
}

