import Foundation
import FrontdeskCore
import FrontdeskProviders
@testable import FrontdeskServer
import FrontdeskStore
import FrontdeskTestSupport
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import PostgresNIO
import Synchronization
import Testing

/// The PostgreSQL database of one test application (`FRONTDESK_TEST_ENGINE=postgres`), made when first
/// needed and dropped when the application is done; nil on SQLite.
final class TestDatabase: Sendable {
    private let url = Mutex<String?>(nil)

    func location(sqlitePath: String) async throws -> StoreLocation? {
        guard TestApp.engine == .postgres else { return nil }
        let known = url.withLock { $0 }
        let made: String
        if let known {
            made = known
        } else {
            made = try await LocalPostgres.shared.createDatabase()
            url.withLock { $0 = made }
        }
        return try StoreLocation(databaseURL: made, sqlitePath: sqlitePath)
    }

    func drop() async {
        guard let made = url.withLock({ $0 }) else { return }
        await LocalPostgres.shared.dropDatabase(made)
    }
}

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let current: Mutex<Date>
    /// Starts on a whole second by default: the database keeps milliseconds, so durations stay exact.
    init(_ start: Date = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// A decoded API response.
struct APIResult {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let json: [String: Any]
    /// The body as sent (for answers that are not JSON).
    var body = ByteBuffer()

    var data: [String: Any] { json["data"] as? [String: Any] ?? [:] }
    var code: String? { json["code"] as? String }
    var details: [String: [String]] { json["details"] as? [String: [String]] ?? [:] }
    subscript(path: String) -> Any? {
        path.split(separator: ".").reduce(data as Any?) { value, key in (value as? [String: Any])?[String(key)] }
    }
    func list(_ key: String) -> [[String: Any]] { data[key] as? [[String: Any]] ?? [] }
}

/// A logged-in account with its own business.
struct Tenant {
    let token: String
    let refreshToken: String
    let businessId: String
    let userId: String
    let email: String
}

/// Builds the real application (temporary database, test clock) and speaks to it in memory.
struct TestApp {
    var configuration: AppConfiguration
    let clock: TestClock
    let folder: URL

    let llm: (any LLMClient)?
    let telnyx: TelnyxClient?
    let database = TestDatabase()
    /// When failed webhook deliveries are tried again (the test clock decides when they are due).
    var webhookRetries = WebhookRetrySchedule.standard

    init(seedDemo: Bool = false, limits: RateLimits = RateLimits(authenticated: 100_000, anonymous: 100_000, webhooks: 100_000),
         maxBodyBytes: Int = 64 * 1024, clock: TestClock = TestClock(), llm: (any LLMClient)? = nil,
         telnyx: TelnyxClient? = nil, telnyxPublicKey: String? = nil)
    {
        self.llm = llm
        self.telnyx = telnyx
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("frontdesk-test-\(UUID().uuidString)")
        var configuration = AppConfiguration()
        configuration.databasePath = folder.appendingPathComponent("frontdesk.sqlite").path
        configuration.jwtSecret = String(repeating: "s", count: 40)
        configuration.bcryptCost = 4
        configuration.seedDemo = seedDemo
        configuration.rateLimits = limits
        configuration.maxBodyBytes = maxBodyBytes
        configuration.environment = "test"
        // Webhook receivers in tests listen on loopback.
        configuration.webhooksAllowPrivate = true
        configuration.eventSocketRecheck = .milliseconds(200)
        configuration.telnyxPublicKey = telnyxPublicKey.flatMap { Data(base64Encoded: $0) }
        configuration.promptsDirectory = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Prompts").path
        self.configuration = configuration
        self.clock = clock
    }

    /// Runs `body` against a fresh application, then removes its database.
    /// `live`: through the real HTTP server on a loopback port, not in memory.
    func run(live: Bool = false, _ body: @Sendable (Client) async throws -> Void) async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let clock = self.clock
        var logger = Logger(label: "test")
        // The server's own log, for digging into a failing test: FRONTDESK_TEST_LOG=error.
        logger.logLevel = ProcessInfo.processInfo.environment["FRONTDESK_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        var configuration = configuration
        configuration.storeLocation = try await database.location(sqlitePath: configuration.databasePath)
        if live {
            configuration.host = "127.0.0.1"
            configuration.port = 0
        }
        var dependencies = AppDependencies(now: { clock.now }, llm: llm, telnyx: telnyx)
        dependencies.webhookRetries = webhookRetries
        let app = try await buildApplication(configuration: configuration, dependencies: dependencies, logger: logger)
        do {
            try await app.test(live ? .live : .router) { client in try await body(Client(client: client, clock: clock)) }
        } catch {
            await app.store.close()
            await database.drop()
            throw error
        }
        await app.store.close()
        await database.drop()
    }

    /// Which database the server tests run on: `FRONTDESK_TEST_ENGINE=postgres` runs the whole suite
    /// on PostgreSQL (make test runs it on both).
    static let engine: Store.Engine = ProcessInfo.processInfo.environment["FRONTDESK_TEST_ENGINE"] == "postgres" ? .postgres : .sqlite

    /// The application's database, opened beside it (what another process or instance would see).
    func openStore() async throws -> Store {
        let location = try await database.location(sqlitePath: configuration.databasePath) ?? .sqlite(path: configuration.databasePath)
        return try await Store.open(location, logger: Logger(label: "test-store"))
    }

    /// Runs SQL on the application's database behind its back (a row removed by an operator, a damaged schema).
    func execute(sqlite: String, postgres: String) async throws {
        switch try await database.location(sqlitePath: configuration.databasePath) ?? .sqlite(path: configuration.databasePath) {
        case .sqlite(let path):
            let database = try DatabaseQueue(path: path)
            try await database.write { db in try db.execute(sql: sqlite) }
        case .postgres:
            let store = try await openStore()
            defer { Task { await store.close() } }
            try await store.postgres!.execute(PostgresQuery(unsafeSQL: postgres))
        }
    }

    /// Runs `body` against a fresh application served the way `frontdesk serve` runs it — its
    /// background services too (the provider inbox, webhook deliveries) — on a loopback port.
    func serve(_ body: @Sendable (ServedClient) async throws -> Void) async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        var configuration = configuration
        configuration.storeLocation = try await database.location(sqlitePath: configuration.databasePath)
        configuration.host = "127.0.0.1"
        configuration.port = 0
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let clock = self.clock
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        var dependencies = AppDependencies(now: { clock.now }, llm: llm, telnyx: telnyx)
        dependencies.webhookRetries = webhookRetries
        dependencies.onListening = { listening.yield($0); listening.finish() }
        let application = try await buildApplication(configuration: configuration, dependencies: dependencies, logger: logger)
        let server = Task { try await application.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        do {
            try await body(ServedClient(port: port, clock: clock))
        } catch {
            server.cancel()
            _ = await server.result
            await database.drop()
            throw error
        }
        server.cancel()
        _ = await server.result
        await database.drop()
    }

    /// The API over real HTTP to a served application.
    struct ServedClient: APICaller {
        let port: Int
        let clock: TestClock

        /// Redirects are answers to check (the dashboard's 303s), not to follow. Lives as long as the tests.
        static let client = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

        @discardableResult
        func call(
            _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: String? = nil,
            rawBody: ByteBuffer? = nil, headers extra: HTTPFields = [:]
        ) async throws -> APIResult {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(uri)")
            request.method = .RAW(value: method.rawValue)
            // A fresh connection each time: every test's server gets a port of the OS's choosing, and a
            // connection the shared client kept to an earlier server on the same port would be closed.
            request.headers.add(name: "Connection", value: "close")
            for field in extra { request.headers.add(name: field.name.rawName, value: field.value) }
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            if json != nil { request.headers.add(name: "Content-Type", value: "application/json") }
            if let body = rawBody ?? json.map({ ByteBuffer(string: $0) }) { request.body = .bytes(body) }
            let response = try await Self.client.execute(request, timeout: .seconds(20))
            let bytes = try await response.body.collect(upTo: 1 << 24)
            var headers = HTTPFields()
            for (name, value) in response.headers { if let name = HTTPField.Name(name) { headers.append(HTTPField(name: name, value: value)) } }
            let object = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any]
            return APIResult(
                status: HTTPResponse.Status(code: Int(response.status.code)), headers: headers, json: object ?? [:], body: bytes)
        }
    }

    struct Client: APICaller {
        let client: any TestClientProtocol
        let clock: TestClock

        @discardableResult
        func call(
            _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: String? = nil,
            rawBody: ByteBuffer? = nil, headers extra: HTTPFields = [:]
        ) async throws -> APIResult {
            var headers = extra
            if let token { headers[.authorization] = "Bearer \(token)" }
            if json != nil { headers[.contentType] = "application/json" }
            let body = rawBody ?? json.map { ByteBuffer(string: $0) }
            return try await client.execute(uri: uri, method: method, headers: headers, body: body) { response in
                let object = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any]
                return APIResult(status: response.status, headers: response.headers, json: object ?? [:], body: response.body)
            }
        }
    }
}

