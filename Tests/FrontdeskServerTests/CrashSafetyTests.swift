import Foundation
@testable import FrontdeskProviders
@testable import FrontdeskServer
@testable import FrontdeskSimulator
import FrontdeskWire
import Synchronization
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Runs the real `frontdesk serve` binary (built next to the test bundle by `swift build --build-tests`).
@Suite("The real server process")
struct CrashSafetyTests {
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("frontdesk")
    }

    /// A port for a server (and the next two, for its siblings) below Linux's ephemeral range
    /// (32768–60999), where an outgoing connection of this or another test may hold a port a server
    /// then cannot bind.
    static func listeningPort() -> Int { Int.random(in: 20_000...30_000) }

    final class Server: @unchecked Sendable {
        let process = Process()
        let base: String

        init(database: String, port: Int, environment extra: [String: String] = [:]) throws {
            base = "http://127.0.0.1:\(port)/api"
            process.executableURL = CrashSafetyTests.executable
            process.arguments = ["serve", "--log-level", "error"]
            process.environment = ProcessInfo.processInfo.environment.merging([
                "FRONTDESK_PORT": String(port), "FRONTDESK_DATABASE": database, "FRONTDESK_BCRYPT_COST": "4",
                "FRONTDESK_JWT_SECRET": String(repeating: "k", count: 40),
            ].merging(extra) { _, new in new }) { _, new in new }
            process.standardOutput = FileHandle.nullDevice
            try process.run()
        }

        func waitUntilUp() async throws {
            for _ in 0..<150 {
                if (try? await request("GET", "/health"))?.status == 200 { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            Issue.record("the server did not start")
        }

        func request(_ method: String, _ path: String, token: String? = nil, body: String? = nil) async throws
            -> (status: Int, json: [String: Any])
        {
            await CrashSafetyTests.request(base, method, path, token: token, body: body)
        }

        /// Asks the server to stop (what a deployment's `docker stop` or systemd does).
        func terminate() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGTERM)
        }

        /// Whether the process ended by itself within `limit`.
        func exits(within limit: Duration) async -> Bool {
            let deadline = ContinuousClock.now + limit
            while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
            return !process.isRunning
        }

        func kill9() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    @Test("a lead acknowledged with 201 survives kill -9 of the server")
    func survivesKill() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.executable.path), "build the frontdesk product first")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("frontdesk-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("db.sqlite").path
        let port = Self.listeningPort()

        let first = try Server(database: database, port: port)
        try await first.waitUntilUp()
        let login = try await first.request(
            "POST", "/auth/login", body: #"{"email":"demo@frontdesk.local","password":"frontdesk-demo"}"#)
        let data = try #require(login.json["data"] as? [String: Any])
        let token = try #require(data["token"] as? String)
        let business = try #require((data["user"] as? [String: Any])?["business_id"] as? String)
        var ids: [String] = []
        for index in 0..<20 {
            let created = try await first.request(
                "POST", "/leads", token: token, body: #"{"business_id":"\#(business)","phone":"+1555200\#(String(format: "%04d", index))"}"#)
            #expect(created.status == 201)
            if let id = (created.json["data"] as? [String: Any])?["id"] as? String { ids.append(id) }
        }
        first.kill9()

        let second = try Server(database: database, port: port + 1)
        defer { second.kill9() }
        try await second.waitUntilUp()
        // The same secret and database: the old token still works, and every acknowledged lead is there.
        for id in ids {
            #expect(try await second.request("GET", "/leads/\(id)", token: token).status == 200)
        }
        let list = try await second.request("GET", "/leads?business_id=\(business)&limit=100", token: token)
        #expect(((list.json["data"] as? [String: Any])?["pagination"] as? [String: Any])?["total"] as? Int == 20)
        #expect(ids.count == 20)
    }

    /// One signed `call.initiated` for a new inbound call to the demo agent.
    static func callInitiated(call: String, from: String, signer: TelnyxSigner) throws -> (body: Data, signature: String, timestamp: String) {
        let body = Data(#"{"data":{"record_type":"event","event_type":"call.initiated","id":"ev-\#(call)","occurred_at":"\#(InstantText.format(Date()))","payload":{"call_control_id":"\#(call)","direction":"incoming","from":"\#(from)","to":"\#(DemoSeeder.agentNumber)","state":"parked"}},"meta":{"attempt":1}}"#.utf8)
        let signed = try signer.headers(for: body, at: Date())
        return (body, signed.signature, signed.timestamp)
    }

    @Test("webhooks at full rate, kill -9, restart: every acknowledged call is stored and answered, each answer with one command id")
    func webhooksSurviveKill() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("frontdesk-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("db.sqlite").path
        let port = Self.listeningPort()
        let telnyx = try await TelnyxStandIn.start()
        defer { telnyx.stop() }
        let signer = try TelnyxSigner.simulatorTestKey()
        let environment = [
            "TELNYX_API_KEY": "crash-test", "TELNYX_API_BASE": telnyx.baseURL.absoluteString,
            "TELNYX_PUBLIC_KEY": signer.publicKeyBase64,
            "FRONTDESK_RATE_LIMIT_ANONYMOUS": "100000000", "FRONTDESK_RATE_LIMIT_AUTHENTICATED": "100000000",
        ]

        let first = try Server(database: database, port: port, environment: environment)
        try await first.waitUntilUp()
        // Sixteen senders as fast as the server answers; the server is killed once 150 are acknowledged,
        // with requests in flight (those are not acknowledged: Telnyx would send them again).
        let planned = 600
        final class Progress: Sendable {
            let next = Mutex(0)
            let acknowledged = Mutex<[String]>([])
        }
        let progress = Progress()
        let url = URL(string: first.base + "/webrtc/webhook")!
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    while true {
                        let index = progress.next.withLock { value -> Int in value += 1; return value }
                        guard index <= planned else { return }
                        let call = "v3:crash-\(index)"
                        guard let event = try? Self.callInitiated(call: call, from: "+1555300\(String(format: "%04d", index))", signer: signer) else { return }
                        var request = URLRequest(url: url)
                        request.httpMethod = "POST"
                        request.httpBody = event.body
                        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                        request.setValue(event.signature, forHTTPHeaderField: "telnyx-signature-ed25519")
                        request.setValue(event.timestamp, forHTTPHeaderField: "telnyx-timestamp")
                        guard let (_, response) = try? await URLSession.shared.data(for: request) else { return }
                        guard (response as? HTTPURLResponse)?.statusCode == 200 else { continue }
                        let count = progress.acknowledged.withLock { list -> Int in list.append(call); return list.count }
                        if count == 150 { first.kill9() }
                    }
                }
            }
        }
        first.kill9()
        let acked = progress.acknowledged.withLock { $0 }
        let answeredBeforeRestart = Set(telnyx.received.withLock { $0 }.filter { $0.action == "answer" }.compactMap(\.callControlId))
        #expect(acked.count >= 150)

        let second = try Server(database: database, port: port + 1, environment: environment)
        defer { second.kill9() }
        try await second.waitUntilUp()
        // The inbox replays what the kill left unprocessed: every acknowledged call gets its answer.
        var answers: [TelnyxStandIn.Received] = []
        for _ in 0..<200 {
            answers = telnyx.received.withLock { $0 }.filter { $0.action == "answer" }
            if Set(answers.compactMap(\.callControlId)).isSuperset(of: acked) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let answered = Set(answers.compactMap(\.callControlId))
        #expect(answered.isSuperset(of: acked), "\(Set(acked).subtracting(answered).count) acknowledged calls never answered")
        // An answer sent again after the restart carries the first one's command id: Telnyx runs it once.
        let idsPerCall = Dictionary(grouping: answers, by: { $0.callControlId ?? "" }).mapValues { Set($0.map(\.commandId)) }
        #expect(idsPerCall.values.allSatisfy { $0.count == 1 && $0.first! != nil })
        let repeated = answers.count - answered.count

        // Stored: each acknowledged call is a call record of the demo business.
        let login = try await second.request(
            "POST", "/auth/login", body: #"{"email":"demo@frontdesk.local","password":"frontdesk-demo"}"#)
        let data = try #require(login.json["data"] as? [String: Any])
        let token = try #require(data["token"] as? String)
        let business = try #require((data["user"] as? [String: Any])?["business_id"] as? String)
        var stored = Set<String>()
        for page in 1...20 {
            let list = try await second.request("GET", "/calls?business_id=\(business)&limit=100&page=\(page)", token: token)
            let items = ((list.json["data"] as? [String: Any])?["calls"] as? [[String: Any]]) ?? []
            stored.formUnion(items.compactMap { $0["provider_call_id"] as? String })
            if items.count < 100 { break }
        }
        #expect(stored.isSuperset(of: acked), "\(Set(acked).subtracting(stored).count) acknowledged calls not stored")
        print("crash safety: \(acked.count) acknowledged before kill -9, \(answeredBeforeRestart.count) answered before it,"
            + " \(answered.count) answered in all, \(repeated) answers re-sent after restart with the same command id,"
            + " \(stored.intersection(acked).count) stored")
    }

    /// A JSON request to `base + path` (a server's or a proxy's `…/api`); status 0 when nothing answered.
    static func request(_ base: String, _ method: String, _ path: String, token: String? = nil, body: String? = nil) async
        -> (status: Int, json: [String: Any])
    {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        guard let (data, response) = try? await URLSession.shared.data(for: request) else { return (0, [:]) }
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, json)
    }

    /// A signed Telnyx webhook (Call Control or Messaging, event id `id`) posted to `url`; the status, or
    /// nil when the server did not answer (not acknowledged: Telnyx would send it again).
    static func postTelnyx(
        _ type: String, payload: String, to url: URL, signer: TelnyxSigner, id: String = UUID().uuidString.lowercased()
    ) async -> Int? {
        let body = Data(#"{"data":{"record_type":"event","event_type":"\#(type)","id":"\#(id)","occurred_at":"\#(InstantText.format(Date()))","payload":\#(payload)},"meta":{"attempt":1}}"#.utf8)
        guard let signed = try? signer.headers(for: body, at: Date()) else { return nil }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(signed.signature, forHTTPHeaderField: "telnyx-signature-ed25519")
        request.setValue(signed.timestamp, forHTTPHeaderField: "telnyx-timestamp")
        guard let (_, response) = try? await URLSession.shared.data(for: request) else { return nil }
        return (response as? HTTPURLResponse)?.statusCode
    }

    @Test("SIGTERM with calls live and texts in flight: each call is told and closed, every acknowledged text answered, a call ringing meanwhile left to the next start")
    func gracefulStop() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("frontdesk-stop-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("db.sqlite").path
        let port = Self.listeningPort()
        let telnyx = try await TelnyxStandIn.start()
        defer { telnyx.stop() }
        let signer = try TelnyxSigner.simulatorTestKey()
        let environment = [
            "TELNYX_API_KEY": "stop-test", "TELNYX_API_BASE": telnyx.baseURL.absoluteString,
            "TELNYX_PUBLIC_KEY": signer.publicKeyBase64, "FRONTDESK_SHUTDOWN_GRACE_SECONDS": "2",
            "FRONTDESK_RATE_LIMIT_ANONYMOUS": "100000000", "FRONTDESK_RATE_LIMIT_WEBHOOKS": "100000000",
        ]
        let first = try Server(database: database, port: port, environment: environment)
        defer { first.kill9() }
        try await first.waitUntilUp()
        let voice = URL(string: first.base + "/webrtc/webhook")!
        let sms = URL(string: first.base + "/sms/webhook")!
        func commands(_ action: String, for call: String? = nil) -> [TelnyxStandIn.Received] {
            telnyx.received.withLock { $0 }.filter { $0.action == action && (call == nil || $0.callControlId == call) }
        }

        // Eight calls in progress: answered and greeted, the greeting still playing.
        let live = (1...8).map { "v3:live-\($0)" }
        for (index, call) in live.enumerated() {
            let payload = #"{"call_control_id":"\#(call)","direction":"incoming","from":"+1555410\#(String(format: "%04d", index))","to":"\#(DemoSeeder.agentNumber)","state":"parked"}"#
            #expect(await Self.postTelnyx("call.initiated", payload: payload, to: voice, signer: signer) == 200)
        }
        for call in live {
            for _ in 0..<100 where commands("answer", for: call).isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            let state = Data("agent".utf8).base64EncodedString()
            let payload = #"{"call_control_id":"\#(call)","client_state":"\#(state)","state":"answered"}"#
            #expect(await Self.postTelnyx("call.answered", payload: payload, to: voice, signer: signer) == 200)
        }
        for call in live {
            for _ in 0..<100 where commands("speak", for: call).isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            #expect(commands("speak", for: call).count == 1, "\(call) was not greeted")
        }

        // Texts from forty people, the stop signal in the middle of them; then a new call rings.
        final class Acknowledged: Sendable {
            let senders = Mutex<[String]>([])
        }
        let acknowledged = Acknowledged()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                group.addTask {
                    let from = "+1555420\(String(format: "%04d", index))"
                    let payload = #"{"id":"\#(UUID().uuidString.lowercased())","record_type":"message","direction":"inbound","type":"SMS","text":"What are your hours?","from":{"phone_number":"\#(from)"},"to":[{"phone_number":"\#(DemoSeeder.agentNumber)"}]}"#
                    if await Self.postTelnyx("message.received", payload: payload, to: sms, signer: signer) == 200 {
                        acknowledged.senders.withLock { $0.append(from) }
                    }
                }
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(30))
                first.terminate()
            }
        }
        let ringing = #"{"call_control_id":"v3:ringing","direction":"incoming","from":"+15554300000","to":"\#(DemoSeeder.agentNumber)","state":"parked"}"#
        let ringingAcknowledged = await Self.postTelnyx("call.initiated", payload: ringing, to: voice, signer: signer) == 200

        #expect(await first.exits(within: .seconds(60)), "the server did not stop by itself")
        #expect(first.process.terminationReason == .exit && first.process.terminationStatus == 0)
        // Every live call heard why it ended and was hung up.
        for call in live {
            let said = commands("speak", for: call).compactMap { $0.body["payload"]?.text }
            #expect(said.contains { $0.contains("restarting") }, "\(call) was not told: \(said)")
            #expect(commands("hangup", for: call).count == 1, "\(call) was not hung up")
        }
        // Every text the server acknowledged was answered before it exited.
        let texted = acknowledged.senders.withLock { $0 }
        let answered = Set(commands("messages").compactMap { $0.body["to"]?.text })
        #expect(!texted.isEmpty)
        #expect(answered.isSuperset(of: texted), "\(Set(texted).subtracting(answered).count) acknowledged texts never answered")
        // A call that rang during the stop was not answered by a server on its way out.
        #expect(commands("answer", for: "v3:ringing").isEmpty)

        let second = try Server(database: database, port: port + 1, environment: environment)
        defer { second.kill9() }
        try await second.waitUntilUp()
        if ringingAcknowledged {
            for _ in 0..<100 where commands("answer", for: "v3:ringing").isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            #expect(commands("answer", for: "v3:ringing").count == 1, "the call left for the next start was not answered")
        }
        let login = try await second.request(
            "POST", "/auth/login", body: #"{"email":"demo@frontdesk.local","password":"frontdesk-demo"}"#)
        let data = try #require(login.json["data"] as? [String: Any])
        let token = try #require(data["token"] as? String)
        let business = try #require((data["user"] as? [String: Any])?["business_id"] as? String)
        let list = try await second.request("GET", "/calls?business_id=\(business)&limit=100", token: token)
        let stored = ((list.json["data"] as? [String: Any])?["calls"] as? [[String: Any]]) ?? []
        let closed = stored.filter { live.contains($0["provider_call_id"] as? String ?? "") }
        #expect(closed.count == live.count)
        #expect(closed.allSatisfy { $0["status"] as? String == "completed" && $0["hangup_cause"] as? String == "service_stopping" })
        // Each closed call keeps its transcript: the greeting and the closing words.
        for call in closed {
            let detail = try await second.request("GET", "/calls/\(call["id"] as? String ?? "")", token: token)
            let transcript = ((detail.json["data"] as? [String: Any])?["turns"] as? [[String: Any]]) ?? []
            #expect(transcript.count >= 2 && (transcript.last?["text"] as? String ?? "").contains("restarting"))
        }
        print("graceful stop: \(live.count) live calls closed, \(texted.count) texts acknowledged and answered,"
            + " ringing call acknowledged: \(ringingAcknowledged)")
    }
}
