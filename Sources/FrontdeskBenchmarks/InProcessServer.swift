import AsyncHTTPClient
import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskProviders
import FrontdeskServer
import FrontdeskSimulator
import FrontdeskStore
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// The application built as `frontdesk serve` builds it, in this process on a loopback port, with a
/// clock the benchmark moves, providers pointed at the stand-ins, and the demo login.
struct InProcessServer {
    let store: Store
    let scheduler: Scheduler
    let task: Task<Void, Never>
    let base: String
    let token: String
    let business: String

    static func start(folder: URL, clock: BenchClock, stands: StandIns) async throws -> InProcessServer {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var configuration = AppConfiguration()
        configuration.databasePath = folder.appendingPathComponent("bench.sqlite").path
        configuration.jwtSecret = String(repeating: "b", count: 48)
        configuration.bcryptCost = 4
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.rateLimits = RateLimits(authenticated: 100_000_000, anonymous: 100_000_000, webhooks: 100_000_000)
        configuration.telnyxAPIKey = "bench"
        configuration.telnyxAPIBase = stands.telnyx.baseURL
        configuration.email = EmailSettings(provider: .postmark, apiKey: stands.email.apiKey, from: "Bench <bench@example.com>", baseURL: stands.email.baseURL)
        configuration.webhooksAllowPrivate = true
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        var dependencies = AppDependencies(now: { clock.now })
        dependencies.onListening = { port in
            listening.yield(port)
            listening.finish()
        }
        let app = try await buildApplication(configuration: configuration, dependencies: dependencies, logger: logger)
        let (store, scheduler) = (app.store, app.scheduler)
        let task = Task {
            do { try await app.runService(gracefulShutdownSignals: []) } catch { listening.finish() }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            task.cancel()
            throw BenchmarkError("the in-process server did not start")
        }
        let base = "http://127.0.0.1:\(port)"
        let (data, status) = try await HTTP.request(
            "\(base)/api/auth/login", method: "POST", body: #"{"email":"demo@frontdesk.local","password":"frontdesk-demo"}"#)
        guard status == 200, let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let payload = json["data"] as? [String: Any], let token = payload["token"] as? String,
            let user = payload["user"] as? [String: Any], let business = user["business_id"] as? String
        else {
            task.cancel()
            throw BenchmarkError("demo login failed (status \(status))")
        }
        let server = InProcessServer(store: store, scheduler: scheduler, task: task, base: base, token: token, business: business)
        // Texts at any hour: the run must not wait for a morning.
        let (_, updated) = try await HTTP.request(
            "\(base)/api/businesses/\(business)", method: "PUT", body: #"{"settings":{"follow_ups":{"quiet_hours":null}}}"#, token: token)
        guard updated == 200 else { throw BenchmarkError("could not turn the quiet hours off (\(updated))") }
        return server
    }

    func stop() { task.cancel() }

    /// Creates an active workflow; its id.
    func createWorkflow(name: String, trigger: String, actions: String) async throws -> String {
        try await Self.createWorkflow(base: base, token: token, business: business, name: name, trigger: trigger, actions: actions)
    }

    static func createWorkflow(base: String, token: String, business: String, name: String, trigger: String, actions: String) async throws -> String {
        let (data, status) = try await HTTP.request(
            "\(base)/api/workflows", method: "POST",
            body: #"{"business_id":"\#(business)","name":"\#(name)","status":"active","trigger":{"type":"\#(trigger)"},"actions":\#(actions)}"#,
            token: token)
        guard status == 201, let id = ((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["data"] as? [String: Any])?["id"] as? String
        else { throw BenchmarkError("could not create the workflow (\(status)): \(String(decoding: data, as: UTF8.self))") }
        return id
    }

    /// `count` leads through `POST /api/leads`, 32 at a time, each with its own phone number
    /// (`prefix` and four or more digits) and e-mail address; how many were created.
    func createLeads(_ count: Int, prefix: String) async throws -> Int {
        try await Self.createLeads(count, prefix: prefix, base: base, token: token, business: business)
    }

    static func createLeads(_ count: Int, prefix: String, base: String, token: String, business: String) async throws -> Int {
        let digits = max(4, String(count - 1).count)
        return await withTaskGroup(of: Bool.self) { group in
            var created = 0
            for index in 0..<count {
                if index >= 32, await group.next() == true { created += 1 }
                group.addTask {
                    let number = String(repeating: "0", count: digits - String(index).count) + String(index)
                    var request = HTTPClientRequest(url: base + "/api/leads")
                    request.method = .POST
                    request.headers.add(name: "Authorization", value: "Bearer \(token)")
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(
                        ByteBuffer(
                            string: #"{"business_id":"\#(business)","name":"Lead \#(index)","phone":"\#(prefix)\#(number)","email":"lead\#(index)@example.com"}"#))
                    guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(60)) else { return false }
                    _ = try? await response.body.collect(upTo: 1 << 16)
                    return response.status.code == 201
                }
            }
            for await ok in group where ok { created += 1 }
            return created
        }
    }

    func allLeads() async throws -> [Lead] {
        var leads: [Lead] = []
        var page = 1
        while true {
            let batch = try await store.leads.list(LeadFilter(business: BusinessID(rawValue: business)), page: PageRequest(page: page, limit: 1000))
            leads += batch.items
            if batch.items.count < 1000 { return leads }
            page += 1
        }
    }

    /// Every job of the business that has finished.
    func finishedJobs() async throws -> [Job] {
        var jobs: [Job] = []
        var page = 1
        while true {
            let batch = try await store.jobs.list(JobFilter(business: BusinessID(rawValue: business)), page: PageRequest(page: page, limit: 1000))
            jobs += batch.items.filter(\.status.isFinal)
            if batch.items.count < 1000 { return jobs }
            page += 1
        }
    }

    /// When no job is running or due and no event waits to be planned, moves the clock to the next
    /// due job (a `wait` of an hour passes at once).
    func skipIdleTime(clock: BenchClock) async throws {
        let jobs = store.jobs
        let running = { try await jobs.list(JobFilter(business: BusinessID(rawValue: self.business), status: .running), page: PageRequest(page: 1, limit: 1)).total }
        guard try await running() == 0, try await jobs.unplannedEvents(limit: 1).isEmpty, let next = try await jobs.nextDue(), next > clock.now,
            // Claimed meanwhile: then `next` may be its lease's end, not a due time.
            try await running() == 0
        else { return }
        clock.jump(to: next)
    }
}
