import Foundation
import FoundationNetworking
@testable import FrontdeskProviders
@testable import FrontdeskServer
@testable import FrontdeskSimulator
import FrontdeskWire
import Synchronization
import Testing
#if canImport(FoundationNetworking)
#endif

/// Runs the real `frontdesk serve` binary (built next to the test bundle by `swift build --build-tests`).
@Suite("The real server process")
struct CrashSafetyTests {
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("frontdesk")
    }

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
            var request = URLRequest(url: URL(string: base + path)!)
            request.httpMethod = method
            if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
            if let body {
                request.httpBody = Data(body.utf8)
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            }
            let (data, response) = try await URLSession.shared.data(for: request)
            let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, json)
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
        let port = Int.random(in: 40_000...49_000)

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
        let port = Int.random(in: 40_000...49_000)
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
}
