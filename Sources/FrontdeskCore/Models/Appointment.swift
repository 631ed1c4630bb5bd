import Foundation

public enum AppointmentTag: IdentifierPrefixed { public static let idPrefix = "appointment" }
public typealias AppointmentID = Identifier<AppointmentTag>

public enum AppointmentStatus: String, Sendable, Codable, CaseIterable {
    case scheduled, confirmed, completed, cancelled, noShow = "no_show"

    /// Whether the appointment still holds its time slot.
    public var holdsSlot: Bool { self != .cancelled }
}

public struct Appointment: Sendable, Codable, Hashable {
    public var id: AppointmentID
    public var businessId: BusinessID
    public var leadId: LeadID?
    /// Start, UTC.
    public var scheduledDate: Date
    /// Minutes.
    public var duration: Int
    public var status: AppointmentStatus
    public var type: String?
    public var notes: String?
    /// The matching service's price when booked, for revenue figures.
    public var price: Money?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: AppointmentID, businessId: BusinessID, leadId: LeadID?, scheduledDate: Date, duration: Int,
        status: AppointmentStatus, type: String?, notes: String?, price: Money?, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.businessId = businessId
        self.leadId = leadId
        self.scheduledDate = scheduledDate
        self.duration = duration
        self.status = status
        self.type = type
        self.notes = notes
        self.price = price
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var endDate: Date { scheduledDate.addingTimeInterval(TimeInterval(duration * 60)) }

    public enum CodingKeys: String, CodingKey {
        case id
        case businessId = "business_id"
        case leadId = "lead_id"
        case scheduledDate = "scheduled_date"
        case duration, status, type, notes, price
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}
