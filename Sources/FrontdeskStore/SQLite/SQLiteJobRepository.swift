import Foundation
import FrontdeskCore
import GRDB

extension Job {
    static let columns = "id, business_id, kind, key, payload, due_at, status, attempts, lease_until, result, created_at, finished_at"

    init?(sqliteRow row: Row) {
        guard let kind = JobKind(rawValue: row["kind"]), let status = JobStatus(rawValue: row["status"]) else { return nil }
        self.init(
            id: JobID(rawValue: row["id"]), businessId: BusinessID(rawValue: row["business_id"]), kind: kind, key: row["key"],
            payload: row["payload"], dueAt: row["due_at"], status: status, attempts: row["attempts"], leaseUntil: row["lease_until"],
            result: row["result"], createdAt: row["created_at"], finishedAt: row["finished_at"])
    }
}

struct SQLiteJobRepository: JobRepository {
    let pool: StoreDatabase

    static func insert(_ db: Database, _ job: Job) throws -> Bool {
        try db.execute(
            sql: "INSERT INTO jobs (\(Job.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
            arguments: [
                job.id.rawValue, job.businessId.rawValue, job.kind.rawValue, job.key, job.payload, job.dueAt, job.status.rawValue,
                job.attempts, job.leaseUntil, job.result, job.createdAt, job.finishedAt,
            ])
        return db.changesCount > 0
    }

    func schedule(_ jobs: [Job]) async throws -> [Job] {
        guard !jobs.isEmpty else { return [] }
        return try await pool.write { db in try jobs.filter { try Self.insert(db, $0) } }
    }

    func unplannedEvents(limit: Int) async throws -> [DomainEvent] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, business_id, type, data, created_at FROM events WHERE planned = 0 ORDER BY seq LIMIT ?",
                arguments: [limit]
            ).compactMap(DomainEvent.init(sqliteRow:))
        }
    }

    func plan(_ jobs: [Job], events: [EventSequence]) async throws -> Int {
        try await pool.write { db in
            let stored = try jobs.filter { try Self.insert(db, $0) }.count
            for chunk in stride(from: 0, to: events.count, by: 500) {
                let part = events[chunk..<min(chunk + 500, events.count)].map(\.value)
                try db.execute(
                    sql: "UPDATE events SET planned = 1 WHERE seq IN (\(part.map { _ in "?" }.joined(separator: ",")))",
                    arguments: StatementArguments(part))
            }
            return stored
        }
    }

    func claimDue(now: Date, lease: Duration, limit: Int) async throws -> [Job] {
        // Asked every few hundred milliseconds: a read answers "nothing due" without a turn at the
        // single writer that calls' own writes queue for.
        let anyDue = try await pool.read { db in
            try Bool.fetchOne(
                db,
                sql: """
                    SELECT EXISTS (SELECT 1 FROM jobs WHERE status = 'pending' AND due_at <= ?)
                      OR EXISTS (SELECT 1 FROM jobs WHERE status = 'running' AND lease_until <= ?)
                    """, arguments: [now, now]) ?? false
        }
        guard anyDue else { return [] }
        let until = now.addingTimeInterval(Double(lease.components.seconds) + Double(lease.components.attoseconds) / 1e18)
        return try await pool.write { db in
            try Row.fetchAll(
                db,
                sql: """
                    UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = ?
                    WHERE id IN (
                      SELECT id FROM jobs WHERE status = 'pending' AND due_at <= ?
                      UNION ALL
                      SELECT id FROM jobs WHERE status = 'running' AND lease_until <= ?
                      LIMIT ?)
                    RETURNING \(Job.columns)
                    """, arguments: [until, now, now, limit]
            ).compactMap(Job.init(sqliteRow:)).sorted { $0.dueAt < $1.dueAt }
        }
    }

    func finish(_ id: JobID, attempt: Int, status: JobStatus, result: String?, now: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET status = ?, result = ?, finished_at = ?, lease_until = NULL
                    WHERE id = ? AND attempts = ? AND status = 'running'
                    """, arguments: [status.rawValue, result, now, id.rawValue, attempt])
            return db.changesCount > 0
        }
    }

    func retry(_ id: JobID, attempt: Int, at: Date, error: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET status = 'pending', due_at = ?, result = ?, lease_until = NULL
                    WHERE id = ? AND attempts = ? AND status = 'running'
                    """, arguments: [at, error, id.rawValue, attempt])
            return db.changesCount > 0
        }
    }

    func find(_ id: JobID) async throws -> Job? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Job.columns) FROM jobs WHERE id = ?", arguments: [id.rawValue]).flatMap(Job.init(sqliteRow:))
        }
    }

    func list(_ filter: JobFilter, page: PageRequest) async throws -> Page<Job> {
        var condition = "business_id = ?"
        var arguments: StatementArguments = [filter.business.rawValue]
        if let status = filter.status {
            condition += " AND status = ?"
            arguments += [status.rawValue]
        }
        if let kind = filter.kind {
            condition += " AND kind = ?"
            arguments += [kind.rawValue]
        }
        return try await pool.read { [condition, arguments] db in
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs WHERE \(condition)", arguments: arguments) ?? 0
            let rows = try Row.fetchAll(
                db, sql: "SELECT \(Job.columns) FROM jobs WHERE \(condition) ORDER BY due_at, id LIMIT ? OFFSET ?",
                arguments: arguments + [page.limit, page.offset])
            return Page(items: rows.compactMap(Job.init(sqliteRow:)), total: total)
        }
    }

    func nextDue() async throws -> Date? {
        try await pool.read { db in
            try Date.fetchOne(
                db,
                sql: """
                    SELECT min(t) FROM (
                      SELECT min(due_at) AS t FROM jobs WHERE status = 'pending'
                      UNION ALL SELECT min(lease_until) FROM jobs WHERE status = 'running')
                    """)
        }
    }

    func openCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs WHERE status IN ('pending','running')") ?? 0 }
    }
}
