import Foundation
import FrontdeskSimulator
import FrontdeskStore
import FrontdeskTestSupport
import Logging

/// Issue 17: the same load on SQLite (one instance), on PostgreSQL with one instance, and on
/// PostgreSQL with two instances behind nginx — API reads and writes, whole-call signed webhooks (each
/// acted on: the call answered, greeted, a key, hung up) with the server's and PostgreSQL's CPU per
/// event, and one slot booked by many at once. Each setup gets a fresh database; PostgreSQL is
/// Debian's, started on loopback with its default durability (fsync, synchronous commit).
public struct ScaleOutBench: Sendable {
    /// Seconds per load phase.
    public var duration = 10
    /// Concurrent connections (wrk).
    public var connections = 32
    /// Calls to sign events for (5 events each), per setup.
    public var calls = 8_000
    /// Concurrent requests for one slot.
    public var concurrent = 100
    /// First loopback port: servers, then nginx.
    public var port = 38420
    /// Loopback port for the Telnyx stand-in.
    public var telnyxPort = 38452
    /// Which setups to run: `sqlite`, `postgres`, `postgres-2` (two instances behind nginx).
    public var setups: Set<String> = ["sqlite", "postgres", "postgres-2"]

    public init() {}

    struct Setup {
        let key: String
        let name: String
        let postgres: Bool
        let instances: Int
    }

    struct Row {
        let setup: Setup
        var reads = WrkResult("")
        var writes = WrkResult("")
        var webhooks = WrkResult("")
        var events = 0
        var serverCPUPerEvent = 0.0
        var databaseCPUPerEvent = 0.0
        var drained = Duration.zero
        var exactlyOnce = false
        var booking = (created: 0, conflicts: 0, other: 0, wall: Duration.zero)
    }

    public func run() async throws {
        guard let wrk = Shell.which("wrk") else { throw BenchmarkError("wrk is not installed: apt-get install -y wrk (make bench does this)") }
        guard Nginx.executable != nil else { throw BenchmarkError("nginx is not installed: apt-get install -y nginx-light") }
        let setups = [
            Setup(key: "sqlite", name: "SQLite, 1 instance", postgres: false, instances: 1),
            Setup(key: "postgres", name: "PostgreSQL, 1 instance", postgres: true, instances: 1),
            Setup(key: "postgres-2", name: "PostgreSQL, 2 instances + nginx", postgres: true, instances: 2),
        ].filter { self.setups.contains($0.key) }
        guard !setups.isEmpty else { throw BenchmarkError("no setup chosen: sqlite, postgres, postgres-2") }
        print("Starting PostgreSQL (Debian's, loopback, default durability) …")
        _ = try await LocalPostgres.shared.createDatabase(.durable, prefix: "bench_warmup")
        let standIn = try await TelnyxStandIn.start(port: telnyxPort)
        defer { standIn.stop() }
        let machineStart = MachineStats.cpuTicks()
        var rows: [Row] = []
        for setup in setups {
            print("\n== \(setup.name)")
            rows.append(try await measure(setup, wrk: wrk, standIn: standIn))
        }
        let stolen = MachineStats.stolenShare(since: machineStart)

        print("")
        print("| setup | GET /api/leads/s (p99) | POST /api/leads/s (p99) | webhooks/s (p99) | server CPU / event | PostgreSQL CPU / event | exactly once | \(concurrent) bookings of one slot |")
        print("|---|---:|---:|---:|---:|---:|---|---|")
        for row in rows {
            print(
                "| \(row.setup.name) | \(row.reads.requestsPerSecond) (\(row.reads.p99)) | \(row.writes.requestsPerSecond) (\(row.writes.p99))"
                    + " | \(row.webhooks.requestsPerSecond) (\(row.webhooks.p99)) | \(String(format: "%.0f µs", row.serverCPUPerEvent * 1e6))"
                    + " | \(row.setup.postgres ? String(format: "%.0f µs", row.databaseCPUPerEvent * 1e6) : "–") | \(row.exactlyOnce ? "yes" : "NO") (\(row.events) events, drained \(seconds(row.drained)))"
                    + " | \(row.booking.created) × 201, \(row.booking.conflicts) × 409, \(row.booking.other) other in \(seconds(row.booking.wall)) |")
        }
        print("")
        print(String(format: "(\(ProcessInfo.processInfo.activeProcessorCount) cores shared by wrk, nginx, the instances, PostgreSQL and the Telnyx stand-in; wrk -c\(connections) -d\(duration)s per phase; non-2xx: API %@, webhooks %@; steal %.1f %%)",
            rows.map { "\($0.reads.non2xx)/\($0.writes.non2xx)" }.joined(separator: ", "), rows.map(\.webhooks.non2xx).joined(separator: ", "), stolen * 100))
        if let bad = rows.first(where: { !$0.exactlyOnce || $0.booking.created != 1 }) {
            throw BenchmarkError("\(bad.setup.name): events not exactly once, or \(bad.booking.created) appointments for one slot")
        }
    }

