import Foundation
import FrontdeskCore
import PostgresNIO

struct PostgresAgentRepository: AgentRepository {
    let db: PostgresDatabase
    let caches: StoreCaches

    func find(_ id: AgentID) async throws -> Agent? {
        try Agent.decode(try await db.row("SELECT \(unescaped: Agent.selectList) FROM agents WHERE id = \(id.rawValue)"))
    }

    func find(phoneNumber number: PhoneNumber) async throws -> Agent? {
        if let cached = caches.routing.agent(number) { return cached }
        let generation = caches.routing.generation
        let agent = try Agent.decode(
            try await db.row("SELECT \(unescaped: Agent.selectList) FROM agents WHERE phone_number = \(number.e164)"))
        caches.routing.remember(agent, for: number, readAt: generation)
        return agent
    }

    func list(business: BusinessID, status: AgentStatus?, page: PageRequest) async throws -> Page<Agent> {
        var binds = PostgresBindings()
        binds.append(business.rawValue)
        var condition = "business_id = $1"
        if let status {
            condition += " AND status = $2"
            binds.append(status.rawValue)
        }
        let total = try await db.row(PostgresQuery(unsafeSQL: "SELECT count(*) FROM agents WHERE \(condition)", binds: binds))
            .map { try $0.decode(Int.self) } ?? 0
        let rows = try await db.rows(
            Agent.select("WHERE \(condition) ORDER BY created_at DESC, id DESC LIMIT \(page.limit) OFFSET \(page.offset)", binds))
        return Page(items: try Agent.decodeAll(rows, reporting: db.unreadable), total: total)
    }

    func save(_ agent: Agent) async throws {
        defer { caches.routing.clear() }
        do {
            try await db.transaction { db in
                try await db.execute(try agent.upsertQuery())
                try await db.notifyCaches("routing")
            }
        } catch let error as PSQLError where error.isUniqueViolation {
            throw StoreError.duplicate(
                message: "Another agent already answers this phone number", field: "phone_number",
                problem: "is already used by another agent")
        }
    }

    func delete(_ id: AgentID) async throws {
        defer { caches.routing.clear() }
        try await db.transaction { db in
            try await db.execute("DELETE FROM agents WHERE id = \(id.rawValue)")
            try await db.notifyCaches("routing")
        }
    }

    func callsSince(_ id: AgentID, since: Date) async throws -> Int {
        try await db.row("SELECT count(*) FROM calls WHERE agent_id = \(id.rawValue) AND started_at >= \(since.storedInstant)")
            .map { try $0.decode(Int.self) } ?? 0
    }
}

struct PostgresLeadRepository: LeadRepository {
    let db: PostgresDatabase

    func find(_ id: LeadID) async throws -> Lead? {
        try Lead.decode(try await db.row("SELECT \(unescaped: Lead.selectList) FROM leads WHERE id = \(id.rawValue)"))
    }

    func find(phone: PhoneNumber, in business: BusinessID) async throws -> Lead? {
        try Lead.decode(
            try await db.row(
                "SELECT \(unescaped: Lead.selectList) FROM leads WHERE business_id = \(business.rawValue) AND phone = \(phone.e164)"))
    }

    func list(_ filter: LeadFilter, page: PageRequest) async throws -> Page<Lead> {
        if let phone = filter.phone {
            let matches = try await find(phone: phone, in: filter.business).map { [$0] } ?? []
            let kept = matches.filter(filter.keeps)
            return Page(items: page.offset == 0 ? kept : [], total: kept.count)
        }
        var binds = PostgresBindings()
        binds.append(filter.business.rawValue)
        var condition = "business_id = $1"
        if let status = filter.status {
            binds.append(status.rawValue)
            condition += " AND status = $\(binds.count)"
        }
        if let source = filter.source {
            binds.append(source.rawValue)
            condition += " AND source = $\(binds.count)"
        }
        // The counter table has no scores: a score filter counts the leads themselves.
        var countSQL = "SELECT COALESCE(SUM(n), 0)::bigint FROM lead_counts WHERE \(condition)"
        if let score = filter.score {
            binds.append(score.lowerBound)
            binds.append(score.upperBound)
            condition += " AND qualification_score BETWEEN $\(binds.count - 1) AND $\(binds.count)"
            countSQL = "SELECT count(*) FROM leads WHERE \(condition)"
        }
        let total = try await db.row(PostgresQuery(unsafeSQL: countSQL, binds: binds)).map { try $0.decode(Int.self) } ?? 0
        let rows = try await db.rows(
            Lead.select("WHERE \(condition) ORDER BY created_at DESC, id DESC LIMIT \(page.limit) OFFSET \(page.offset)", binds))
        return Page(items: try Lead.decodeAll(rows, reporting: db.unreadable), total: total)
    }

