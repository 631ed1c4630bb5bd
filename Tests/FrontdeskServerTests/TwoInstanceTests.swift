import Foundation
@testable import FrontdeskProviders
@testable import FrontdeskServer
@testable import FrontdeskSimulator
import FrontdeskTestSupport
import FrontdeskWire
import Synchronization
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Two real `frontdesk serve` processes on one PostgreSQL database, Debian's nginx in front, Telnyx's
/// webhooks signed as Telnyx signs them. Runs in the PostgreSQL pass of `make test`
/// (`FRONTDESK_TEST_ENGINE=postgres`, one test at a time).
@Suite(
    "Two instances behind nginx on one PostgreSQL",
    .enabled(if: ProcessInfo.processInfo.environment["FRONTDESK_TEST_ENGINE"] == "postgres", "the PostgreSQL pass runs it"))
struct TwoInstanceTests {
    /// Posts one signed Telnyx event (id `id`) until it is acknowledged, as Telnyx retries.
    static func deliver(_ type: String, id: String, payload: String, to url: URL, signer: TelnyxSigner) async throws {
        for _ in 1...40 {
            if await CrashSafetyTests.postTelnyx(type, payload: payload, to: url, signer: signer, id: id) == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("\(type) \(id) was never acknowledged")
    }

    /// The next `weekday` (1 Sunday … 7 Saturday) after tomorrow at `hour`:00 in New York (the demo
    /// practice's zone), as an ISO instant.
    static func nextSlot(weekday: Int, hour: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "America/New_York")!
        let tomorrow = calendar.date(byAdding: .day, value: 2, to: Date())!
        let day = calendar.nextDate(after: tomorrow, matching: DateComponents(weekday: weekday), matchingPolicy: .nextTime)!
        let slot = calendar.date(bySettingHour: hour, minute: 0, second: 0, of: day)!
        return InstantText.format(slot)
    }

