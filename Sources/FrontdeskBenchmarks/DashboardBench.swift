import AsyncHTTPClient
import Foundation
import FrontdeskCore
import FrontdeskSimulator
import FrontdeskStore
import FrontdeskTestSupport
import Logging
import NIOCore
import NIOHTTP1

/// Issue 19: the dashboard against a full database — the release server as a child process with
/// `calls` calls (transcripts of 6 turns) and `leads` leads — each page's server render (p50/p99 over
/// `iterations` sequential loads by a signed-in member), what a first load transfers (the page, its
/// stylesheet and script), and — when chromium and chromedriver are installed — how long after its commit
/// a live transcript turn is shown in a real browser's Live calls page.
public struct DashboardBench: Sendable {
    public var calls = 10_000
    public var leads = 5_000
    public var iterations = 200
    public var liveCalls = 5
    public var port = 38470
    public var telnyxPort = 38472
    public var driverPort = 38473

    public init() {}

    static let client = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    struct Page {
        let name: String
        let path: String
        var times: [Double] = []
        var bytes = 0
        var status = 0
    }

    public func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("frontdesk-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let standIn = try await TelnyxStandIn.start(port: telnyxPort)
        defer { standIn.stop() }
        let signer = TelnyxSigner()
        let server = try await BenchServer(folder: folder, port: port, environment: [
            "TELNYX_PUBLIC_KEY": signer.publicKeyBase64, "TELNYX_API_KEY": "bench", "TELNYX_API_BASE": standIn.baseURL.absoluteString,
            "FRONTDESK_PUBLIC_URL": "http://127.0.0.1:\(port)",
        ])
        defer { server.stop() }
        let (callId, leadCount, callCount) = try await seed(folder.appendingPathComponent("bench.sqlite").path, business: server.business)
        print("Seeded \(callCount) calls (6 turns each) and \(leadCount) leads; signing in …")
        let cookie = try await logIn(base: server.base)
        let business = server.business
        var pages = [
            Page(name: "overview (30 days of charts)", path: "/?b=\(business)"),
            Page(name: "live calls", path: "/live?b=\(business)"),
            Page(name: "calls, page 1", path: "/calls?b=\(business)"),
            Page(name: "calls, page 400 (offset 9,975)", path: "/calls?b=\(business)&page=400"),
            Page(name: "one call (transcript, score, recording)", path: "/calls/\(callId)?b=\(business)"),
            Page(name: "leads", path: "/leads?b=\(business)"),
            Page(name: "leads, qualified band", path: "/leads?b=\(business)&band=qualified"),
            Page(name: "inbox", path: "/inbox?b=\(business)"),
            Page(name: "calendar (a week)", path: "/calendar?b=\(business)"),
            Page(name: "agents and hours", path: "/agents?b=\(business)"),
            Page(name: "settings", path: "/settings?b=\(business)"),
        ]
        let css = try await fetch(server.base + "/assets/app.css", cookie: nil).bytes
        let js = try await fetch(server.base + "/assets/app.js", cookie: nil).bytes
        print("Loading each page \(iterations) times …")
        for index in pages.indices {
            for round in 0..<(iterations + 20) {
                let started = ContinuousClock.now
                let (status, bytes) = try await fetch(server.base + pages[index].path, cookie: cookie)
                let elapsed = ContinuousClock.now - started
                if round >= 20 { pages[index].times.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000) }
                pages[index].status = status
                pages[index].bytes = bytes
            }
        }
        let lags = try await liveLags(base: server.base, signer: signer)