    func insert(_ lead: Lead) async throws {
        try await writing { try await db.execute(try lead.insertQuery()) }
    }

    func update(_ lead: Lead) async throws {
        try await writing {
            guard try await db.row(try lead.updateQuery()) != nil else { throw RecordNotFound(table: "leads") }
        }
    }

    func delete(_ id: LeadID) async throws {
        try await db.execute("DELETE FROM leads WHERE id = \(id.rawValue)")
    }

    func hasLiveAppointment(_ id: LeadID) async throws -> Bool {
        try await db.row("SELECT EXISTS(SELECT 1 FROM appointments WHERE lead_id = \(id.rawValue) AND status <> 'cancelled')")
            .map { try $0.decode(Bool.self) } ?? false
    }

    func scored(business: BusinessID, from: Date?, to: Date?) async throws -> [Lead] {
        try Lead.decodeAll(
            try await db.rows(
                """
                SELECT \(unescaped: Lead.selectList) FROM leads
                WHERE business_id = \(business.rawValue) AND qualification_score IS NOT NULL
                  AND created_at >= \((from ?? .distantPast).storedInstant) AND created_at < \((to ?? .distantFuture).storedInstant)
                ORDER BY qualification_score DESC, created_at DESC
                """), reporting: db.unreadable)
    }

    func counts(business: BusinessID, from: Date?, to: Date?, today: Date) async throws -> LeadCounts {
        let row = try await db.row(
            """
            SELECT count(*),
                   count(*) FILTER (WHERE created_at >= \(today.storedInstant)),
                   count(*) FILTER (WHERE status = 'qualified'),
                   count(*) FILTER (WHERE status = 'converted')
            FROM leads WHERE business_id = \(business.rawValue)
              AND created_at >= \((from ?? .distantPast).storedInstant) AND created_at < \((to ?? .distantFuture).storedInstant)
            """)
        let (total, newToday, qualified, converted) = try row?.decode((Int, Int, Int, Int).self) ?? (0, 0, 0, 0)
        return LeadCounts(total: total, newToday: newToday, qualified: qualified, converted: converted)
    }

    private func writing(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as PSQLError where error.isUniqueViolation {
            throw StoreError.duplicate(
                message: "This business already has a lead with this phone number", field: "phone",
                problem: "already belongs to another lead of this business")
        }
    }
}

struct PostgresAppointmentRepository: AppointmentRepository {
    let db: PostgresDatabase

    func find(_ id: AppointmentID) async throws -> Appointment? {
        try Appointment.decode(try await db.row("SELECT \(unescaped: Appointment.selectList) FROM appointments WHERE id = \(id.rawValue)"))
    }

    func list(_ filter: AppointmentFilter, page: PageRequest) async throws -> Page<Appointment> {
        var binds = PostgresBindings()
        binds.append(filter.business.rawValue)
        var condition = "business_id = $1"
        if let status = filter.status {
            binds.append(status.rawValue)
            condition += " AND status = $\(binds.count)"
        }
        if let lead = filter.leadId {
            binds.append(lead.rawValue)
            condition += " AND lead_id = $\(binds.count)"
        }
        if let from = filter.from {
            binds.append(from.storedInstant)
            condition += " AND scheduled_date >= $\(binds.count)"
        }
        if let to = filter.to {
            binds.append(to.storedInstant)
            condition += " AND scheduled_date < $\(binds.count)"
        }
        let total = try await db.row(PostgresQuery(unsafeSQL: "SELECT count(*) FROM appointments WHERE \(condition)", binds: binds))
            .map { try $0.decode(Int.self) } ?? 0
        let rows = try await db.rows(
            Appointment.select("WHERE \(condition) ORDER BY scheduled_date, id LIMIT \(page.limit) OFFSET \(page.offset)", binds))
        return Page(items: try Appointment.decodeAll(rows, reporting: db.unreadable), total: total)
    }

    func live(business: BusinessID, from: Date, to: Date) async throws -> [Appointment] {
        try await Self.live(db.rows, business: business, from: from, to: to, excluding: nil)
    }

    /// Booking across instances: a transaction-scoped advisory lock per business makes bookings of one
    /// business take turns (on every instance), so the check below sees every booking committed before
    /// it; the exclusion constraint is the backstop for overlaps written any other way.
    func save(_ appointment: Appointment, rules: BookingRules, hours: OpeningHours) async throws {
        do {
            try await db.transaction { db in
                try await db.execute("SELECT pg_advisory_xact_lock(hashtext(\(appointment.businessId.rawValue)))")
                if appointment.status.holdsSlot {
                    try await Self.checkSlotIsFree(appointment, rules: rules, hours: hours, rows: db.rows)
                }
                try await db.execute(try appointment.upsertQuery())
            }
        } catch let error as PSQLError where error.isExclusionViolation || error.isUniqueViolation {
            throw StoreError.slotTaken("That time is already booked")
        }
    }

