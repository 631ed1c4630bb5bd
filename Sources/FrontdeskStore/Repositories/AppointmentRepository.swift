import Foundation
import FrontdeskCore

public struct AppointmentFilter: Sendable {
    public var business: BusinessID
    public var status: AppointmentStatus?
    public var leadId: LeadID?
    /// Appointments starting at or after this instant.
    public var from: Date?
    /// Appointments starting before this instant.
    public var to: Date?

    public init(
        business: BusinessID, status: AppointmentStatus? = nil, leadId: LeadID? = nil, from: Date? = nil,
        to: Date? = nil
    ) {
        self.business = business
        self.status = status
        self.leadId = leadId
        self.from = from
        self.to = to
    }
}

public struct AppointmentCounts: Sendable {
    public let total: Int
    public let scheduledToday: Int
    public let completed: Int
    public let cancelled: Int
}

public protocol AppointmentRepository: Sendable {
    func find(_ id: AppointmentID) async throws -> Appointment?

    func list(_ filter: AppointmentFilter, page: PageRequest) async throws -> Page<Appointment>

    /// Live (not cancelled) appointments of a business starting in `[from, to)`.
    func live(business: BusinessID, from: Date, to: Date) async throws -> [Appointment]

    /// Saves `appointment` (new, or an existing one moved or changed) after checking, inside the write
    /// transaction, that its slot is free: no overlap with another live appointment (buffers included)
    /// and the day's maximum not reached. Exactly one of several concurrent bookings of a slot wins;
    /// the others get `SLOT_TAKEN` (409).
    func save(_ appointment: Appointment, rules: BookingRules, hours: OpeningHours) async throws

    /// The lead's next live appointment starting after `now`.
    func nextLive(lead: LeadID, after now: Date) async throws -> Appointment?

    /// Changes only the status (e.g. cancelling frees the slot).
    func setStatus(_ id: AppointmentID, _ status: AppointmentStatus, at now: Date) async throws

    func counts(business: BusinessID, from: Date?, to: Date?, todayStart: Date, todayEnd: Date) async throws -> AppointmentCounts

    /// Revenue (cents) of completed appointments starting in `[from, to)`.
    func revenue(business: BusinessID, from: Date?, to: Date?) async throws -> Int
}
