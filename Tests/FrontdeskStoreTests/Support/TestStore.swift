import Foundation
import FrontdeskCore
@testable import FrontdeskStore
import FrontdeskTestSupport
import GRDB
import Logging
import PostgresNIO
import Testing

/// The two engines every repository test runs on.
enum Engine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { self == .sqlite ? "SQLite" : "PostgreSQL" }
}

/// A fresh, empty database — a SQLite file in a temporary folder, or a new database on a local
/// PostgreSQL server — opened through the same `Store.open` the server uses.
final class TestStore: Sendable {
    let engine: Engine
    let store: Store
    let location: StoreLocation
    let folder: URL
    let postgresURL: String?
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    private init(engine: Engine, store: Store, location: StoreLocation, folder: URL, postgresURL: String?) {
        self.engine = engine
        self.store = store
        self.location = location
        self.folder = folder
        self.postgresURL = postgresURL
    }

    static func open(_ engine: Engine) async throws -> TestStore {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("frontdesk-store-\(UUID().uuidString)")
        var url: String?
        let location: StoreLocation
        switch engine {
        case .sqlite:
            location = .sqlite(path: folder.appendingPathComponent("db/test.sqlite").path)
        case .postgres:
            url = try await LocalPostgres.shared.createDatabase()
            location = try StoreLocation(databaseURL: url, sqlitePath: "")
        }
        let store = try await Store.open(location, logger: Logger(label: "store-tests"))
        return TestStore(engine: engine, store: store, location: location, folder: folder, postgresURL: url)
    }

    /// The same database opened again (another process, or another instance).
    func reopen() async throws -> Store {
        try await Store.open(location, logger: Logger(label: "store-tests"))
    }

    func close() async {
        await store.close()
        if let postgresURL { await LocalPostgres.shared.dropDatabase(postgresURL) }
        try? FileManager.default.removeItem(at: folder)
    }

    /// Runs SQL behind the repositories' back (a row written by hand or by an older build).
    func execute(sqlite: String, postgres: String) async throws {
        switch engine {
        case .sqlite: try await store.pool.write { db in try db.execute(sql: sqlite) }
        case .postgres: try await store.postgres!.execute(PostgresQuery(unsafeSQL: postgres))
        }
    }

    /// A number read with SQL that means the same on both engines.
    func count(_ sql: String) async throws -> Int {
        switch engine {
        case .sqlite: try await store.pool.read { db in try Int.fetchOne(db, sql: sql) ?? 0 }
        case .postgres: try await store.postgres!.row(PostgresQuery(unsafeSQL: sql)).map { try $0.decode(Int.self) } ?? 0
        }
    }

    func business(hours: BusinessSettings = .default, name: String = "Acme") async throws -> (User, Business) {
        let user = User(
            id: .generate(), email: EmailAddress("owner-\(UUID().uuidString.prefix(8))@example.com")!, passwordHash: "x",
            firstName: nil, lastName: nil, createdAt: now, updatedAt: now)
        let business = Business(id: .generate(), name: name, settings: hours, createdAt: now, updatedAt: now)
        try await store.users.register(user, business: business)
        return (user, business)
    }

    func appointment(_ business: Business, at start: Date, minutes: Int = 30, lead: LeadID? = nil) -> Appointment {
        Appointment(
            id: .generate(), businessId: business.id, leadId: lead, scheduledDate: start, duration: minutes,
            status: .scheduled, type: nil, notes: nil, price: nil, createdAt: now, updatedAt: now)
    }

    func lead(_ business: Business, phone: String?, status: LeadStatus = .new, source: LeadSource = .call, at time: Date? = nil) -> Lead {
        Lead(
            id: .generate(), businessId: business.id, phone: phone.flatMap(PhoneNumber.init), name: nil, email: nil, status: status,
            source: source, notes: nil, createdAt: time ?? now, updatedAt: time ?? now)
    }

    func call(_ business: Business, providerCallId: String?, lead: LeadID? = nil, at time: Date? = nil) -> Call {
        Call(
            id: .generate(), businessId: business.id, agentId: nil, leadId: lead, phone: PhoneNumber("+15550003333"),
            direction: .inbound, provider: "telnyx", providerCallId: providerCallId, status: .inProgress, duration: nil,
            recordingUrl: nil, outcome: nil, summary: nil, hangupCause: nil, startedAt: time ?? now, endedAt: nil,
            createdAt: time ?? now)
    }
}

/// Opens a fresh store on `engine`, runs `body` and closes it whatever happens.
func withStore(_ engine: Engine, _ body: (TestStore) async throws -> Void) async throws {
    let temp = try await TestStore.open(engine)
    do {
        try await body(temp)
    } catch {
        await temp.close()
        throw error
    }
    await temp.close()
}
