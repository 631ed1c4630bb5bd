import Foundation
import FrontdeskCore
import GRDB

/// The SQLite engine (WAL, foreign keys on, versioned migrations), what its repositories read and
/// write through: reads go to GRDB's readers; writes are group-committed by `GroupCommitWriter`.
struct StoreDatabase: Sendable {
    let pool: DatabasePool
    let writer: GroupCommitWriter
    /// Where lists report rows they could not decode.
    let unreadable: UnreadableRows

    /// Opens (creating when needed) the database file at `path` and migrates it to the latest schema.
    static func open(path: String, unreadable: UnreadableRows) throws -> StoreDatabase {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        configuration.maximumReaderCount = max(4, ProcessInfo.processInfo.activeProcessorCount * 2)
        configuration.prepareDatabase { db in
            // WAL + NORMAL: a committed transaction survives a process crash (kill -9); only an OS crash
            // or power loss can drop the last transactions.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        Telemetry.databasePool(engine: "sqlite", size: configuration.maximumReaderCount + 1)
        try Schema.migrator.migrate(pool)
        return StoreDatabase(pool: pool, writer: GroupCommitWriter(pool: pool), unreadable: unreadable)
    }

    func appliedMigrations() async throws -> [String] {
        try await pool.read { db in try Schema.migrator.appliedIdentifiers(db).sorted() }
    }

    func ping() async throws {
        let expected = Schema.migrator.migrations.count
        let applied = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM grdb_migrations") ?? 0 }
        guard applied == expected else { throw StoreHealthError(applied: applied, expected: expected) }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await Telemetry.database(engine: "sqlite", kind: "read") { try await pool.read(body) }
    }

    /// Runs `body` in a savepoint of the next group transaction; durable (committed) when this returns.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await Telemetry.database(engine: "sqlite", kind: "write") { try await writer.write(body) }
    }
}

/// Group commit for every write: writes that arrive while a transaction is being written go together
/// into the next one, each in a savepoint of its own — a write that fails is rolled back alone and
/// its caller gets the error, the others commit (a write alone in its batch is the transaction). Each
/// caller resumes only after the commit, so a returned write is as durable as a transaction of its
/// own. With many calls live this turns one transaction, one hop to the writer's queue and back and
/// one WAL commit per write into one per batch (a call's start, its transcript turns and its end are
/// separate writes).
final class GroupCommitWriter: Sendable {
    private struct Job: Sendable {
        /// Runs the write — in a savepoint of its own when it shares the transaction, so that its
        /// failure is its own; alone, its error rolls the transaction back — and returns how to resume
        /// its caller once the batch is committed.
        let perform: @Sendable (Database, _ shared: Bool) throws -> @Sendable () -> Void
        /// Resumes the caller with an error when the batch could not be committed.
        let fail: @Sendable (any Error) -> Void
    }

    private let jobs: BatchQueue<Job>

    init(pool: DatabasePool) {
        jobs = BatchQueue { batch in
            do {
                // A batch of one needs no savepoint (GRDB prepares its SQL anew each time).
                let shared = batch.count > 1
                let resumes = try await pool.write { db in try batch.map { try $0.perform(db, shared) } }
                for resume in resumes { resume() }
            } catch {
                for job in batch { job.fail(error) }
            }
        }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                perform: { db, shared in
                    guard shared else {
                        let value = try body(db)
                        return { continuation.resume(returning: value) }
                    }
                    let result: Result<T, any Error>
                    do {
                        var value: T?
                        try db.inSavepoint {
                            value = try body(db)
                            return .commit
                        }
                        result = value.map { .success($0) } ?? .failure(DatabaseError(message: "the write returned nothing"))
                    } catch {
                        result = .failure(error)
                    }
                    return { continuation.resume(with: result) }
                },
                fail: { error in continuation.resume(throwing: error) })
            jobs.add(job)
        }
    }
}

extension DatabaseError {
    /// Whether this is a UNIQUE constraint violation.
    var isUniqueViolation: Bool { extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE }
}
