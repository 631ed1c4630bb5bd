import Foundation
import FrontdeskProviders
import FrontdeskServer
import FrontdeskSimulator
import FrontdeskStore

/// Issue 4: signed Telnyx webhooks through the real server (a child process: verify, dedupe, persist,
/// 2xx, then the call's state transitions), loaded by wrk from another process. Every event is signed
/// beforehand; the calls' commands go to a Telnyx stand-in in this process. Afterwards the database
/// must hold every event that was sent exactly once, each acted on.
public struct WebhookBench: Sendable {
    /// Seconds of load.
    public var duration = 10
    /// Concurrent connections.
    public var connections = 32
    /// wrk threads.
    public var threads = 2
    /// Calls to sign events for (5 events each).
    public var calls = 16_000
    /// Loopback port for the server under test.
    public var port = 38412
    /// Loopback port for the Telnyx stand-in.
    public var telnyxPort = 38442
    /// Only events the runtime records without acting (call.speak.started): the intake alone.
    public var intakeOnly = false

    public init() {}

    public func run() async throws {
        guard let wrk = Shell.which("wrk") else {
            throw BenchmarkError("wrk is not installed: apt-get install -y wrk (make bench does this)")
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("frontdesk-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let standIn = try await TelnyxStandIn.start(port: telnyxPort)
        defer { standIn.stop() }
        let signer = TelnyxSigner()
        let server = try await BenchServer(folder: work, port: port, environment: [
            "TELNYX_PUBLIC_KEY": signer.publicKeyBase64, "TELNYX_API_KEY": "bench",
            "TELNYX_API_BASE": standIn.baseURL.absoluteString, "FRONTDESK_RATE_LIMIT_WEBHOOKS": "100000000",
        ])
        defer { server.stop() }

        print("Signing \(calls * 5) events for \(calls) calls …")
        let events = try Self.signedEvents(calls: calls, signer: signer, intakeOnly: intakeOnly, folder: work)
        print("Loading POST /api/webrtc/webhook for \(duration) s, \(connections) connections, \(threads) wrk threads …")
        let machineStart = MachineStats.cpuTicks()
        let serverCPUStart = ProcessStats.cpuSeconds(server.process.processIdentifier)
        let (result, sentUnique, sentTotal) = try Self.load(
            wrk: wrk, base: server.base, events: events, folder: work, duration: duration, connections: connections, threads: threads)
        let stolen = MachineStats.stolenShare(since: machineStart)

        print("Waiting for the server to act on every accepted event …")
        let store = try Store(path: work.appendingPathComponent("bench.sqlite").path)
        let (stored, drained) = try await Self.drain(store)
        // Less noisy than the rate on a shared machine: what each event cost the server, acting on it included.
        let serverCPU = ProcessStats.cpuSeconds(server.process.processIdentifier) - serverCPUStart
        let callsClosed = try await store.calls.countEnded()
        // Requests still in flight when wrk stopped may not have been answered: at most one per connection.
        let exactlyOnce = stored.total <= sentUnique && stored.total >= sentUnique - connections && stored.processed == stored.total
        print("")
        print("| measure | value | target |")
        print("|---|---:|---|")
        print("| signed webhooks/s (verify + dedupe + persist + 2xx) | \(result.requestsPerSecond) | ≥ 5,000/s |")
        print("| latency p50 | \(result.p50) | |")
        print("| latency p99 | \(result.p99) | < 20 ms |")
        print("| non-2xx responses | \(result.non2xx) | 0 |")
        print("| requests sent (unique events + redeliveries) | \(sentTotal) (\(sentUnique) + \(sentTotal - sentUnique)) | |")
        print("| events in the database | \(stored.total) | = unique events sent (less ≤ \(connections) in flight at the stop), once each |")
        print("| events acted on | \(stored.processed) (all done \(String(format: "%.1f", Double(drained.components.seconds) + Double(drained.components.attoseconds) / 1e18)) s after the load) | all |")
        print("| calls closed | \(callsClosed) | |")
        print(String(format: "| server CPU per event, acting on it included | %.0f µs | |", serverCPU / Double(max(1, stored.processed)) * 1e6))
        print("| exactly once | \(exactlyOnce ? "yes" : "NO") | yes |")
        print(String(format: "| CPU time the hypervisor took from this machine during the load (steal, /proc/stat) | %.1f %% | |", stolen * 100))
        print("")
        print("(\(ProcessInfo.processInfo.activeProcessorCount) cores; server, wrk and the Telnyx stand-in share the machine; Telnyx commands from the calls: \(standIn.count))")
        if !exactlyOnce { throw BenchmarkError("the database does not hold every event sent exactly once, each acted on") }
    }

    /// Five events per call, in a call's order (start, answer, the greeting played, a key, hang-up), each
    /// signed now; written one per line (signature, timestamp, body) for the wrk script. Its path.
    static func signedEvents(calls: Int, signer: TelnyxSigner, intakeOnly: Bool, folder: URL) throws -> URL {
        let now = Date()
        var lines: [String] = []
        lines.reserveCapacity(calls * 5)
        for call in 0..<calls {
            let id = "v3:bench-\(call)"
            let base = #""call_control_id":"\#(id)","call_leg_id":"leg-\#(call)","call_session_id":"s-\#(call)","connection_id":"bench","from":"+1556\#(String(format: "%07d", call))","to":"+15550100123","direction":"incoming""#
            let events = [
                ("call.initiated", #"{\#(base),"client_state":null,"state":"parked"}"#),
                ("call.answered", #"{\#(base),"client_state":"YWdlbnQ=","state":"answered"}"#),
                ("call.speak.ended", #"{\#(base),"client_state":"c3BlYWs=","status":"completed"}"#),
                ("call.dtmf.received", #"{\#(base),"client_state":null,"digit":"5"}"#),
                ("call.hangup", #"{\#(base),"client_state":null,"hangup_cause":"normal_clearing","hangup_source":"caller"}"#),
            ]
            for (index, (type, payload)) in events.enumerated() {
                let type = intakeOnly ? "call.speak.started" : type
                let body = #"{"data":{"record_type":"event","event_type":"\#(type)","id":"evt-\#(call)-\#(index)","occurred_at":"2026-11-23T15:00:00Z","payload":\#(payload)},"meta":{"attempt":1}}"#
                let signed = try signer.headers(for: Array(body.utf8), at: now)
                lines.append("\(signed.signature)\t\(signed.timestamp)\t\(body)")
            }
        }
        let file = folder.appendingPathComponent("events-\(UUID().uuidString).tsv")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// wrk sends the signed events to `base` (a server or a proxy): the figures, the unique events sent
    /// and every request sent (redeliveries included).
    static func load(
        wrk: String, base: String, events: URL, folder: URL, duration: Int, connections: Int, threads: Int
    ) throws -> (result: WrkResult, sentUnique: Int, sentTotal: Int) {
        let script = folder.appendingPathComponent("webhooks.lua")
        try Self.script.write(to: script, atomically: true, encoding: .utf8)
        let output = try Shell.run(
            wrk, ["-t\(threads)", "-c\(connections)", "-d\(duration)s", "--latency", "-s", script.path,
                  "\(base)/api/webrtc/webhook", "--", events.path, String(threads)])
        // Which events went out: thread t sends its slice (calls with call % threads == t) in order, cycling.
        var sentUnique = 0
        var sentTotal = 0
        for line in output.split(separator: "\n") where line.hasPrefix("thread ") {
            let fields = line.split(separator: " ")
            guard fields.count == 5, let count = Int(fields[3]), let slice = Int(fields[4]) else { continue }
            sentUnique += min(count, slice)
            sentTotal += count
        }
        return (WrkResult(output), sentUnique, sentTotal)
    }

    /// Waits (up to 5 minutes) until every stored event has been acted on: stored and acted-on counts,
    /// and how long that took after the load.
    static func drain(_ store: Store) async throws -> (stored: (total: Int, processed: Int), took: Duration) {
        let drainStart = ContinuousClock.now
        var stored = (total: 0, processed: 0)
        while ContinuousClock.now - drainStart < .seconds(300) {
            let progress = try await store.events.progress(provider: "telnyx")
            stored = (progress.accepted, progress.processed)
            if stored.processed == stored.total { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        return (stored, ContinuousClock.now - drainStart)
    }

    /// Each wrk thread sends its own calls' events in order, then again (redeliveries), and reports how
    /// many it sent and how many unique events it has.
    static let script = """
        local threads = {}
        counter = 0
        function setup(thread)
          thread:set("tid", #threads)
          table.insert(threads, thread)
        end
        function init(args)
          requests = {}
          local n = tonumber(args[2])
          local call = 0
          local index = 0
          for line in io.lines(args[1]) do
            if math.floor(index / 5) % n == tid then
              local sig, ts, body = line:match("([^\\t]*)\\t([^\\t]*)\\t(.*)")
              table.insert(requests, wrk.format("POST", nil, {["Content-Type"] = "application/json",
                ["telnyx-signature-ed25519"] = sig, ["telnyx-timestamp"] = ts}, body))
            end
            index = index + 1
          end
          slice = #requests
        end
        function request()
          counter = counter + 1
          return requests[((counter - 1) % #requests) + 1]
        end
        function done(summary, latency, requests)
          for _, thread in ipairs(threads) do
            io.write(string.format("thread %d sent %d %d\\n", thread:get("tid"), thread:get("counter"), thread:get("slice")))
          end
        end
        """
}
