import Foundation
import FrontdeskCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Authenticated `GET /api/leads?limit=20` and `POST /api/leads` against the real server, started as a
/// child process on loopback, with load from wrk (a second process).
public struct APIBench: Sendable {
    /// Seconds per phase.
    public var duration = 10
    /// Concurrent connections.
    public var connections = 32
    /// wrk threads.
    public var threads = 1
    /// Loopback port for the server under test.
    public var port = 38411

    public init() {}

    public func run() async throws {
        guard let wrk = Shell.which("wrk") else {
            throw BenchmarkError("wrk is not installed: apt-get install -y wrk (make bench does this)")
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("frontdesk-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        let server = try await BenchServer(folder: work, port: port)
        defer { server.stop() }
        let (base, token, business) = (server.base, server.token, server.business)

        let machineStart = MachineStats.cpuTicks()
        let (reads, writes) = try Self.load(
            wrk: wrk, base: base, token: token, business: business, folder: work, duration: duration,
            connections: connections, threads: threads)
        let stolen = MachineStats.stolenShare(since: machineStart)

        let rows = [("GET /api/leads?limit=20", reads), ("POST /api/leads", writes)]
        print("")
        print("| endpoint | requests/s | p50 | p99 | non-2xx | target |")
        print("|---|---:|---:|---:|---:|---|")
        for (name, result) in rows {
            let target = name.hasPrefix("GET") ? "≥ 5,000/s, p99 < 20 ms" : "≥ 2,000/s, p99 < 20 ms"
            print("| \(name) | \(result.requestsPerSecond) | \(result.p50) | \(result.p99) | \(result.non2xx) | \(target) |")
        }
        print("")
        print(String(format: "(\(ProcessInfo.processInfo.activeProcessorCount) cores; wrk -t\(threads) -c\(connections) -d\(duration)s; server and wrk share the machine; the hypervisor took %.1f %% of its CPU time meanwhile (steal))", stolen * 100))
    }

    /// Writes (`POST /api/leads`, a new lead each), then reads (`GET /api/leads?limit=20`), each for
    /// `duration` seconds from wrk against `base` (a server or a proxy in front of several).
    static func load(
        wrk: String, base: String, token: String, business: String, folder: URL, duration: Int, connections: Int, threads: Int
    ) throws -> (reads: WrkResult, writes: WrkResult) {
        let script = folder.appendingPathComponent("post-lead.lua")
        try postScript.write(to: script, atomically: true, encoding: .utf8)
        let auth = "Authorization: Bearer \(token)"
        print("  POST /api/leads for \(duration) s, \(connections) connections …")
        let writes = try Shell.run(
            wrk, ["-t\(threads)", "-c\(connections)", "-d\(duration)s", "--latency", "-s", script.path,
                  "-H", auth, "-H", "Content-Type: application/json", "\(base)/api/leads", "--", business])
        print("  GET /api/leads?limit=20 for \(duration) s, \(connections) connections …")
        let reads = try Shell.run(
            wrk, ["-t\(threads)", "-c\(connections)", "-d\(duration)s", "--latency", "-H", auth,
                  "\(base)/api/leads?business_id=\(business)&limit=20"])
        return (WrkResult(reads), WrkResult(writes))
    }

    /// Unique phone numbers per request so every POST creates a lead.
    static let postScript = """
        local counter = 0
        local threads = {}
        function setup(thread)
          thread:set("tid", #threads + 1)
          table.insert(threads, thread)
        end
        function init(args)
          business = args[1]
        end
        function request()
          counter = counter + 1
          local phone = string.format("+1%03d%07d", 200 + tid, counter)
          local body = string.format('{"business_id":"%s","phone":"%s","name":"Bench Lead %d","source":"web"}', business, phone, counter)
          return wrk.format("POST", nil, nil, body)
        end
        """
}

/// `frontdesk serve` (this same binary) as a child process on loopback with a fresh database, logged in
/// as the demo user.
struct BenchServer {
    let process: Process
    let base: String
    let token: String
    let business: String

    init(folder: URL, port: Int, environment extra: [String: String] = [:]) async throws {
        print("Starting the server (release build, fresh database in \(folder.path)) …")
        process = try Shell.start(
            CommandLine.arguments[0], ["serve", "--log-level", "warning"],
            environment: [
                "FRONTDESK_PORT": String(port), "FRONTDESK_HOST": "127.0.0.1",
                "FRONTDESK_DATABASE": folder.appendingPathComponent("bench.sqlite").path,
                "FRONTDESK_JWT_SECRET": String(repeating: "b", count: 48),
                "FRONTDESK_RATE_LIMIT_AUTHENTICATED": "100000000", "FRONTDESK_RATE_LIMIT_ANONYMOUS": "100000000",
                "FRONTDESK_BCRYPT_COST": "4",
            ].merging(extra) { _, new in new })
        base = "http://127.0.0.1:\(port)"
        var up = false
        for _ in 0..<100 {
            if let (_, status) = try? await HTTP.request("\(base)/api/health"), status == 200 {
                up = true
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        guard up else {
            process.terminate()
            throw BenchmarkError("the server did not come up on \(base)")
        }
        let (data, status) = try await HTTP.request(
            "\(base)/api/auth/login", method: "POST",
            body: #"{"email":"demo@frontdesk.local","password":"frontdesk-demo"}"#)
        guard status == 200, let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let payload = json["data"] as? [String: Any], let token = payload["token"] as? String,
            let user = payload["user"] as? [String: Any], let business = user["business_id"] as? String
        else {
            process.terminate()
            throw BenchmarkError("demo login failed (status \(status))")
        }
        self.token = token
        self.business = business
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

/// The figures of one wrk run.
struct WrkResult {
    var requestsPerSecond = "?"
    var p50 = "?"
    var p99 = "?"
    var non2xx = "0"

    init(_ output: String) {
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first == "Requests/sec:", fields.count > 1 { requestsPerSecond = String(fields[1]) }
            if first == "50%", fields.count > 1 { p50 = String(fields[1]) }
            if first == "99%", fields.count > 1 { p99 = String(fields[1]) }
            if line.contains("Non-2xx or 3xx responses:"), let last = fields.last { non2xx = String(last) }
        }
    }
}

enum Shell {
    static func which(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static func start(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        try process.run()
        return process
    }

    /// Runs to completion and returns standard output.
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

enum HTTP {
    static func request(_ url: String, method: String = "GET", body: String? = nil, token: String? = nil) async throws
        -> (Data, Int)
    {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
    }
}
