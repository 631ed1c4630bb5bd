import FrontdeskCore
import Foundation
import GRDB

public struct LeadFilter: Sendable {
    public var business: BusinessID
    public var status: LeadStatus?
    public var source: LeadSource?

    public init(business: BusinessID, status: LeadStatus? = nil, source: LeadSource? = nil) {
        self.business = business
        self.status = status
        self.source = source
    }
}

public struct LeadRepository: Sendable {
    let pool: DatabasePool

    public func find(_ id: LeadID) async throws -> Lead? {
        try await pool.read { db in try Lead.fetchOne(db, key: id.rawValue) }
    }

    public func find(phone: PhoneNumber, in business: BusinessID) async throws -> Lead? {
        try await pool.read { db in
            try Lead.filter(Column("business_id") == business && Column("phone") == phone).fetchOne(db)
        }
    }

    public func list(_ filter: LeadFilter, page: PageRequest) async throws -> Page<Lead> {
        try await pool.read { db in
            var request = Lead.filter(Column("business_id") == filter.business)
            if let status = filter.status { request = request.filter(Column("status") == status) }
            if let source = filter.source { request = request.filter(Column("source") == source) }
            let total = try request.fetchCount(db)
            let items = try request.order(Column("created_at").desc, Column("id").desc)
                .limit(page.limit, offset: page.offset).fetchAll(db)
            return Page(items: items, total: total)
        }
    }

    /// Inserts a new lead; a phone number the business already has a lead for is a conflict.
    public func insert(_ lead: Lead) async throws {
        try await write { db in try lead.insert(db) }
    }

    public func update(_ lead: Lead) async throws {
        try await write { db in try lead.update(db) }
    }

    public func delete(_ id: LeadID) async throws {
        _ = try await pool.write { db in try Lead.deleteOne(db, key: id.rawValue) }
    }

    /// Whether the lead has an appointment that still holds its slot.
    public func hasLiveAppointment(_ id: LeadID) async throws -> Bool {
        try await pool.read { db in
            try Appointment.filter(Column("lead_id") == id && Column("status") != AppointmentStatus.cancelled)
                .fetchCount(db) > 0
        }
    }

    /// Scored leads of a business created in `[from, to)`, best first.
    public func scored(business: BusinessID, from: Date?, to: Date?) async throws -> [Lead] {
        try await pool.read { db in
            var request = Lead.filter(Column("business_id") == business && Column("qualification_score") != nil)
            if let from { request = request.filter(Column("created_at") >= from) }
            if let to { request = request.filter(Column("created_at") < to) }
            return try request.order(Column("qualification_score").desc, Column("created_at").desc).fetchAll(db)
        }
    }

    /// Counts by status of leads created in `[from, to)`, and those created since `today`.
    public func counts(business: BusinessID, from: Date?, to: Date?, today: Date) async throws -> LeadCounts {
        try await pool.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) AS total,
                           COALESCE(SUM(created_at >= ?), 0) AS new_today,
                           COALESCE(SUM(status = 'qualified'), 0) AS qualified,
                           COALESCE(SUM(status = 'converted'), 0) AS converted
                    FROM leads WHERE business_id = ? AND created_at >= ? AND created_at < ?
                    """,
                arguments: [today, business, from ?? Date.distantPast, to ?? Date.distantFuture])!
            return LeadCounts(
                total: row["total"], newToday: row["new_today"], qualified: row["qualified"],
                converted: row["converted"])
        }
    }

    private func write(_ body: @Sendable @escaping (Database) throws -> Void) async throws {
        do {
            try await pool.write(body)
        } catch let error as DatabaseError where error.isUniqueViolation {
            throw AppError(
                .resourceAlreadyExists, "This business already has a lead with this phone number",
                details: ["phone": ["already belongs to another lead of this business"]])
        }
    }
}

public struct LeadCounts: Sendable {
    public let total: Int
    public let newToday: Int
    public let qualified: Int
    public let converted: Int
}
