import Foundation
import FrontdeskSimulator

extension WorkflowBench {
    struct KillRun {
        var enrollments = 0, unconfirmed = 0
        var killedAt: [Int] = []
        var sms = StandIns.Count(), emails = StandIns.Count(), webhooks = StandIns.Count()
        var wall = 0.0
    }

    /// The real binary (`frontdesk serve`) on a fresh SQLite database, its providers pointed at the
    /// stand-ins; killed (-9) each time another share of the sends has landed, and started again.
    func measureKills(folder: URL) async throws -> KillRun {
        print("== \(killLeads) enrollments (SMS, e-mail, webhook each) through \(kills) × kill -9")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let stands = try await StandIns.start()
        defer { stands.stop() }
        let environment = [
            "TELNYX_API_KEY": "bench", "TELNYX_API_BASE": stands.telnyx.baseURL.absoluteString,
            "EMAIL_PROVIDER": "postmark", "EMAIL_API_KEY": stands.email.apiKey, "EMAIL_FROM": "Bench <bench@example.com>",
            "EMAIL_API_BASE": stands.email.baseURL.absoluteString, "FRONTDESK_WEBHOOKS_ALLOW_PRIVATE": "1",
        ]
        var server = try await BenchServer(folder: folder, port: port, environment: environment)
        var running = true
        defer { if running { server.stop() } }
        let (_, updated) = try await HTTP.request(
            "\(server.base)/api/businesses/\(server.business)", method: "PUT", body: #"{"settings":{"follow_ups":{"quiet_hours":null}}}"#,
            token: server.token)
        guard updated == 200 else { throw BenchmarkError("could not turn the quiet hours off (\(updated))") }
        let workflow = try await InProcessServer.createWorkflow(
            base: server.base, token: server.token, business: server.business, name: "Welcome", trigger: "lead.created",
            actions: """
                [{"type":"send_sms","text":"Hi {{contact.first_name}}, welcome to {{business.name}}!"},
                 {"type":"send_email","subject":"Welcome, {{contact.first_name}}","body":"Thanks for getting in touch."},
                 {"type":"webhook","url":"\(stands.webhooks.url)"},
                 {"type":"add_tag","tag":"welcomed"}]
                """)
        var run = KillRun()
        let started = ContinuousClock.now
        print("Creating \(killLeads) leads through the API …")
        let created = try await InProcessServer.createLeads(killLeads, prefix: "+1555401", base: server.base, token: server.token, business: server.business)
        guard created == killLeads else { throw BenchmarkError("kills: \(created) of \(killLeads) leads created") }
        let sends = { () -> Int in
            let (sms, emails, webhooks) = stands.counts()
            return sms.unique + emails.unique + webhooks.unique
        }
        for round in 1...kills {
            let threshold = 3 * killLeads * round / (kills + 1)
            let deadline = ContinuousClock.now + .seconds(300)
            while sends() < threshold, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            run.killedAt.append(sends())
            print("  kill -9 after \(run.killedAt.last ?? 0) sends; starting again …")
            kill(server.process.processIdentifier, SIGKILL)
            server.process.waitUntilExit()
            running = false
            server = try await BenchServer(folder: folder, port: port, environment: environment)
            running = true
        }
        // Done when no enrollment is active (a job cut off by a kill runs again once its 60 s lease ends).
        let deadline = ContinuousClock.now + .seconds(600)
        while ContinuousClock.now < deadline {
            let (data, _) = try await HTTP.request(
                "\(server.base)/api/workflows/\(workflow)/enrollments?status=completed&limit=1", token: server.token)
            let total = Self.total(data)
            run.enrollments = total
            if total >= killLeads { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        run.wall = Double((ContinuousClock.now - started).components.seconds)
        try await Task.sleep(for: .milliseconds(200))
        (run.sms, run.emails, run.webhooks) = stands.counts()
        // What the server recorded as cut off: texts and e-mails `unconfirmed`, webhooks logged so.
        for channel in ["sms", "emails"] {
            let (data, _) = try await HTTP.request(
                "\(server.base)/api/\(channel)?business_id=\(server.business)&status=unconfirmed&limit=1", token: server.token)
            run.unconfirmed += Self.total(data)
        }
        var page = 1
        while true {
            let (data, _) = try await HTTP.request("\(server.base)/api/workflows/\(workflow)/enrollments?limit=100&page=\(page)", token: server.token)
            let items = (Self.data(data)?["enrollments"] as? [[String: Any]]) ?? []
            run.unconfirmed += items.filter { ($0["log"] as? [[String: Any]])?.contains { $0["status"] as? String == "unconfirmed" } == true }.count
            if items.count < 100 { break }
            page += 1
        }
        return run
    }

    /// A list response's `data`.
    static func data(_ body: Data) -> [String: Any]? { (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["data"] as? [String: Any] }

    /// A list response's `pagination.total`.
    static func total(_ body: Data) -> Int { (data(body)?["pagination"] as? [String: Any])?["total"] as? Int ?? 0 }
}
