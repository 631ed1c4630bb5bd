import Foundation
import FrontdeskCore
import PostgresNIO

extension Job {
    init?(postgresRow row: PostgresRow) throws {
        var cursor = RowCursor(row)
        let id: JobID = try cursor.id()
        let business: BusinessID = try cursor.id()
        let kind = JobKind(rawValue: try cursor.next(String.self))
        let key = try cursor.next(String.self)
        let payload = try cursor.next(String.self)
        let due = try cursor.date()
        let status = JobStatus(rawValue: try cursor.next(String.self))
        let attempts = try cursor.next(Int.self)
        let lease = try cursor.optionalDate()
        let result = try cursor.next(String?.self)
        let created = try cursor.date()
        let finished = try cursor.optionalDate()
        guard let kind, let status else { return nil }
        self.init(
            id: id, businessId: business, kind: kind, key: key, payload: payload, dueAt: due, status: status, attempts: attempts,
            leaseUntil: lease, result: result, createdAt: created, finishedAt: finished)
    }

    var postgresInsert: PostgresQuery {
        """
        INSERT INTO jobs (\(unescaped: Self.columns)) VALUES (
          \(id.rawValue), \(businessId.rawValue), \(kind.rawValue), \(key), \(payload), \(dueAt.storedInstant), \(status.rawValue),
          \(attempts), \(leaseUntil?.storedInstant), \(result), \(createdAt.storedInstant), \(finishedAt?.storedInstant))
        ON CONFLICT (key) DO NOTHING RETURNING 1
        """
    }
}

struct PostgresJobRepository: JobRepository {
    let db: PostgresDatabase

    func schedule(_ jobs: [Job]) async throws -> [Job] {
        guard !jobs.isEmpty else { return [] }
        return try await db.transaction { db in
            var stored: [Job] = []
            for job in jobs where !(try await db.rows(job.postgresInsert)).isEmpty { stored.append(job) }
            return stored
        }
    }

    func unplannedEvents(limit: Int) async throws -> [DomainEvent] {
        try await db.rows(
            "SELECT \(unescaped: DomainEvent.postgresColumns) FROM events WHERE NOT planned ORDER BY seq LIMIT \(limit)"
        ).compactMap { try DomainEvent(postgresRow: $0) }
    }

    func plan(_ jobs: [Job], events: [EventSequence]) async throws -> Int {
        try await db.transaction { db in
            var stored = 0
            for job in jobs where !(try await db.rows(job.postgresInsert)).isEmpty { stored += 1 }
            if !events.isEmpty { try await db.execute("UPDATE events SET planned = true WHERE seq = ANY(\(events.map(\.value)))") }
            return stored
        }
    }

    func claimDue(now: Date, lease: Duration, limit: Int) async throws -> [Job] {
        let until = now.addingTimeInterval(Double(lease.components.seconds) + Double(lease.components.attoseconds) / 1e18)
        let rows = try await db.rows(
            """
            UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = \(until.storedInstant)
            WHERE id IN (
              SELECT id FROM jobs
              WHERE (status = 'pending' AND due_at <= \(now.storedInstant)) OR (status = 'running' AND lease_until <= \(now.storedInstant))
              ORDER BY due_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING \(unescaped: Job.columns)
            """)
        return try rows.compactMap { try Job(postgresRow: $0) }.sorted { $0.dueAt < $1.dueAt }
    }

    func finish(_ id: JobID, attempt: Int, status: JobStatus, result: String?, now: Date) async throws -> Bool {
        try await db.row(
            """
            UPDATE jobs SET status = \(status.rawValue), result = \(result), finished_at = \(now.storedInstant), lease_until = NULL
            WHERE id = \(id.rawValue) AND attempts = \(attempt) AND status = 'running' RETURNING 1
            """) != nil
    }

    func retry(_ id: JobID, attempt: Int, at: Date, error: String) async throws -> Bool {
        try await db.row(
            """
            UPDATE jobs SET status = 'pending', due_at = \(at.storedInstant), result = \(error), lease_until = NULL
            WHERE id = \(id.rawValue) AND attempts = \(attempt) AND status = 'running' RETURNING 1
            """) != nil
    }

    func find(_ id: JobID) async throws -> Job? {
        guard let row = try await db.row("SELECT \(unescaped: Job.columns) FROM jobs WHERE id = \(id.rawValue)") else { return nil }
        return try Job(postgresRow: row)
    }

    func list(_ filter: JobFilter, page: PageRequest) async throws -> Page<Job> {
        var binds = PostgresBindings()
        binds.append(filter.business.rawValue)
        var condition = "business_id = $1"
        if let status = filter.status {
            binds.append(status.rawValue)
            condition += " AND status = $\(binds.count)"
        }
        if let kind = filter.kind {
            binds.append(kind.rawValue)
            condition += " AND kind = $\(binds.count)"
        }
        let total = try await db.row(PostgresQuery(unsafeSQL: "SELECT count(*) FROM jobs WHERE \(condition)", binds: binds))
            .map { try $0.decode(Int.self) } ?? 0
        let rows = try await db.rows(
            PostgresQuery(
                unsafeSQL: "SELECT \(Job.columns) FROM jobs WHERE \(condition) ORDER BY due_at, id LIMIT \(page.limit) OFFSET \(page.offset)",
                binds: binds))
        return Page(items: try rows.compactMap { try Job(postgresRow: $0) }, total: total)
    }

    func nextDue() async throws -> Date? {
        try await db.row(
            """
            SELECT least((SELECT min(due_at) FROM jobs WHERE status = 'pending'), (SELECT min(lease_until) FROM jobs WHERE status = 'running'))
            """
        ).flatMap { try $0.decode(Date?.self) }
    }

    func openCount() async throws -> Int {
        try await db.row("SELECT count(*) FROM jobs WHERE status IN ('pending','running')").map { try $0.decode(Int.self) } ?? 0
    }
}
