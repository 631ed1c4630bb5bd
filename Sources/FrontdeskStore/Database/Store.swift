import Foundation
import FrontdeskCore
import GRDB

/// The SQLite database (WAL, foreign keys on, versioned migrations) and its repositories.
/// The rest of the code sees repositories of domain types, never SQL.
public final class Store: Sendable {
    /// For the store's own tests (schema checks, rows written behind the repositories' back); the
    /// product reaches the database only through repositories.
    package let pool: DatabasePool
    /// The repositories' access: GRDB's readers, and writes group-committed.
    let database: StoreDatabase
    let memberships = MembershipCache()
    let routing = RoutingCache()
    let accessStates = AccessStateCache()
    /// Rows lists skipped because they could not be decoded (the application logs each).
    public let unreadableRows = UnreadableRows()

    public var users: UserRepository { UserRepository(pool: database, memberships: memberships) }
    public var businesses: BusinessRepository { BusinessRepository(pool: database, memberships: memberships, routing: routing) }
    public var agents: AgentRepository { AgentRepository(pool: database, routing: routing) }
    public var leads: LeadRepository { LeadRepository(pool: database) }
    public var appointments: AppointmentRepository { AppointmentRepository(pool: database) }
    public var calls: CallRepository { CallRepository(pool: database) }
    public var messages: MessageRepository { MessageRepository(pool: database) }
    public var tokens: TokenRepository { TokenRepository(pool: database, cache: accessStates) }
    public var events: ProviderEventRepository { ProviderEventRepository(pool: database) }
    public var idempotency: IdempotencyRepository { IdempotencyRepository(pool: database) }
    public var conversations: ConversationRepository { ConversationRepository(pool: database) }

    /// Opens (creating when needed) the database file at `path` and migrates it to the latest schema.
    public init(path: String) throws {
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
        pool = try DatabasePool(path: path, configuration: configuration)
        try Schema.migrator.migrate(pool)
        database = StoreDatabase(pool: pool, writer: GroupCommitWriter(pool: pool), unreadable: unreadableRows)
    }

    /// The names of the migrations applied so far.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Schema.migrator.appliedIdentifiers(db).sorted() }
    }

    /// A trivial query, for health checks.
    /// Reads the migration table and checks the schema is the one this build expects: a database file
    /// that cannot be read, or one swapped for an older or damaged copy, fails.
    public func ping() async throws {
        let expected = Schema.migrator.migrations.count
        let applied = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM grdb_migrations") ?? 0 }
        guard applied == expected else { throw StoreHealthError(applied: applied, expected: expected) }
    }
}

/// The database answers, but its schema is not the one this build migrated it to.
public struct StoreHealthError: Error, CustomStringConvertible {
    public let applied: Int
    public let expected: Int
    public var description: String { "schema has \(applied) of \(expected) migrations" }
}

/// One page of a list and the total number of matching rows.
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    public let total: Int

    public init(items: [Item], total: Int) {
        self.items = items
        self.total = total
    }
}

/// Which page to read: `page` from 1, `limit` rows.
public struct PageRequest: Sendable, Hashable {
    public let page: Int
    public let limit: Int

    public init(page: Int, limit: Int) {
        self.page = page
        self.limit = limit
    }

    var offset: Int { (page - 1) * limit }
}

extension DatabaseError {
    /// Whether this is a UNIQUE constraint violation.
    var isUniqueViolation: Bool { extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE }
}
