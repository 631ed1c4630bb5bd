import Foundation
import FrontdeskCore
import Logging
import PostgresNIO
import Synchronization

/// The PostgreSQL engine: a pool of connections (PostgresNIO's client) and a connection that listens
/// for the other instances' changes to what this process caches. Every repository statement goes
/// through `rows`, `execute` or `transaction`; a failure in a transaction rolls it back whole.
package final class PostgresDatabase: Sendable {
    let client: PostgresClient
    let logger: Logger
    let unreadable: UnreadableRows
    private let runner: Task<Void, Never>
    private let listener: Task<Void, Never>
    /// Set by `close`: a statement asked for afterwards fails at once. (PostgresNIO queues a lease made
    /// while its pool is not running and never answers it: a background service still querying while a
    /// cancelled application closes the store would otherwise wait forever.)
    private let closed = Atomic<Bool>(false)
    /// Statements and transactions under way: `close` lets them finish before it stops the pool.
    private let inFlight = Atomic<Int>(0)

    /// What a statement asked for after `close` throws.
    struct Closed: Error, CustomStringConvertible {
        var description: String { "the PostgreSQL store is closed" }
    }

    /// Runs `work` as one operation of the open store (counted, so `close` waits for it).
    private func operation<T>(_ work: () async throws -> T) async throws -> T {
        inFlight.add(1, ordering: .acquiringAndReleasing)
        defer { inFlight.subtract(1, ordering: .acquiringAndReleasing) }
        if closed.load(ordering: .acquiring) { throw Closed() }
        return try await work()
    }

    /// The channel writes that change cached rows notify: `memberships`, `routing`, `revoke <user> <session>`,
    /// `revoke-all <user>`.
    static let cacheChannel = "frontdesk_cache"

    /// Yields once the pool's `run()` is being entered (a lease before that is queued, with a warning).
    private let running: AsyncStream<Void>

    private init(client: PostgresClient, caches: StoreCaches, unreadable: UnreadableRows, logger: Logger) {
        self.client = client
        self.logger = logger
        self.unreadable = unreadable
        let (running, started) = AsyncStream.makeStream(of: Void.self)
        let (listening, listenerMayStart) = AsyncStream.makeStream(of: Void.self)
        self.running = running
        runner = Task {
            started.finish()
            listenerMayStart.finish()
            await client.run()
        }
        listener = Task {
            for await _ in listening {}
            try? await Task.sleep(for: .milliseconds(20))
            await Self.listen(client: client, caches: caches, logger: logger)
        }
    }

    /// Connects, waits until the server answers, and migrates the schema (one instance at a time).
    static func open(_ settings: PostgresSettings, caches: StoreCaches, unreadable: UnreadableRows, logger: Logger)
        async throws -> PostgresDatabase
    {
        var configuration: PostgresClient.Configuration
        let tls: PostgresClient.Configuration.TLS =
            switch settings.tls {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        if let socket = settings.socketPath {
            configuration = PostgresClient.Configuration(
                unixSocketPath: socket, username: settings.username, password: settings.password, database: settings.database)
        } else {
            configuration = PostgresClient.Configuration(
                host: settings.host, port: settings.port, username: settings.username, password: settings.password,
                database: settings.database, tls: tls)
        }
        configuration.options.maximumConnections = settings.maximumConnections
        configuration.options.minimumConnections = 2
        configuration.options.connectTimeout = .seconds(10)
        Telemetry.databasePool(engine: "postgresql", size: settings.maximumConnections)
        let database = PostgresDatabase(
            client: PostgresClient(configuration: configuration, backgroundLogger: logger), caches: caches,
            unreadable: unreadable, logger: logger)
        // The pool queues a lease made before its `run()` is entered, but logs a warning for it: wait
        // until the runner has started, and a moment more for `run()` to be under way (once, at start).
        for await _ in database.running {}
        try? await Task.sleep(for: .milliseconds(20))
        do {
            try await PostgresSchema.migrate(database)
        } catch {
            await database.close()
            throw error
        }
        return database
    }

    /// Refuses new statements, lets those under way finish (up to 10 s: the pool must still run for
    /// them), then ends the pool and the listener.
    func close() async {
        closed.store(true, ordering: .releasing)
        // In a task of its own: `close` is often called from a cancelled one, where sleeping returns at once.
        await Task { [self] in
            let deadline = ContinuousClock.now + .seconds(10)
            while inFlight.load(ordering: .acquiring) > 0, ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }.value
        listener.cancel()
        runner.cancel()
        _ = await runner.value
    }

    // MARK: Statements

    /// Runs one statement on a pooled connection and returns every row.
    package func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await operation {
            try await Telemetry.database(engine: "postgresql", kind: "statement") {
                try await client.query(query, logger: logger).collect()
            }
        }
    }

    /// The first row, if any.
    package func row(_ query: PostgresQuery) async throws -> PostgresRow? {
        try await rows(query).first
    }

    /// Runs one statement (its own transaction).
    package func execute(_ query: PostgresQuery) async throws {
        _ = try await rows(query)
    }

    /// Runs `body` in one transaction on one connection: committed when it returns, rolled back whole
    /// when it throws (the error is the body's own). A serialization failure or a deadlock is retried.
    func transaction<T: Sendable>(
        isolation: IsolationLevel = .readCommitted, _ body: (Transaction) async throws -> T
    ) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await operation {
                  try await Telemetry.database(engine: "postgresql", kind: "transaction") {
                    try await client.withConnection { connection in
                      let transaction = Transaction(connection: connection, logger: logger)
                      try await transaction.execute(isolation.begin)
                      do {
                          let value = try await body(transaction)
                          try await transaction.execute("COMMIT")
                          return value
                      } catch {
                          _ = try? await transaction.execute("ROLLBACK")
                          throw error
                      }
                    }
                  }
                }
            } catch let error as PSQLError where error.isRetryable && attempt < 10 {
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 * attempt))))
            }
        }
    }

    enum IsolationLevel {
        case readCommitted, serializable

        var begin: PostgresQuery {
            switch self {
            case .readCommitted: "BEGIN"
            case .serializable: "BEGIN ISOLATION LEVEL SERIALIZABLE"
            }
        }
    }

    /// One connection inside an open transaction.
    struct Transaction {
        let connection: PostgresConnection
        let logger: Logger

        func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
            try await connection.query(query, logger: logger).collect()
        }

        func row(_ query: PostgresQuery) async throws -> PostgresRow? {
            try await rows(query).first
        }

        func execute(_ query: PostgresQuery) async throws {
            _ = try await connection.query(query, logger: logger).collect()
        }

        /// Tells every instance (this one too) to forget cached rows, when the transaction commits.
        func notifyCaches(_ what: String) async throws {
            try await execute("SELECT pg_notify(\(PostgresDatabase.cacheChannel), \(what))")
        }
    }

    // MARK: Health and schema

    func appliedMigrations() async throws -> [String] {
        // In the order they are defined (`pg10` after `pg9`, not after `pg1` as text sorts).
        let order = Dictionary(uniqueKeysWithValues: PostgresSchema.migrations.enumerated().map { ($1.id, $0) })
        return try await rows("SELECT id FROM frontdesk_migrations").map { try $0.decode(String.self) }
            .sorted { (order[$0] ?? .max, $0) < (order[$1] ?? .max, $1) }
    }

    func ping() async throws {
        let applied = try await row("SELECT count(*) FROM frontdesk_migrations").map { try $0.decode(Int.self) } ?? 0
        guard applied == PostgresSchema.migrations.count else {
            throw StoreHealthError(applied: applied, expected: PostgresSchema.migrations.count)
        }
    }

    func sharedSecret(_ name: String, make: () -> String) async throws -> String {
        try await execute(
            "INSERT INTO frontdesk_secrets (name, value, created_at) VALUES (\(name), \(make()), now()) ON CONFLICT DO NOTHING")
        guard let value = try await row("SELECT value FROM frontdesk_secrets WHERE name = \(name)").map({ try $0.decode(String.self) })
        else { throw RecordNotFound(table: "frontdesk_secrets") }
        return value
    }

    // MARK: Other instances' changes

    /// Listens on `cacheChannel` for as long as the store is open, reconnecting after a lost connection;
    /// while it cannot listen, caches are cleared every time it tries (nothing stale outlives a second).
    private static func listen(client: PostgresClient, caches: StoreCaches, logger: Logger) async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: cacheChannel) { notifications in
                        // Changes made while nobody listened are unknown: start clean.
                        caches.clearAll()
                        for try await notification in notifications {
                            caches.apply(notification.payload)
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("not listening for other instances' changes; retrying", metadata: ["error": "\(error)"])
            }
            caches.clearAll()
            try? await Task.sleep(for: .seconds(1))
        }
    }
}

extension StoreCaches {
    func clearAll() {
        memberships.clear()
        routing.clear()
        accessStates.clear()
    }

    /// A change another instance (or this one) committed.
    func apply(_ payload: String) {
        let words = payload.split(separator: " ").map(String.init)
        switch words.first {
        case "memberships": memberships.clear()
        case "routing": routing.clear()
        case "revoke" where words.count == 3:
            accessStates.remember(.sessionRevoked, user: UserID(rawValue: words[1]), session: words[2])
        case "revoke-all" where words.count == 2:
            accessStates.revokeAll(user: UserID(rawValue: words[1]))
        case "account-gone" where words.count == 2:
            accessStates.clear()
        default: clearAll()
        }
    }
}

extension PSQLError {
    /// The server's SQLSTATE, when the server answered.
    var sqlState: String? { serverInfo?[.sqlState] }
    var isUniqueViolation: Bool { sqlState == "23505" }
    var isExclusionViolation: Bool { sqlState == "23P01" }
    var isForeignKeyViolation: Bool { sqlState == "23503" }
    /// A serialization failure or a deadlock: the transaction can be run again.
    var isRetryable: Bool { sqlState == "40001" || sqlState == "40P01" }
}
