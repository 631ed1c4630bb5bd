import Foundation
import FrontdeskTestSupport
import Testing

/// The dashboard in a real browser (headless chromium through chromedriver), as an owner uses it:
/// `frontdesk serve` on its embedded default, a call placed with `frontdesk simulate --server --audio`
/// watched live, then the call list, its transcript and recording, the lead's score, booking and
/// cancelling on the calendar, a bad business-hours value refused inline, and a second tenant who sees
/// none of it. Screenshots at desktop and phone width land in `.build/dashboard-screenshots/`.
@Suite("The dashboard in a real browser", .serialized)
struct DashboardBrowserTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let screenshots = root.appendingPathComponent(".build/dashboard-screenshots").path

    static func shoot(_ browser: WebDriver, _ name: String) async throws {
        try await browser.resize(width: 1280, height: 900)
        try await browser.screenshot(to: "\(screenshots)/\(name)-desktop.png")
        try await browser.resize(width: 390, height: 844)
        try await browser.screenshot(to: "\(screenshots)/\(name)-phone.png")
        try await browser.resize(width: 1280, height: 900)
    }

    static func logIn(_ browser: WebDriver, base: String, email: String, password: String) async throws {
        try await browser.go(base + "/login")
        try await browser.type("#email", email)
        try await browser.type("#password", password)
        try await browser.navigate(byClicking: "form[action='/login'] button[type=submit]")
        _ = try await browser.find("nav.main")
    }

    @Test(
        "log in, watch a simulated call live, find it with transcript, recording and score, book and cancel, bad hours refused, a second tenant sees nothing",
        .enabled(if: ProcessInfo.processInfo.environment["FRONTDESK_TEST_ENGINE"] != "postgres", "the browser runs on the embedded default"))
    func ownerDay() async throws {
        let port = CrashSafetyTests.listeningPort()
        let standIns = ["--telnyx-port", String(port + 1), "--speech-port", String(port + 2)]
        let printed = try TourTests.run(["simulate", "--print-server-env"] + standIns)
        var environment = TourTests.exports(printed.output)
        environment["FRONTDESK_PUBLIC_URL"] = "http://127.0.0.1:\(port)"
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("frontdesk-dashboard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try CrashSafetyTests.Server(database: folder.appendingPathComponent("frontdesk.sqlite").path, port: port, environment: environment)
        defer { server.kill9() }
        try await server.waitUntilUp()
        let base = "http://127.0.0.1:\(port)"

        let browser = try WebDriver(port: CrashSafetyTests.listeningPort())
        try await browser.start()
        do {
            try await scenario(browser, base: base, server: server, standIns: standIns)
        } catch {
            try? await browser.screenshot(to: "\(Self.screenshots)/failure.png")
            await browser.quit()
            throw error
        }
        await browser.quit()
    }

    func scenario(_ browser: WebDriver, base: String, server: CrashSafetyTests.Server, standIns: [String]) async throws {
        // Logging in: a wrong password is said on the form; the demo login works.
        try await browser.go(base + "/")
        #expect(try await browser.url.hasSuffix("/login"))
        try await browser.type("#email", "demo@frontdesk.local")
        try await browser.type("#password", "not-the-password")
        try await browser.navigate(byClicking: "form[action='/login'] button[type=submit]")
        #expect(try await browser.text(".error").contains("Invalid email or password"))
        try await Self.shoot(browser, "login")
        try await Self.logIn(browser, base: base, email: "demo@frontdesk.local", password: "frontdesk-demo")
        #expect(try await browser.text("h1") == "Overview")
        #expect(try await browser.text("[data-period=today] [data-stat=calls]") == "0")

        // Live calls: the page follows /api/ws; a simulated audio call appears with its transcript.
        try await browser.go(base + "/live")
        #expect(try await browser.waitForText("[data-status]", containing: "Connected").contains("Connected"))
        let scenario = Self.root.appendingPathComponent("Scenarios/18-live-call-booking.yaml").path
        let call = Task { try TourTests.run(["simulate", "--server", base, "--audio"] + standIns + [scenario]) }
        _ = try await browser.find(".live-call .transcript li.caller", timeout: .seconds(60))
        _ = try await browser.find(".live-call .transcript li.agent + li.caller + li.agent", timeout: .seconds(60))
        try await Self.shoot(browser, "live")
        let simulated = try await call.value
        #expect(simulated.status == 0, "\(simulated.output)")
        #expect(try await browser.waitForText(".live-call [data-state]", containing: "ended", timeout: .seconds(20)).contains("booked"))
        // One card, each turn once (the socket and the page's catch-up fetch never double a turn).
        #expect(try await browser.count(".live-call") == 1)
        let turnsShown = try await browser.execute(
            "const s = Array.from(document.querySelectorAll('.live-call li')).map(e => e.dataset.sequence); return [s.length, new Set(s).size]") as? [Any]
        #expect(turnsShown?.count == 2 && "\(turnsShown![0])" == "\(turnsShown![1])" && "\(turnsShown![0])" != "0", "\(turnsShown ?? [])")
        let lags = try await browser.execute(
            "return Array.from(document.querySelectorAll('.live-call li[data-lag-ms]')).map(e => Number(e.dataset.lagMs))") as? [Any] ?? []
        #expect(!lags.isEmpty)
        print("dashboard: live transcript turns shown \(lags.map { "\($0)" }.joined(separator: ", ")) ms after their commit")

        // The call list → the call: transcript, outcome, the lead's score and why, the recording.
        try await browser.go(base + "/calls")
        try await browser.navigate(byClicking: "tr[data-call] a")
        #expect(try await browser.text("[data-outcome]") == "Booked")
        #expect(try await browser.text("[data-transcript]").contains("the first one"))
        #expect(Int(try await browser.text("[data-score]")) ?? 0 >= 70)
        let callURL = try await browser.url
        var recording: String?
        for _ in 0..<50 where recording == nil {
            try await browser.go(callURL)
            if try await browser.count("audio[data-recording]") > 0 {
                recording = try await browser.executeAsync(
                    """
                    const done = arguments[arguments.length - 1];
                    const audio = document.querySelector('audio[data-recording]');
                    fetch(audio.src).then(r => r.arrayBuffer().then(b => {
                      audio.preload = 'metadata';
                      audio.addEventListener('loadedmetadata', () => done(r.status + ' ' + r.headers.get('content-type') + ' ' + b.byteLength + ' ' + audio.duration));
                      audio.addEventListener('error', () => done(r.status + ' ' + r.headers.get('content-type') + ' ' + b.byteLength + ' error'));
                      audio.load();
                    }));
                    """) as? String
            } else {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        let parts = recording?.split(separator: " ") ?? []
        #expect(parts.first == "200", "the recording: \(recording ?? "never appeared")")
        #expect(parts.count == 4 && parts[1].hasPrefix("audio/ogg") && (Int(parts[2]) ?? 0) > 1000 && (Double(parts[3]) ?? 0) > 1, "\(recording ?? "")")
        try await Self.shoot(browser, "call")

        // The call's lead, one click away.
        try await browser.navigate(byClicking: "a[href^='/leads']:not(nav a)")
        #expect(try await browser.count("tr[data-lead]") == 1)
        #expect(Int(try await browser.text("tr[data-lead] [data-score]")) ?? 0 >= 70)

        // Leads: the caller with the score's band.
        try await browser.go(base + "/leads?band=qualified")
        #expect(try await browser.count("tr[data-lead]") == 1)
        try await Self.shoot(browser, "leads")
        try await browser.go(base + "/")
        #expect(try await browser.text("[data-period=today] [data-stat=calls]") == "1")
        #expect(try await browser.text("[data-period=today] [data-stat=booked]") == "1")
        try await Self.shoot(browser, "overview")

        // The calendar: next week, book a free time for a new caller, then cancel it.
        try await browser.go(base + "/calendar")
        try await browser.navigate(byClicking: "a[rel=next]")
        let before = try await browser.count(".appt")
        let day = try await browser.execute("return document.querySelector('form[data-book]').dataset.book") as? String ?? ""
        try await browser.type("form[data-book='\(day)'] input[name=name]", "Jordan Browser")
        try await browser.type("form[data-book='\(day)'] input[name=phone]", "+15550009999")
        try await browser.navigate(byClicking: "form[data-book='\(day)'] button[type=submit]")
        #expect(try await browser.text(".flash") == "Appointment booked.")
        #expect(try await browser.count(".appt") == before + 1)
        try await Self.shoot(browser, "calendar")
        try await browser.navigate(byClicking: "section[data-day='\(day)'] .appt form[action*='/cancel'] button", acceptingConfirm: true)
        #expect(try await browser.text(".flash") == "Appointment cancelled.")
        #expect(try await browser.count(".appt") == before)

        // Business hours: an impossible time is refused, the API's words beside the field; nothing saved.
        try await browser.go(base + "/agents")
        try await browser.type("#hours-monday", "25:00-26:00")
        try await browser.navigate(byClicking: "form[data-hours] button[type=submit]")
        #expect(try await browser.text(".error").contains("Validation failed"))
        #expect(try await browser.text("#hours-monday-error") == "must be a time as HH:mm")
        #expect(try await browser.count(".field-error") == 1)
        #expect(try await browser.execute("return document.querySelector('#hours-monday').value") as? String == "25:00-26:00")
        try await Self.shoot(browser, "agents-error")
        try await browser.go(base + "/agents")
        #expect(try await browser.execute("return document.querySelector('#hours-monday').value") as? String == "09:00-12:00, 13:00-17:00")

        // The inbox: the caller's text thread; take it over, reply, give it back — each in its history.
        try await browser.go(base + "/inbox?channel=sms")
        try await browser.navigate(byClicking: "tr[data-thread] a")
        try await browser.navigate(byClicking: "form[action*='/assign'] button")
        #expect(try await browser.text(".flash").contains("The conversation is yours"))
        #expect(try await browser.text("[data-holder]").contains("Held by Demo Owner"))
        try await browser.type("#reply", "See you on Wednesday, Alex!")
        try await browser.navigate(byClicking: "form[action*='/reply'] button")
        #expect(try await browser.text(".flash") == "Message sent.")
        #expect(try await browser.text("[data-lines]").contains("See you on Wednesday, Alex!"))
        try await Self.shoot(browser, "thread")
        try await browser.navigate(byClicking: "form[action*='/release'] button")
        #expect(try await browser.text("[data-holder]").contains("The receptionist answers"))
        try await browser.go(base + "/inbox")
        #expect(try await browser.count("tr[data-thread]") >= 2)
        try await Self.shoot(browser, "inbox")

        // Settings: a webhook to a private address is refused inline; a public one shows its secret once.
        try await browser.go(base + "/settings")
        try await browser.type("#webhook-url", "http://127.0.0.1:9/hook")
        try await browser.navigate(byClicking: "form[action^='/settings/webhooks'] button[type=submit]")
        #expect(try await browser.count(".error") == 1)
        try await browser.type("#webhook-url", "https://93.184.216.34/frontdesk")
        try await browser.navigate(byClicking: "form[action^='/settings/webhooks'] button[type=submit]")
        #expect(try await browser.text("[data-secret]").hasPrefix("whsec_"))
        #expect(try await browser.count("[data-webhook]") == 1)
        try await browser.type("#pref-phone", "+15550001111")
        try await browser.execute("document.querySelector('#pref-sms').value = 'true'")
        try await browser.navigate(byClicking: "form[action^='/settings/preferences'] button[type=submit]")
        #expect(try await browser.text(".flash") == "Notification preferences saved.")
        #expect(try await browser.execute("return document.querySelector('#pref-phone').value") as? String == "+15550001111")
        try await Self.shoot(browser, "settings")

        // A second tenant: its own empty business; the first one's call is not found.
        let registered = try await server.request(
            "POST", "/auth/register",
            body: #"{"email":"other@example.com","password":"Second-tenant-2026","business_name":"Other Clinic"}"#)
        #expect(registered.status == 201)
        let callPath = URL(string: callURL)!.path
        try await browser.navigate(byClicking: "form[action='/logout'] button")
        #expect(try await browser.text(".flash") == "You are logged out.")
        try await Self.logIn(browser, base: base, email: "other@example.com", password: "Second-tenant-2026")
        #expect(try await browser.text("[data-period=today] [data-stat=calls]") == "0")
        #expect(!(try await browser.text("header.top").contains("Bright Smile")))
        try await browser.go(base + callPath)
        #expect(try await browser.text("h1") == "Not found")
        try await browser.go(base + "/calls")
        #expect(try await browser.count("tr[data-call]") == 0)
        try await browser.go(base + "/leads")
        #expect(try await browser.count("tr[data-lead]") == 0)
        try await browser.go(base + "/inbox")
        #expect(try await browser.count("tr[data-thread]") == 0)
        try await browser.go(base + "/settings")
        #expect(try await browser.count("[data-webhook]") == 0)
        #expect(try await browser.count("[data-member]") == 1)
        try await Self.shoot(browser, "second-tenant")
    }
}
