import Foundation
import FrontdeskCore
import GRDB
import Logging

/// The database and its repositories: SQLite in a file (the embedded default, one process) or
/// PostgreSQL (`FRONTDESK_DATABASE_URL=postgres://…`, shared by several instances). The rest of the
/// code sees repositories of domain types, never SQL, and does not know which engine answers.
public final class Store: Sendable {
    public enum Engine: String, Sendable {
        case sqlite, postgres
    }

    public let engine: Engine
    public let users: any UserRepository
    public let businesses: any BusinessRepository
    public let agents: any AgentRepository
    public let leads: any LeadRepository
    public let appointments: any AppointmentRepository
    public let calls: any CallRepository
    public let messages: any MessageRepository
    public let tokens: any TokenRepository
    public let events: any ProviderEventRepository
    public let idempotency: any IdempotencyRepository
    public let conversations: any ConversationRepository
    /// The businesses' events, stored and handed to this process's listeners.
    public let feed: EventFeed
    /// Outbound webhook endpoints and their deliveries.
    public let webhooks: any WebhookRepository
    /// The team's notifications.
    public let notifications: any NotificationRepository
    /// The people a business deals with.
    public let contacts: any ContactRepository
    /// The inbox's threads, one per contact and channel.
    public let inbox: any InboxRepository
    /// Figures across tables for the analytics endpoints.
    public let analytics: any AnalyticsRepository
    /// The durable scheduler's jobs.
    public let jobs: any JobRepository
    /// Workflows and their enrollments.
    public let workflows: any WorkflowRepository
    /// Sales pipelines and their opportunities.
    public let pipelines: any PipelineRepository
    /// Rows lists skipped because they could not be decoded (the application logs each).
    public let unreadableRows: UnreadableRows
    /// Which instance acts on a call's (or a texting pair's) events.
    public let ownership: any KeyOwnership

    private let backend: Backend

    private enum Backend: Sendable {
        case sqlite(StoreDatabase)
        case postgres(PostgresDatabase, PostgresKeyOwnership)
    }

    /// Opens (creating when needed) the SQLite database file at `path` and migrates it to the latest schema.
    public convenience init(path: String) throws {
        let caches = StoreCaches()
        let unreadable = UnreadableRows()
        let database = try StoreDatabase.open(path: path, unreadable: unreadable)
        self.init(
            engine: .sqlite, backend: .sqlite(database), unreadable: unreadable, ownership: LocalKeyOwnership(),
            users: SQLiteUserRepository(pool: database, memberships: caches.memberships),
            businesses: SQLiteBusinessRepository(pool: database, memberships: caches.memberships, routing: caches.routing),
            agents: SQLiteAgentRepository(pool: database, routing: caches.routing),
            leads: SQLiteLeadRepository(pool: database),
            appointments: SQLiteAppointmentRepository(pool: database),
            calls: SQLiteCallRepository(pool: database),
            messages: SQLiteMessageRepository(pool: database),
            tokens: SQLiteTokenRepository(pool: database, cache: caches.accessStates),
            events: SQLiteProviderEventRepository(pool: database),
            idempotency: SQLiteIdempotencyRepository(pool: database),
            conversations: SQLiteConversationRepository(pool: database),
            feed: EventFeed(repository: SQLiteEventFeedRepository(pool: database)),
            webhooks: SQLiteWebhookRepository(pool: database), notifications: SQLiteNotificationRepository(pool: database),
            contacts: SQLiteContactRepository(pool: database), inbox: SQLiteInboxRepository(pool: database),
            analytics: SQLiteAnalyticsRepository(pool: database), jobs: SQLiteJobRepository(pool: database), workflows: SQLiteWorkflowRepository(pool: database),
            pipelines: SQLitePipelineRepository(pool: database))
    }

    /// Opens the database `location` names and migrates it to the latest schema. A PostgreSQL store
    /// keeps a pool of connections and one that listens for the other instances' changes; `close` ends them.
    public static func open(_ location: StoreLocation, logger: Logger) async throws -> Store {
        switch location {
        case .sqlite(let path):
            return try Store(path: path)
        case .postgres(let settings):
            let caches = StoreCaches()
            let unreadable = UnreadableRows()
            let database = try await PostgresDatabase.open(settings, caches: caches, unreadable: unreadable, logger: logger)
            let ownership = PostgresKeyOwnership(client: database.client, logger: logger)
            return Store(
                engine: .postgres, backend: .postgres(database, ownership), unreadable: unreadable, ownership: ownership,
                users: PostgresUserRepository(db: database, caches: caches),
                businesses: PostgresBusinessRepository(db: database, caches: caches),
                agents: PostgresAgentRepository(db: database, caches: caches),
                leads: PostgresLeadRepository(db: database),
                appointments: PostgresAppointmentRepository(db: database),
                calls: PostgresCallRepository(db: database),
                messages: PostgresMessageRepository(db: database),
                tokens: PostgresTokenRepository(db: database, caches: caches),
                events: PostgresProviderEventRepository(db: database),
                idempotency: PostgresIdempotencyRepository(db: database),
                conversations: PostgresConversationRepository(db: database),
                feed: EventFeed(repository: PostgresEventFeedRepository(db: database), logger: logger),
                webhooks: PostgresWebhookRepository(db: database), notifications: PostgresNotificationRepository(db: database),
                contacts: PostgresContactRepository(db: database), inbox: PostgresInboxRepository(db: database),
                analytics: PostgresAnalyticsRepository(db: database), jobs: PostgresJobRepository(db: database), workflows: PostgresWorkflowRepository(db: database),
                pipelines: PostgresPipelineRepository(db: database))
        }
    }