    func nextLive(lead: LeadID, after now: Date) async throws -> Appointment? {
        try Appointment.decode(
            try await db.row(
                """
                SELECT \(unescaped: Appointment.selectList) FROM appointments
                WHERE lead_id = \(lead.rawValue) AND status <> 'cancelled' AND scheduled_date > \(now.storedInstant)
                ORDER BY scheduled_date LIMIT 1
                """))
    }

    func setStatus(_ id: AppointmentID, _ status: AppointmentStatus, at now: Date) async throws {
        do {
            try await db.execute(
                "UPDATE appointments SET status = \(status.rawValue), updated_at = \(now.storedInstant) WHERE id = \(id.rawValue)")
        } catch let error as PSQLError where error.isExclusionViolation {
            throw StoreError.slotTaken("That time is already booked")
        }
    }

    func counts(business: BusinessID, from: Date?, to: Date?, todayStart: Date, todayEnd: Date) async throws -> AppointmentCounts {
        let row = try await db.row(
            """
            SELECT count(*),
                   count(*) FILTER (WHERE scheduled_date >= \(todayStart.storedInstant) AND scheduled_date < \(todayEnd.storedInstant)
                                    AND status <> 'cancelled'),
                   count(*) FILTER (WHERE status = 'completed'),
                   count(*) FILTER (WHERE status = 'cancelled')
            FROM appointments WHERE business_id = \(business.rawValue)
              AND scheduled_date >= \((from ?? .distantPast).storedInstant) AND scheduled_date < \((to ?? .distantFuture).storedInstant)
            """)
        let (total, today, completed, cancelled) = try row?.decode((Int, Int, Int, Int).self) ?? (0, 0, 0, 0)
        return AppointmentCounts(total: total, scheduledToday: today, completed: completed, cancelled: cancelled)
    }

    func revenue(business: BusinessID, from: Date?, to: Date?) async throws -> Int {
        try await db.row(
            """
            SELECT COALESCE(SUM(price), 0)::bigint FROM appointments
            WHERE business_id = \(business.rawValue) AND status = 'completed'
              AND scheduled_date >= \((from ?? .distantPast).storedInstant) AND scheduled_date < \((to ?? .distantFuture).storedInstant)
            """
        ).map { try $0.decode(Int.self) } ?? 0
    }

    typealias Rows = (PostgresQuery) async throws -> [PostgresRow]

    static func live(_ rows: Rows, business: BusinessID, from: Date, to: Date, excluding: AppointmentID?) async throws
        -> [Appointment]
    {
        try Appointment.decodeAll(
            try await rows(
                """
                SELECT \(unescaped: Appointment.selectList) FROM appointments
                WHERE business_id = \(business.rawValue) AND status <> 'cancelled'
                  AND scheduled_date >= \(from.storedInstant) AND scheduled_date < \(to.storedInstant)
                  AND id <> \(excluding?.rawValue ?? "")
                ORDER BY scheduled_date
                """), reporting: nil)
    }

    /// The same rule as SQLite's (`SQLiteAppointmentRepository.checkSlotIsFree`), read in the booking's transaction.
    static func checkSlotIsFree(_ new: Appointment, rules: BookingRules, hours: OpeningHours, rows: Rows) async throws {
        let padding = TimeInterval((rules.bufferBefore + rules.bufferAfter) * 60)
        let nearby = try await live(
            rows, business: new.businessId, from: new.scheduledDate.addingTimeInterval(-86_400 - padding),
            to: new.endDate.addingTimeInterval(padding), excluding: new.id)
        let before = TimeInterval(rules.bufferBefore * 60)
        let after = TimeInterval(rules.bufferAfter * 60)
        if nearby.contains(where: { other in
            new.scheduledDate.addingTimeInterval(-before) < other.endDate.addingTimeInterval(after)
                && other.scheduledDate.addingTimeInterval(-before) < new.endDate.addingTimeInterval(after)
        }) {
            throw StoreError.slotTaken("That time is already booked")
        }
        if let maxPerDay = rules.maxPerDay {
            let day = hours.localDate(of: new.scheduledDate)
            let sameDay = try await live(
                rows, business: new.businessId, from: hours.startOfDay(day), to: hours.startOfDay(day.adding(days: 1)),
                excluding: new.id)
            if sameDay.count >= maxPerDay {
                throw StoreError.slotTaken("That day is fully booked")
            }
        }
    }
}
