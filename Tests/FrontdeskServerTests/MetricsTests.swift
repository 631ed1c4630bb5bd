import Foundation
import FrontdeskWire
import Synchronization
@testable import FrontdeskProviders
@testable import FrontdeskServer
@testable import FrontdeskSimulator
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `/metrics` as an operator's Prometheus sees it: the real server process, Debian's Prometheus
/// scraping it every second with the bearer token, and the numbers asked for in PromQL.
@Suite("Prometheus metrics")
struct MetricsTests {
    static let token = "metrics-token-for-the-test"

    /// A GET of `/metrics` itself: status, content type and body.
    static func scrape(_ port: Int, authorization: String?) async -> (status: Int, type: String, body: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        request.timeoutInterval = 10
        if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
        guard let (data, response) = try? await URLSession.shared.data(for: request), let http = response as? HTTPURLResponse else {
            return (0, "", "")
        }
        return (http.statusCode, http.value(forHTTPHeaderField: "Content-Type") ?? "", String(decoding: data, as: UTF8.self))
    }

    @Test("Prometheus scrapes /metrics: requests by route and status, webhook events and duplicates, live calls, turn and provider latency, the database, scheduler lag")
    func prometheusScrapes() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("frontdesk-metrics-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let port = CrashSafetyTests.listeningPort()
        let telnyx = try await TelnyxStandIn.start()
        defer { telnyx.stop() }
        let signer = try TelnyxSigner.simulatorTestKey()
        let server = try CrashSafetyTests.Server(
            database: folder.appendingPathComponent("db.sqlite").path, port: port,
            environment: [
                "TELNYX_API_KEY": "metrics-test", "TELNYX_API_BASE": telnyx.baseURL.absoluteString,
                "TELNYX_PUBLIC_KEY": signer.publicKeyBase64, "FRONTDESK_METRICS_TOKEN": Self.token,
                "FRONTDESK_RATE_LIMIT_ANONYMOUS": "100000000",
            ])
        defer { server.kill9() }
        try await server.waitUntilUp()

        // The endpoint: only with the token, in Prometheus's text format.
        #expect(await Self.scrape(port, authorization: nil).status == 401)
        #expect(await Self.scrape(port, authorization: "Bearer not-the-token-at-all").status == 401)
        let scraped = await Self.scrape(port, authorization: "Bearer \(Self.token)")
        #expect(scraped.status == 200)
        #expect(scraped.type.hasPrefix("text/plain; version=0.0.4"))
        #expect(scraped.body.contains("# TYPE frontdesk_http_requests_total counter"))
        #expect(scraped.body.contains("# TYPE frontdesk_db_operation_seconds histogram"))

        let prometheus = try Prometheus(scraping: "127.0.0.1:\(port)", token: Self.token, port: port + 1)
        defer { prometheus.stop() }
        try await prometheus.waitUntilReady()
        try await eventually("the first scrape", timeout: .seconds(30)) { try await prometheus.value(#"up{job="frontdesk"}"#) == 1 }

        // API traffic: two logins (one wrong), a call that is not there.
        let good = await CrashSafetyTests.request(server.base, "POST", "/auth/login", body: #"{"email":"demo@frontdesk.local","password":"frontdesk-demo"}"#)
        #expect(good.status == 200)
        let token = try #require((good.json["data"] as? [String: Any])?["token"] as? String)
        #expect(await CrashSafetyTests.request(server.base, "POST", "/auth/login", body: #"{"email":"demo@frontdesk.local","password":"wrong-password"}"#).status == 401)
        #expect(await CrashSafetyTests.request(server.base, "GET", "/calls/call_nothere", token: token).status == 404)

        // A Telnyx call: rung (the same event delivered twice), answered, greeted, a question, an answer.
        let webhook = URL(string: server.base + "/webrtc/webhook")!
        let call = "v3:metrics-1"
        @Sendable func spoken() -> [String] {
            telnyx.received.withLock { $0 }.filter { $0.action == "speak" && $0.callControlId == call }.compactMap { $0.body["payload"]?.text }
        }
        try await TwoInstanceTests.deliver("call.initiated", id: "m-init", payload: TelnyxSender.call(call, state: nil), to: webhook, signer: signer)
        try await TwoInstanceTests.deliver("call.initiated", id: "m-init", payload: TelnyxSender.call(call, state: nil), to: webhook, signer: signer)
        try await eventually("answered", timeout: .seconds(20)) { telnyx.received.withLock { $0 }.contains { $0.action == "answer" } }
        try await TwoInstanceTests.deliver("call.answered", id: "m-answered", payload: TelnyxSender.call(call), to: webhook, signer: signer)
        try await eventually("greeted", timeout: .seconds(20)) { spoken().count >= 1 }
        try await TwoInstanceTests.deliver("call.speak.ended", id: "m-spoke", payload: TelnyxSender.call(call, #""status":"completed""#, state: "speak"), to: webhook, signer: signer)
        try await TwoInstanceTests.deliver("call.transcription", id: "m-said", payload: TelnyxSender.said(call, "What are your hours?"), to: webhook, signer: signer)
        try await eventually("answered the question", timeout: .seconds(20)) { spoken().count >= 2 }

        // While the call is live, Prometheus sees it.
        try await eventually("one live call", timeout: .seconds(20)) {
            try await prometheus.value(#"frontdesk_active_calls{provider="telnyx"}"#) == 1
        }
        try await TwoInstanceTests.deliver(
            "call.hangup", id: "m-hangup", payload: TelnyxSender.call(call, #""hangup_cause":"normal_clearing","hangup_source":"caller""#),
            to: webhook, signer: signer)
        try await eventually("no live call", timeout: .seconds(20)) {
            try await prometheus.value(#"frontdesk_active_calls{provider="telnyx"}"#) == 0
        }

        // The rest, once a scrape after the hang-up has landed.
        try await eventually("webhook events counted", timeout: .seconds(20)) {
            try await prometheus.query(#"frontdesk_webhook_events_total"#) == [
                #"outcome="new",provider="telnyx""#: 5, #"outcome="duplicate",provider="telnyx""#: 1,
            ]
        }
        let requests = try await prometheus.query(#"sum by (route, status) (frontdesk_http_requests_total{method!="GET"})"#)
        #expect(requests[#"route="/api/auth/login",status="200""#] == 1)
        #expect(requests[#"route="/api/auth/login",status="401""#] == 1)
        #expect(requests[#"route="/api/webrtc/webhook",status="200""#] == 6)
        let notFound = try await prometheus.query(#"frontdesk_http_requests_total{method="GET",status="404"}"#)
        #expect(notFound.keys.contains { $0.contains(#"route="/api/calls/{id}""#) }, "\(notFound)")
        #expect(try await prometheus.value(#"sum(frontdesk_http_request_duration_seconds_count{route="/api/webrtc/webhook"})"#) == 6)
        // Each command to Telnyx timed, none failed; the caller's turn timed; the call's writes timed.
        let commands = try await prometheus.query(#"frontdesk_provider_request_seconds_count{provider="telnyx"}"#)
        #expect(commands[#"operation="answer",provider="telnyx""#] == 1)
        #expect((commands[#"operation="speak",provider="telnyx""#] ?? 0) >= 2)
        #expect(try await prometheus.value(#"sum(frontdesk_provider_errors_total)"#) == nil)
        #expect(try await prometheus.value(#"frontdesk_conversation_turn_seconds_count{mode="telnyx"}"#) == 1)
        let turn = try #require(try await prometheus.value(#"histogram_quantile(0.99, sum by (le) (frontdesk_conversation_turn_seconds_bucket))"#))
        #expect(turn > 0 && turn <= 30)
        #expect((try await prometheus.value(#"sum(frontdesk_db_operation_seconds_count{engine="sqlite",kind="write"})"#) ?? 0) >= 5)
        #expect((try await prometheus.value(#"frontdesk_db_pool_connections{engine="sqlite"}"#) ?? 0) >= 5)
        #expect(try await prometheus.value(#"frontdesk_db_in_use{engine="sqlite"}"#) == 0)
        #expect((try await prometheus.value(#"frontdesk_scheduler_lag_seconds_count"#) ?? 0) >= 1)
        #expect((try await prometheus.value(#"sum(frontdesk_webhook_handling_seconds_count{provider="telnyx"})"#) ?? 0) == 5)
    }
}