    @Test("calls through nginx to two instances; one is killed mid-call and the other finishes its calls; 100 bookings of one slot make one appointment")
    func twoInstances() async throws {
        let database = try await LocalPostgres.shared.createDatabase(prefix: "two")
        let telnyx = try await TelnyxStandIn.start()
        defer { telnyx.stop() }
        let signer = try TelnyxSigner.simulatorTestKey()
        let environment = [
            "FRONTDESK_DATABASE_URL": database,
            "TELNYX_API_KEY": "two-instances", "TELNYX_API_BASE": telnyx.baseURL.absoluteString,
            "TELNYX_PUBLIC_KEY": signer.publicKeyBase64,
            "FRONTDESK_RATE_LIMIT_ANONYMOUS": "100000000", "FRONTDESK_RATE_LIMIT_AUTHENTICATED": "100000000",
            "FRONTDESK_RATE_LIMIT_WEBHOOKS": "100000000", "FRONTDESK_TRUSTED_PROXIES": "127.0.0.1",
        ]
        let port = CrashSafetyTests.listeningPort()
        // One after the other: the first makes the schema and the demo practice, the second finds them.
        let first = try CrashSafetyTests.Server(database: "/nonexistent/unused.sqlite", port: port, environment: environment)
        defer { first.kill9() }
        try await first.waitUntilUp()
        let second = try CrashSafetyTests.Server(database: "/nonexistent/unused.sqlite", port: port + 1, environment: environment)
        defer { second.kill9() }
        try await second.waitUntilUp()
        let nginx = try Nginx(upstreams: [port, port + 1], port: port + 2)
        defer { nginx.stop() }
        try await nginx.waitUntilUp()

        let login = await CrashSafetyTests.request(nginx.base, "POST", "/auth/login", body: #"{"email":"demo@frontdesk.local","password":"frontdesk-demo"}"#)
        let data = try #require(login.json["data"] as? [String: Any])
        let token = try #require(data["token"] as? String)
        let business = try #require((data["user"] as? [String: Any])?["business_id"] as? String)

        // 1. A hundred attempts at one slot, half sent to each instance at once: exactly one is booked.
        let slot = Self.nextSlot(weekday: 2, hour: 10)
        let statuses = await withTaskGroup(of: Int.self) { group in
            for index in 0..<100 {
                let base = index % 2 == 0 ? first.base : second.base
                group.addTask {
                    await CrashSafetyTests.request(base, "POST", "/appointments", token: token,
                        body: #"{"business_id":"\#(business)","scheduled_date":"\#(slot)","duration":30,"notes":"Contender \#(index)"}"#).status
                }
            }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 201 }.count == 1, "statuses: \(Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count))")
        #expect(statuses.filter { $0 == 409 }.count == 99)
        let booked = await CrashSafetyTests.request(nginx.base, "GET", "/appointments?business_id=\(business)&limit=100", token: token)
        #expect(((booked.json["data"] as? [String: Any])?["appointments"] as? [[String: Any]])?.count == 1)

        // 2. Calls through nginx: each answered, greeted, and asked for a booking (a slot of its own).
        let webhook = URL(string: nginx.base + "/webrtc/webhook")!
        let days = ["Tuesday", "Wednesday", "Thursday"]
        let hours = ["9 am", "10 am", "11 am", "1 pm", "2 pm", "3 pm"]
        let calls = (0..<18).map { "v3:two-\($0)" }
        @Sendable func caller(_ index: Int) -> String { "+1555610\(String(format: "%04d", index))" }
        @Sendable func commands(_ action: String, for call: String) -> [TelnyxStandIn.Received] {
            telnyx.received.withLock { $0 }.filter { $0.action == action && $0.callControlId == call }
        }
        @Sendable func spoken(_ call: String) -> [String] { commands("speak", for: call).compactMap { $0.body["payload"]?.text } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, call) in calls.enumerated() {
                group.addTask {
                    try await Self.deliver("call.initiated", id: "init-\(call)", payload: TelnyxSender.call(call, state: nil, caller: caller(index)), to: webhook, signer: signer)
                    try await eventually("\(call) answered", timeout: .seconds(20)) { !commands("answer", for: call).isEmpty }
                    try await Self.deliver("call.answered", id: "answered-\(call)", payload: TelnyxSender.call(call, caller: caller(index)), to: webhook, signer: signer)
                    try await eventually("\(call) greeted", timeout: .seconds(20)) { spoken(call).count >= 1 }
                    try await Self.deliver("call.speak.ended", id: "spoke-1-\(call)", payload: TelnyxSender.call(call, #""status":"completed""#, state: "speak", caller: caller(index)), to: webhook, signer: signer)
                    let ask = "Hi, I'm Maria, can I get a cleaning next \(days[index % 3]) at \(hours[index / 3])?"
                    try await Self.deliver("call.transcription", id: "said-1-\(call)", payload: TelnyxSender.call(call, #""transcription_data":{"transcript":"\#(ask)","confidence":0.93,"is_final":true,"transcription_track":"inbound"}"#, caller: caller(index)), to: webhook, signer: signer)
                    try await eventually("\(call) asked to confirm", timeout: .seconds(20)) { spoken(call).contains { $0.contains("for Maria") } }
                }
            }
            try await group.waitForAll()
        }

        // 3. Everyone says yes; the first instance is killed -9 once a third of the answers are acknowledged.
        final class Progress: Sendable { let acknowledged = Mutex(0) }
        let progress = Progress()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, call) in calls.enumerated() {
                group.addTask {
                    try await Self.deliver("call.speak.ended", id: "spoke-2-\(call)", payload: TelnyxSender.call(call, state: "speak", caller: caller(index)), to: webhook, signer: signer)
                    try await Self.deliver("call.transcription", id: "said-2-\(call)", payload: TelnyxSender.call(call, #""transcription_data":{"transcript":"yes","confidence":0.93,"is_final":true,"transcription_track":"inbound"}"#, caller: caller(index)), to: webhook, signer: signer)
                    if progress.acknowledged.withLock({ $0 += 1; return $0 }) == calls.count / 3 { first.kill9() }
                }
            }
            try await group.waitForAll()
        }
        #expect(!first.process.isRunning)
        // Every call is booked by whichever instance holds it now. (A reply the killed instance sent but
        // had not written down is said again by the one that took over: counted, not hidden.)
        var saidTwice = 0
        for call in calls {
            try await eventually("\(call) booked", timeout: .seconds(30)) { spoken(call).contains { $0.contains("You're all set") } }
            if spoken(call).filter({ $0.contains("You're all set") }).count > 1 { saidTwice += 1 }
            #expect(!spoken(call).contains { $0.contains("just taken") }, "\(call) was told its own slot was taken")
        }

        // 4. Hang-ups: every call is closed, with its whole transcript in order.
        for (index, call) in calls.enumerated() {
            try await Self.deliver("call.hangup", id: "hangup-\(call)", payload: TelnyxSender.call(call, #""hangup_cause":"normal_clearing","hangup_source":"caller""#, caller: caller(index)), to: webhook, signer: signer)
        }
        var stored: [[String: Any]] = []
        try await eventually("calls closed", timeout: .seconds(30)) {
            let list = await CrashSafetyTests.request(nginx.base, "GET", "/calls?business_id=\(business)&limit=100", token: token)
            let items = ((list.json["data"] as? [String: Any])?["calls"] as? [[String: Any]]) ?? []
            return items.filter { calls.contains($0["provider_call_id"] as? String ?? "") && $0["status"] as? String == "completed" }.count == calls.count
        }
        let list = await CrashSafetyTests.request(nginx.base, "GET", "/calls?business_id=\(business)&limit=100", token: token)
        stored = ((list.json["data"] as? [String: Any])?["calls"] as? [[String: Any]]) ?? []
        var takenOver = 0
        for call in stored where calls.contains(call["provider_call_id"] as? String ?? "") {
            let detail = await CrashSafetyTests.request(nginx.base, "GET", "/calls/\(call["id"] as? String ?? "")", token: token)
            let record = (detail.json["data"] as? [String: Any]) ?? [:]
            #expect(record["outcome"] as? String == "booked", "\(call["provider_call_id"] ?? ""): \(record["outcome"] ?? "none")")
            let turns = (record["turns"] as? [[String: Any]]) ?? []
            #expect(turns.compactMap { $0["sequence"] as? Int } == Array(0..<turns.count), "turn numbers have a gap or a repeat")
            // The caller's two turns once each (an event acted on twice would repeat one), one booking.
            let said = turns.filter { $0["speaker"] as? String == "caller" }.compactMap { $0["text"] as? String }
            #expect(said.count == 2 && said.last == "yes", "\(turns.map { "\($0["speaker"] ?? ""): \($0["text"] ?? "")" })")
            let agent = turns.filter { $0["speaker"] as? String == "agent" }.compactMap { $0["text"] as? String }
            #expect(agent.filter { $0.contains("You're all set") }.count == 1, "\(agent)")
            if turns.contains(where: { $0["speaker"] as? String == "system" && ($0["text"] as? String ?? "").contains("taken over") }) { takenOver += 1 }
        }
        #expect(takenOver > 0, "no call was taken over from the killed instance")
        // One appointment per call, plus the contended one: none lost, none twice.
        let appointments = await CrashSafetyTests.request(nginx.base, "GET", "/appointments?business_id=\(business)&limit=100", token: token)
        let total = ((appointments.json["data"] as? [String: Any])?["pagination"] as? [String: Any])?["total"] as? Int
        #expect(total == calls.count + 1)
        print("two instances: 100 bookings of one slot → \(statuses.filter { $0 == 201 }.count) booked;"
            + " \(calls.count) calls, \(takenOver) taken over after kill -9, \(saidTwice) confirmations said twice, \(total ?? 0) appointments")
        await LocalPostgres.shared.dropDatabase(database)
    }
}
