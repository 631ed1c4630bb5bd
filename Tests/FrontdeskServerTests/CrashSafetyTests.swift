import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Runs the real `frontdesk serve` binary (built next to the test bundle by `swift build --build-tests`).
@Suite("The real server process")
struct CrashSafetyTests {
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("frontdesk")
    }

    final class Server {
        let process = Process()
        let base: String

        init(database: String, port: Int) throws {
            base = "http://127.0.0.1:\(port)/api"
            process.executableURL = CrashSafetyTests.executable
            process.arguments = ["serve", "--log-level", "error"]
            process.environment = ProcessInfo.processInfo.environment.merging([
                "FRONTDESK_PORT": String(port), "FRONTDESK_DATABASE": database, "FRONTDESK_BCRYPT_COST": "4",
                "FRONTDESK_JWT_SECRET": String(repeating: "k", count: 40),
            ]) { _, new in new }
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
}
