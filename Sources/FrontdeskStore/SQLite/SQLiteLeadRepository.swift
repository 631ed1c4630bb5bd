import Foundation
import FrontdeskCore
import GRDB


struct SQLiteLeadRepository: LeadRepository {
    let pool: StoreDatabase

    func find(_ id: LeadID) async throws -> Lead? {
        try await pool.read { db in try Lead.fetchOne(db, key: id.rawValue) }
    }

    func find(phone: PhoneNumber, in business: BusinessID) async throws -> Lead? {
        try await pool.read { db in
            try Lead.fetchOne(db.cachedStatement(sql: "SELECT * FROM leads WHERE business_id = ? AND phone = ?"), arguments: [business, phone])
        }
    }

    func list(_ filter: LeadFilter, page: PageRequest) async throws -> Page<Lead> {
        if let phone = filter.phone {
            let matches = try await find(phone: phone, in: filter.business).map { [$0] } ?? []
            let kept = matches.filter(filter.keeps)
            return Page(items: page.offset == 0 ? kept : [], total: kept.count)
        }
        // The busiest read of the API: plain SQL through GRDB's statement cache (one of four shapes).
        var conditions = "business_id = ?"
        var arguments: StatementArguments = [filter.business]
        if let status = filter.status {
            conditions += " AND status = ?"
            arguments += [status]
        }
        if let source = filter.source {
            conditions += " AND source = ?"
            arguments += [source]
        }
        // The counter table has no scores: a score filter counts the leads themselves.
        var countSQL = "SELECT COALESCE(SUM(n), 0) FROM lead_counts WHERE " + conditions
        if let score = filter.score {
            conditions += " AND qualification_score BETWEEN ? AND ?"
            arguments += [score.lowerBound, score.upperBound]
            countSQL = "SELECT COUNT(*) FROM leads WHERE " + conditions
        }
        let pageSQL = "SELECT * FROM leads WHERE \(conditions) ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
        let countArguments = arguments
        let countQuery = countSQL
        let pageArguments = arguments + [page.limit, page.offset]
        return try await pool.read { db in
            let total = try Int.fetchOne(db.cachedStatement(sql: countQuery), arguments: countArguments) ?? 0
            let items = try Lead.fetchAll(db.cachedStatement(sql: pageSQL), arguments: pageArguments)
            return Page(items: items, total: total)
        }
    }

    /// Inserts a new lead; a phone number the business already has a lead for is a conflict.
    func insert(_ lead: Lead) async throws {
        try await write { db in try lead.insertRow(db) }
    }

    func update(_ lead: Lead) async throws {
        try await write { db in try lead.updateRow(db) }
    }

    func delete(_ id: LeadID) async throws {
        _ = try await pool.write { db in try Lead.deleteOne(db, key: id.rawValue) }
    }

    /// Whether the lead has an appointment that still holds its slot.
    func hasLiveAppointment(_ id: LeadID) async throws -> Bool {
        try await pool.read { db in
            try Appointment.filter(Appointment.Columns.leadId == id && Appointment.Columns.status != AppointmentStatus.cancelled)
                .fetchCount(db) > 0
        }
    }

    /// Scored leads of a business created in `[from, to)`, best first.
    func scored(business: BusinessID, from: Date?, to: Date?) async throws -> [Lead] {
        try await pool.read { db in
            var request = Lead.filter(Lead.Columns.businessId == business && Lead.Columns.qualificationScore != nil)
            if let from { request = request.filter(Lead.Columns.createdAt >= from) }
            if let to { request = request.filter(Lead.Columns.createdAt < to) }
            return try request.order(Lead.Columns.qualificationScore.desc, Lead.Columns.createdAt.desc).fetchAll(db)
        }
    }

    /// Counts by status of leads created in `[from, to)`, and those created since `today`.
    func counts(business: BusinessID, from: Date?, to: Date?, today: Date) async throws -> LeadCounts {
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
            throw StoreError.duplicate(
                message: "This business already has a lead with this phone number", field: "phone",
                problem: "already belongs to another lead of this business")
        }
    }
}