    private func measure(_ setup: Setup, wrk: String, standIn: TelnyxStandIn) async throws -> Row {
        var row = Row(setup: setup)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("frontdesk-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let databaseURL = setup.postgres ? try await LocalPostgres.shared.createDatabase(.durable, prefix: "bench") : nil
        let signer = TelnyxSigner()
        var environment = [
            "TELNYX_PUBLIC_KEY": signer.publicKeyBase64, "TELNYX_API_KEY": "bench", "TELNYX_API_BASE": standIn.baseURL.absoluteString,
            "FRONTDESK_RATE_LIMIT_WEBHOOKS": "100000000", "FRONTDESK_TRUSTED_PROXIES": "127.0.0.1",
        ]
        if let databaseURL { environment["FRONTDESK_DATABASE_URL"] = databaseURL }
        // One after the other: the first seeds the demo business, the second finds it.
        var servers: [BenchServer] = []
        defer { for server in servers { server.stop() } }
        for index in 0..<setup.instances {
            servers.append(try await BenchServer(folder: folder, port: port + index, environment: environment))
        }
        var nginx: Nginx?
        defer { nginx?.stop() }
        var base = servers[0].base
        if setup.instances > 1 {
            let proxy = try Nginx(upstreams: servers.indices.map { port + $0 }, port: port + 10)
            nginx = proxy
            try await proxy.waitUntilUp()
            base = "http://127.0.0.1:\(proxy.port)"
        }

        (row.reads, row.writes) = try APIBench.load(
            wrk: wrk, base: base, token: servers[0].token, business: servers[0].business, folder: folder, duration: duration,
            connections: connections, threads: 1)

        print("  signing \(calls * 5) events for \(calls) calls …")
        let events = try WebhookBench.signedEvents(calls: calls, signer: signer, intakeOnly: false, folder: folder)
        print("  POST /api/webrtc/webhook for \(duration) s, \(connections) connections …")
        let serverStart = servers.map { ProcessStats.cpuSeconds($0.process.processIdentifier) }
        let databaseStart = ProcessStats.cpuSeconds(command: "postgres")
        let load = try WebhookBench.load(
            wrk: wrk, base: base, events: events, folder: folder, duration: duration, connections: connections, threads: 2)
        row.webhooks = load.result
        let store: Store
        if let databaseURL {
            store = try await Store.open(.postgres(try PostgresSettings(url: databaseURL)), logger: Logger(label: "bench"))
        } else {
            store = try Store(path: folder.appendingPathComponent("bench.sqlite").path)
        }
        print("  waiting until every accepted event is acted on …")
        let (stored, drained) = try await WebhookBench.drain(store)
        await store.close()
        let serverCPU = zip(servers, serverStart).reduce(0) { $0 + ProcessStats.cpuSeconds($1.0.process.processIdentifier) - $1.1 }
        let databaseCPU = ProcessStats.cpuSeconds(command: "postgres").reduce(0) { $0 + $1.value - (databaseStart[$1.key] ?? 0) }
        row.events = stored.processed
        row.drained = drained
        row.serverCPUPerEvent = serverCPU / Double(max(1, stored.processed))
        row.databaseCPUPerEvent = databaseCPU / Double(max(1, stored.processed))
        // Requests in flight when wrk stopped may not have been answered: at most one per connection.
        row.exactlyOnce = stored.total <= load.sentUnique && stored.total >= load.sentUnique - connections && stored.processed == stored.total

        row.booking = try await BookingBench.contend(for: concurrent, on: servers)
        if let databaseURL { await LocalPostgres.shared.dropDatabase(databaseURL) }
        return row
    }

    private func seconds(_ duration: Duration) -> String {
        String(format: "%.1f s", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}