/// What the tests say to the API, in memory or over HTTP, and the helpers built on it.
protocol APICaller: Sendable {
    var clock: TestClock { get }

    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ uri: String, token: String?, json: String?, rawBody: ByteBuffer?, headers extra: HTTPFields
    ) async throws -> APIResult
}

extension APICaller {
        @discardableResult
        func call(
            _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: String? = nil,
            rawBody: ByteBuffer? = nil, headers extra: HTTPFields = [:]
        ) async throws -> APIResult {
            try await call(method, uri, token: token, json: json, rawBody: rawBody, headers: extra)
        }

        /// Registers a new account (and business) and returns its tokens.
        func register(_ name: String = "Tenant") async throws -> Tenant {
            let email = "\(name.lowercased())-\(UUID().uuidString.prefix(8).lowercased())@example.com"
            let result = try await call(
                .post, "/api/auth/register",
                json: #"{"email":"\#(email)","password":"correct horse","business_name":"\#(name) Plumbing","first_name":"Pat"}"#)
            #expect(result.status == .created, "register: \(result.json)")
            return Tenant(
                token: result["token"] as! String, refreshToken: result["refresh_token"] as! String,
                businessId: result["user.business_id"] as! String, userId: result["user.id"] as! String, email: email)
        }

        /// Sets the tenant's business to New York hours Monday–Friday 9–17 with a cleaning service.
        func openWeekdays(_ tenant: Tenant) async throws {
            let result = try await call(
                .put, "/api/businesses/\(tenant.businessId)", token: tenant.token,
                json: """
                    {"settings":{"timezone":"America/New_York","business_hours":{
                      "monday":{"open":"09:00","close":"17:00"},"tuesday":{"open":"09:00","close":"17:00"},
                      "wednesday":{"open":"09:00","close":"17:00"},"thursday":{"open":"09:00","close":"17:00"},
                      "friday":{"open":"09:00","close":"17:00"}},
                      "services":[{"name":"Cleaning","price":120,"duration":45}]}}
                    """)
            #expect(result.status == .ok, "settings: \(result.json)")
        }

        func createLead(_ tenant: Tenant, phone: String = "+15551230000", name: String = "John Doe", extra: String = "") async throws -> APIResult {
            try await call(
                .post, "/api/leads", token: tenant.token,
                json: #"{"business_id":"\#(tenant.businessId)","phone":"\#(phone)","name":"\#(name)","email":"john@example.com"\#(extra)}"#)
        }
}

/// The next weekday at `hour`:00 New York time, at least a day after `now`, as ISO 8601 UTC.
func nextWeekday(after now: Date, hour: Int, weekday: Int = 3) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "America/New_York")!
    let start = calendar.date(byAdding: .day, value: 1, to: now)!
    let date = calendar.nextDate(
        after: start, matching: DateComponents(hour: hour, minute: 0, weekday: weekday), matchingPolicy: .nextTime)!
    return date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
}
