import Foundation
import FrontdeskCore

public struct LeadFilter: Sendable {
    public var business: BusinessID
    public var status: LeadStatus?
    public var source: LeadSource?
    /// The lead with this number (a business has at most one).
    public var phone: PhoneNumber?
    /// Leads whose qualification score lies in this range (unscored leads never match).
    public var score: ClosedRange<Int>?

    public init(
        business: BusinessID, status: LeadStatus? = nil, source: LeadSource? = nil, phone: PhoneNumber? = nil, score: ClosedRange<Int>? = nil
    ) {
        self.business = business
        self.status = status
        self.source = source
        self.phone = phone
        self.score = score
    }

    /// Whether `lead` passes the filters other than the business and phone.
    public func keeps(_ lead: Lead) -> Bool {
        (status == nil || lead.status == status) && (source == nil || lead.source == source)
            && (score == nil || lead.qualificationScore.map { score!.contains($0) } == true)
    }
}

public struct LeadCounts: Sendable {
    public let total: Int
    public let newToday: Int
    public let qualified: Int
    public let converted: Int
}

public protocol LeadRepository: Sendable {
    func find(_ id: LeadID) async throws -> Lead?

    func find(phone: PhoneNumber, in business: BusinessID) async throws -> Lead?

    func list(_ filter: LeadFilter, page: PageRequest) async throws -> Page<Lead>

    /// Inserts a new lead; a phone number the business already has a lead for is a conflict.
    func insert(_ lead: Lead) async throws

    func update(_ lead: Lead) async throws

    func delete(_ id: LeadID) async throws

    /// Whether the lead has an appointment that still holds its slot.
    func hasLiveAppointment(_ id: LeadID) async throws -> Bool

    /// Scored leads of a business created in `[from, to)`, best first.
    func scored(business: BusinessID, from: Date?, to: Date?) async throws -> [Lead]

    /// Counts by status of leads created in `[from, to)`, and those created since `today`.
    func counts(business: BusinessID, from: Date?, to: Date?, today: Date) async throws -> LeadCounts
}