        print("")
        print("| page (\(callCount) calls, \(leadCount) leads) | render p50 | render p99 | HTML | first load (HTML + CSS + JS) | target |")
        print("|---|---:|---:|---:|---:|---|")
        var worst = 0.0
        var heaviest = 0
        for page in pages {
            let sorted = page.times.sorted()
            let p99 = Self.percentile(sorted, 0.99)
            worst = max(worst, p99)
            heaviest = max(heaviest, page.bytes + css + js)
            print(String(format: "| %@ | %.1f ms | %.1f ms | %.1f KB | %.1f KB | p99 < 20 ms, < 150 KB |",
                page.name, Self.percentile(sorted, 0.5), p99, Double(page.bytes) / 1024, Double(page.bytes + css + js) / 1024))
            if page.status != 200 { throw BenchmarkError("\(page.path) answered \(page.status)") }
        }
        print("")
        if lags.isEmpty {
            print("Live transcript turns in a browser: not measured (install chromium and chromium-driver).")
        } else {
            let sorted = lags.sorted()
            print("| live transcript turn: commit → shown in headless chromium (\(lags.count) turns of \(liveCalls) calls) | value | target |")
            print("|---|---:|---|")
            print(String(format: "| p50 / p99 / max | %.0f / %.0f / %.0f ms | < 100 ms |", Self.percentile(sorted, 0.5), Self.percentile(sorted, 0.99), sorted.last ?? 0))
        }
        print("")
        print("(\(ProcessInfo.processInfo.activeProcessorCount) cores; release server, SQLite; loads are sequential from one client over loopback, uncompressed)")
        print(String(format: "Worst page p99 %.1f ms; heaviest first load %.1f KB.", worst, Double(heaviest) / 1024))
    }

    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * q).rounded(.up)))]
    }

    /// Leads and calls written straight into the server's database (a second handle on the same SQLite
    /// file), spread over the last 90 days; one call in three is booked, its lead scored.
    private func seed(_ path: String, business raw: String) async throws -> (CallID, Int, Int) {
        let store = try await Store.open(.sqlite(path: path), logger: Logger(label: "bench-seed"))
        let business = BusinessID(rawValue: raw)
        let now = Date()
        var leadIds: [LeadID] = []
        print("Writing \(leads) leads and \(calls) calls …")
        for index in 0..<leads {
            let created = now.addingTimeInterval(-Double(index) * 90 * 86_400 / Double(leads))
            let score = index % 4 == 0 ? nil : [85, 55, 20][index % 3]
            let lead = Lead(
                id: .generate(), businessId: business, phone: PhoneNumber("+1556" + String(format: "%07d", index)), name: "Caller \(index)",
                email: nil, status: score.map { $0 >= 70 ? .qualified : .contacted } ?? .new, source: .call, qualificationScore: score,
                notes: nil, createdAt: created, updatedAt: created)
            try await store.leads.insert(lead)
            leadIds.append(lead.id)
        }
        var last: CallID?
        for index in 0..<calls {
            let started = now.addingTimeInterval(-Double(index) * 90 * 86_400 / Double(calls) - 60)
            var call = Call(
                id: .generate(), businessId: business, agentId: nil, leadId: leadIds[index % leadIds.count],
                phone: PhoneNumber("+1556" + String(format: "%07d", index % leads)), direction: .inbound, provider: "telnyx",
                providerCallId: "v3:seed-\(index)", status: index % 20 == 0 ? .failed : .completed, duration: 95,
                recordingUrl: nil, outcome: index % 20 == 0 ? .failed : (index % 3 == 0 ? .booked : .informationOnly),
                summary: index % 3 == 0 ? "Booked a cleaning" : "Asked about opening hours", hangupCause: "normal_clearing",
                startedAt: started, endedAt: started.addingTimeInterval(95), createdAt: started)
            call.cost = 0.0021
            try await store.calls.save(call)
            let lines = ["Thanks for calling Bright Smile Dental! How can I help?", "Hi, what are your hours on Saturday?",
                         "We're open 10 to 2 on Saturday.", "Great, can I book a cleaning?", "Tuesday at 10:00 is free.", "Perfect, thanks!"]
            for (sequence, text) in lines.enumerated() {
                _ = try await store.calls.append(
                    TranscriptTurn(
                        callId: call.id, sequence: sequence, speaker: sequence % 2 == 0 ? .agent : .caller, text: text,
                        startedAt: started.addingTimeInterval(Double(sequence) * 5), endedAt: started.addingTimeInterval(Double(sequence) * 5 + 3),
                        confidence: nil, latencyMs: sequence % 2 == 0 ? 420 : nil))
            }
            if index == 0 { last = call.id }
        }
        await store.close()
        return (last!, leads, calls)
    }

    private func fetch(_ url: String, cookie: String?) async throws -> (status: Int, bytes: Int) {
        var request = HTTPClientRequest(url: url)
        if let cookie { request.headers.add(name: "Cookie", value: cookie) }
        let response = try await Self.client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), body.readableBytes)
    }

    /// The dashboard's login form, as a browser posts it; the session cookie.
    private func logIn(base: String) async throws -> String {
        let page = try await Self.client.execute(HTTPClientRequest(url: base + "/login"), timeout: .seconds(30))
        _ = try await page.body.collect(upTo: 1 << 20)
        guard let form = page.headers["Set-Cookie"].first(where: { $0.hasPrefix("fd_form=") })?.split(separator: ";").first else {
            throw BenchmarkError("no login form token")
        }
        let token = form.dropFirst("fd_form=".count)
        var request = HTTPClientRequest(url: base + "/login")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Cookie", value: String(form))
        request.body = .bytes(ByteBuffer(string: "_csrf=\(token)&email=demo%40frontdesk.local&password=frontdesk-demo"))
        let answer = try await Self.client.execute(request, timeout: .seconds(30))
        _ = try await answer.body.collect(upTo: 1 << 20)
        guard let session = answer.headers["Set-Cookie"].first(where: { $0.hasPrefix("fd_session=") })?.split(separator: ";").first else {
            throw BenchmarkError("dashboard login failed (\(answer.status.code))")
        }
        return String(session)
    }

    /// Calls played as signed Telnyx webhooks while headless chromium shows Live calls: each turn's
    /// `data-lag-ms` (its display time minus its event's commit time, one clock).
    private func liveLags(base: String, signer: TelnyxSigner) async throws -> [Double] {
        guard WebDriver.chromedriver != nil else { return [] }
        print("Watching \(liveCalls) calls live in headless chromium …")
        let browser = try WebDriver(port: driverPort)
        try await browser.start()
        defer { Task { await browser.quit() } }
        try await browser.go(base + "/login")
        try await browser.type("#email", "demo@frontdesk.local")
        try await browser.type("#password", "frontdesk-demo")
        try await browser.navigate(byClicking: "form[action='/login'] button[type=submit]")
        try await browser.go(base + "/live")
        _ = try await browser.waitForText("[data-status]", containing: "Connected")
        for index in 0..<liveCalls {
            try await EventsBench.playCall(index + 900_000, to: "+15550100123", base: base, signer: signer)
        }
        try await Task.sleep(for: .seconds(1))
        let values = try await browser.execute(
            "return Array.from(document.querySelectorAll('.live-call li[data-lag-ms]')).map(e => Number(e.dataset.lagMs))") as? [Any] ?? []
        return values.compactMap { ($0 as? NSNumber)?.doubleValue ?? ($0 as? Double) ?? ($0 as? Int).map(Double.init) }
    }
}