    private init(
        engine: Engine, backend: Backend, unreadable: UnreadableRows, ownership: any KeyOwnership, users: any UserRepository,
        businesses: any BusinessRepository, agents: any AgentRepository, leads: any LeadRepository,
        appointments: any AppointmentRepository, calls: any CallRepository, messages: any MessageRepository,
        tokens: any TokenRepository, events: any ProviderEventRepository, idempotency: any IdempotencyRepository,
        conversations: any ConversationRepository, feed: EventFeed, webhooks: any WebhookRepository,
        notifications: any NotificationRepository, contacts: any ContactRepository, inbox: any InboxRepository,
        analytics: any AnalyticsRepository, jobs: any JobRepository, workflows: any WorkflowRepository,
        pipelines: any PipelineRepository
    ) {
        self.workflows = workflows
        self.pipelines = pipelines
        self.analytics = analytics
        self.jobs = jobs
        self.contacts = contacts
        self.inbox = inbox
        self.engine = engine
        self.backend = backend
        self.unreadableRows = unreadable
        self.ownership = ownership
        self.users = users
        self.businesses = businesses
        self.agents = agents
        self.leads = leads
        self.appointments = appointments
        self.calls = calls
        self.messages = messages
        self.tokens = tokens
        self.events = events
        self.idempotency = idempotency
        self.conversations = conversations
        self.feed = feed
        self.webhooks = webhooks
        self.notifications = notifications
    }

    /// For the store's own tests (schema checks, rows written behind the repositories' back) on SQLite;
    /// the product reaches the database only through repositories.
    package var pool: DatabasePool {
        guard case .sqlite(let database) = backend else { preconditionFailure("not a SQLite store") }
        return database.pool
    }

    /// For the store's own tests of SQLite's group commit.
    var database: StoreDatabase {
        guard case .sqlite(let database) = backend else { preconditionFailure("not a SQLite store") }
        return database
    }

    /// For the store's own tests on PostgreSQL.
    package var postgres: PostgresDatabase? {
        guard case .postgres(let database, _) = backend else { return nil }
        return database
    }

    /// The names of the migrations applied so far.
    public func appliedMigrations() async throws -> [String] {
        switch backend {
        case .sqlite(let database): try await database.appliedMigrations()
        case .postgres(let database, _): try await database.appliedMigrations()
        }
    }

    /// A trivial query, for health checks: reads the migration table and checks the schema is the one
    /// this build expects. A database that cannot be read, or one swapped for an older or damaged copy, fails.
    public func ping() async throws {
        switch backend {
        case .sqlite(let database): try await database.ping()
        case .postgres(let database, _): try await database.ping()
        }
    }

    /// A secret every instance must agree on (the token-signing key when none is configured): made by
    /// the first instance that asks and kept in the database. SQLite keeps such secrets in files instead.
    public func sharedSecret(_ name: String, make: @Sendable () -> String) async throws -> String {
        guard case .postgres(let database, _) = backend else { preconditionFailure("SQLite keeps secrets in files") }
        return try await database.sharedSecret(name, make: make)
    }

    /// Ends the connections (PostgreSQL); SQLite files close when the store is released.
    public func close() async {
        await feed.close()
        switch backend {
        case .sqlite:
            (ownership as? LocalKeyOwnership)?.close()
        case .postgres(let database, let ownership):
            await ownership.close()
            await database.close()
        }
    }
}

/// The database answers, but its schema is not the one this build migrated it to.
public struct StoreHealthError: Error, CustomStringConvertible {
    public let applied: Int
    public let expected: Int
    public var description: String { "schema has \(applied) of \(expected) migrations" }
}

/// What every engine's repositories remember between requests in this process.
final class StoreCaches: Sendable {
    let memberships = MembershipCache()
    let routing = RoutingCache()
    let accessStates = AccessStateCache()
}
