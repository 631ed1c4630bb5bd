import AsyncHTTPClient
import Foundation
import FrontdeskSimulator
import FrontdeskWire
import NIOCore
import NIOHTTP1
import Synchronization

/// Issue 18: the events' two ways out, against the release server as a child process.
/// 1. `/api/ws` fan-out: `clients` sockets subscribed to the demo business while `calls` calls run
///    (signed Telnyx webhooks, carrier speech): each transcript turn's delay from its write to its
///    arrival at every socket, and the server's CPU per frame delivered.
/// 2. Outbound webhooks: `deliveries` events (leads created through the API) to a local receiver,
///    the server killed (-9) once a third have arrived and started again on the same database: the
///    throughput, the delay from event to receipt, and every event delivered at least once.
public struct EventsBench: Sendable {
    public var clients = 500
    public var calls = 100
    /// Businesses the clients and calls are spread over (the spread case).
    public var businesses = 100
    public var deliveries = 10_000
    public var port = 38460
    public var telnyxPort = 38462

    public init() {}

    public func run() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("frontdesk-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        // An agency's dashboards: the clients spread over `businesses` businesses, each call on one of them.
        // Calls start spread over one utterance interval (0.6 s), as independent calls would: each still
        // runs all the others' length, but their callers do not all speak in the same millisecond.
        let spread = try await measureFanOut(folder: work.appendingPathComponent("ws-spread"), businesses: businesses, lockstep: false)
        // The worst case: every client watches the one business all the calls are for.
        let single = try await measureFanOut(folder: work.appendingPathComponent("ws-one"), businesses: 1, lockstep: false)
        // A stress case beyond the target: every caller of the 100 calls speaks at the same instant
        // (each utterance is 200 events, 100,000 frames, at once).
        let lockstep = try await measureFanOut(folder: work.appendingPathComponent("ws-lockstep"), businesses: 1, lockstep: true)
        let webhooks = try await measureWebhooks(folder: work.appendingPathComponent("webhooks"))
        let machine = ProcessInfo.processInfo.activeProcessorCount
        print("")
        print("| /api/ws: \(clients) clients, \(calls) calls at once | clients per business | turns written | frames delivered | turn write → delivery p50 / p99 / max | server CPU per frame | clients' CPU per frame | calls' wall time | target |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for (name, row, target) in [
            ("over \(businesses) businesses (one call each)", spread, "p99 < 50 ms"), ("all on one business", single, "p99 < 50 ms"),
            ("all on one business, every caller speaking at once", lockstep, "(stress)"),
        ] {
            print(String(format: "| %@ | %d | %d | %d | %.1f / %.1f / %.1f ms | %.1f µs | %.1f µs | %.1f s | %@ |",
                name, row.clients / max(1, row.businesses), row.turns, row.frames, row.p50, row.p99, row.max, row.cpuPerFrame * 1e6,
                row.clientCPUPerFrame * 1e6, row.seconds, target))
        }
        let fanOut = single
        print("")
        print("| outbound webhooks | value | target |")
        print("|---|---:|---|")
        print("| webhook events (leads created through the API) | \(webhooks.events) | \(deliveries) |")
        print(String(format: "| deliveries/s to the local receiver (signed, logged; the kill and restart included) | %.0f | |", webhooks.perSecond))
        print(String(format: "| event → receipt p50 / p99 (a %d-event burst: queueing included) | %.0f / %.0f ms | |", deliveries, webhooks.p50, webhooks.p99))
        print(String(format: "| server CPU per delivery | %.0f µs | |", webhooks.cpuPerDelivery * 1e6))
        print("| server killed (-9) after | \(webhooks.killedAfter) deliveries | mid-run |")
        print("| events delivered at least once | \(webhooks.delivered) of \(webhooks.events) | all |")
        print("| deliveries received twice (the receiver dedupes by webhook-id) | \(webhooks.duplicates) | few |")
        print("| signatures verified | \(webhooks.verified ? "all" : "NOT ALL") | all |")
        print("")
        print("(\(machine) cores shared by the server, the \(clients) socket clients, the callers and the receiver; SQLite)")
        if webhooks.delivered < webhooks.events || !webhooks.verified { throw BenchmarkError("not every event was delivered, signed") }
        if fanOut.turns == 0 || fanOut.frames < fanOut.turns * fanOut.clients { throw BenchmarkError("not every turn reached every client") }
        if spread.missing > 0 { throw BenchmarkError("\(spread.missing) turns did not reach their business's clients") }
    }

    // MARK: fan-out

    struct FanOut {
        var clients = 0, calls = 0, turns = 0, frames = 0, businesses = 1, missing = 0
        var p50 = 0.0, p99 = 0.0, max = 0.0, cpuPerFrame = 0.0, clientCPUPerFrame = 0.0, seconds = 0.0
    }

    private func measureFanOut(folder: URL, businesses: Int, lockstep: Bool) async throws -> FanOut {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let standIn = try await TelnyxStandIn.start(port: telnyxPort)
        defer { standIn.stop() }
        let signer = TelnyxSigner()
        let server = try await BenchServer(folder: folder, port: port, environment: [
            "TELNYX_PUBLIC_KEY": signer.publicKeyBase64, "TELNYX_API_KEY": "bench", "TELNYX_API_BASE": standIn.baseURL.absoluteString,
            "FRONTDESK_RATE_LIMIT_WEBHOOKS": "100000000", "FRONTDESK_MAX_CONNECTIONS_PER_CLIENT": "100000",
            "FRONTDESK_MAX_CONNECTIONS": "100000",
        ])
        defer { server.stop() }
        // The demo business answers +15550100123; the others each get a business and an agent of their own.
        var made = [(business: server.business, number: "+15550100123")]
        if businesses > 1 { print("Creating \(businesses - 1) more businesses, each with an agent …") }
        for index in 1..<max(1, businesses) {
            let (created, _) = try await HTTP.request(
                server.base + "/api/businesses", method: "POST", body: #"{"name":"Bench \#(index)"}"#, token: server.token)
            guard let id = ((try JSONSerialization.jsonObject(with: created) as? [String: Any])?["data"] as? [String: Any])?["id"] as? String
            else { throw BenchmarkError("could not create a business") }
            let number = "+1555030" + String(format: "%04d", index)
            let (_, status) = try await HTTP.request(
                server.base + "/api/agents", method: "POST",
                body: #"{"business_id":"\#(id)","name":"Agent \#(index)","phone_number":"\#(number)","status":"active"}"#, token: server.token)
            guard status == 201 else { throw BenchmarkError("could not create an agent (\(status))") }
            made.append((id, number))
        }
        let targets = made
        print("Connecting \(clients) clients to /api/ws (\(businesses == 1 ? "all on one business" : "\(clients / businesses) per business")) …")
        let load = EventLoad()
        // Fifty at a time, as dashboards opening: not 500 SYNs at once into the listen backlog.
        var sockets: [(Int, EventWatcher)] = []
        for index in 0..<clients {
            if index % 50 == 0 {
                let opened = sockets
                let wait = ContinuousClock.now + .seconds(10)
                while ContinuousClock.now < wait, !opened.allSatisfy({ $0.1.heard.withLock { $0.subscribed } }) {
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            sockets.append(
                (index % targets.count, load.connect(port: port, query: "business_id=\(targets[index % targets.count].business)", token: server.token)))
        }
        let subscribing = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < subscribing, !sockets.allSatisfy({ $0.1.heard.withLock { $0.subscribed } }) {
            try await Task.sleep(for: .milliseconds(50))
        }
        let subscribed = sockets.filter { $0.1.heard.withLock { $0.subscribed } }.count
        guard subscribed == clients else {
            let failures = Set(sockets.compactMap { $0.1.heard.withLock { $0.failure } })
            await load.close()
            throw BenchmarkError("only \(subscribed) of \(clients) sockets subscribed (\(failures.sorted().joined(separator: "; ")))")
        }
        print("Running \(calls) calls at once (3 caller utterances each) …")
        let cpuStart = ProcessStats.cpuSeconds(server.process.processIdentifier)
        let clientStart = ProcessStats.cpuSeconds(getpid())
        let started = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for call in 0..<calls {
                let number = targets[call % targets.count].number
                let offset = lockstep ? .zero : Duration.milliseconds(600 * call / max(1, calls))
                group.addTask {
                    try? await Task.sleep(for: offset)
                    try? await self.call(call, to: number, base: server.base, signer: signer)
                }
            }
        }
        // Every call's end to every socket of its business: then its turns have all arrived.
        let callsPer = (0..<targets.count).map { target in (0..<calls).filter { $0 % targets.count == target }.count }
        let expected = { (target: Int, watcher: EventWatcher) in watcher.heard.withLock { $0.callsEnded } >= callsPer[target] }
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, !sockets.allSatisfy(expected) { try await Task.sleep(for: .milliseconds(50)) }
        try await Task.sleep(for: .milliseconds(500))
        let cpu = ProcessStats.cpuSeconds(server.process.processIdentifier) - cpuStart
        let clientCPU = ProcessStats.cpuSeconds(getpid()) - clientStart
        let elapsed = ContinuousClock.now - started
        await load.close()
        var delays: [Double] = []
        var result = FanOut(clients: sockets.count, calls: calls, businesses: targets.count)
        var turnsPerTarget: [Int: Int] = [:]
        var instants: [String: Date] = [:]
        for (target, socket) in sockets {
            let heard = socket.heard.withLock { $0 }
            result.frames += heard.events
            turnsPerTarget[target] = max(turnsPerTarget[target] ?? 0, heard.turns.count)
            for turn in heard.turns {
                if instants[turn.timestamp] == nil { instants[turn.timestamp] = Self.instant(turn.timestamp) }
                guard let written = instants[turn.timestamp] else { continue }
                delays.append(turn.arrived.timeIntervalSince(written) * 1000)
            }
        }
        result.turns = turnsPerTarget.values.reduce(0, +)
        // A socket that got fewer turns than its business's other sockets missed some.
        for (target, socket) in sockets {
            result.missing += (turnsPerTarget[target] ?? 0) - socket.heard.withLock { $0.turns.count }
        }
        delays.sort()
        if !delays.isEmpty {
            result.p50 = delays[delays.count / 2]
            result.p99 = delays[Swift.min(delays.count - 1, delays.count * 99 / 100)]
            result.max = delays.last!
        }
        result.cpuPerFrame = cpu / Double(max(1, result.frames))
        result.clientCPUPerFrame = clientCPU / Double(max(1, result.frames))
        result.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return result
    }

    private func call(_ index: Int, to number: String, base: String, signer: TelnyxSigner) async throws {
        try await Self.playCall(index, to: number, base: base, signer: signer)
    }

    /// One call as Telnyx would send it: started, answered, three things the caller says, hung up.
    static func playCall(_ index: Int, to number: String, base: String, signer: TelnyxSigner) async throws {
        let id = "v3:events-bench-\(index)"
        let from = "+1557" + String(format: "%07d", index)
        func payload(_ extra: String) -> String {
            #"{"call_control_id":"\#(id)","call_leg_id":"leg-\#(index)","call_session_id":"s-\#(index)","connection_id":"bench","from":"\#(from)","to":"\#(number)","direction":"incoming"\#(extra)}"#
        }
        var sequence = 0
        func send(_ type: String, _ extra: String) async throws {
            sequence += 1
            let body = #"{"data":{"record_type":"event","event_type":"\#(type)","id":"ev-\#(index)-\#(sequence)","occurred_at":"2026-11-23T15:00:00Z","payload":\#(payload(extra))},"meta":{"attempt":1}}"#
            let signed = try signer.headers(for: Array(body.utf8), at: Date())
            var request = HTTPClientRequest(url: base + "/api/webrtc/webhook")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "telnyx-signature-ed25519", value: signed.signature)
            request.headers.add(name: "telnyx-timestamp", value: signed.timestamp)
            request.body = .bytes(ByteBuffer(string: body))
            _ = try await HTTPClient.shared.execute(request, timeout: .seconds(30)).body.collect(upTo: 1 << 16)
        }
        try await send("call.initiated", #","client_state":null,"state":"parked""#)
        try await Task.sleep(for: .milliseconds(300))
        try await send("call.answered", #","client_state":"YWdlbnQ=","state":"answered""#)
        for words in ["Hi, what are your hours?", "How much is a cleaning?", "Thanks, that's all."] {
            try await Task.sleep(for: .milliseconds(600))
            try await send(
                "call.transcription",
                #","client_state":null,"transcription_data":{"transcript":"\#(words)","confidence":0.95,"is_final":true,"transcription_track":"inbound"}"#)
        }
        try await Task.sleep(for: .milliseconds(600))
        try await send("call.hangup", #","client_state":null,"hangup_cause":"normal_clearing","hangup_source":"caller""#)
    }

    // MARK: webhooks

    struct Webhooks {
        var events = 0, delivered = 0, duplicates = 0, killedAfter = 0
        var perSecond = 0.0, p50 = 0.0, p99 = 0.0, cpuPerDelivery = 0.0
        var verified = true
    }

    private func measureWebhooks(folder: URL) async throws -> Webhooks {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        let environment = ["FRONTDESK_WEBHOOKS_ALLOW_PRIVATE": "1"]
        var server = try await BenchServer(folder: folder, port: port + 1, environment: environment)
        var stopped = false
        defer { if !stopped { server.stop() } }
        let (created, _) = try await HTTP.request(
            server.base + "/api/webhooks", method: "POST",
            body: #"{"business_id":"\#(server.business)","url":"\#(receiver.url)","events":["lead.created"]}"#, token: server.token)
        guard let json = try JSONSerialization.jsonObject(with: created) as? [String: Any],
            let secret = (json["data"] as? [String: Any])?["secret"] as? String
        else { throw BenchmarkError("could not create the webhook endpoint") }

        print("Creating \(deliveries) leads through the API (each a lead.created event for the endpoint) …")
        var result = Webhooks()
        let started = ContinuousClock.now
        let (base, token, business) = (server.base, server.token, server.business)
        var cpu = ProcessStats.cpuSeconds(server.process.processIdentifier)
        result.events = await withTaskGroup(of: Bool.self) { group in
            var accepted = 0
            for index in 0..<deliveries {
                if index >= 32, await group.next() == true { accepted += 1 }
                group.addTask {
                    var request = HTTPClientRequest(url: base + "/api/leads")
                    request.method = .POST
                    request.headers.add(name: "Authorization", value: "Bearer \(token)")
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(ByteBuffer(string: #"{"business_id":"\#(business)","name":"Bench \#(index)","source":"website"}"#))
                    guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(30)) else { return false }
                    _ = try? await response.body.collect(upTo: 1 << 16)
                    return response.status.code == 201
                }
            }
            for await created in group where created { accepted += 1 }
            return accepted
        }
        // Kill -9 once a third have arrived, then start again on the same database.
        await receiver.wait(timeout: .seconds(120)) { $0.count >= deliveries / 3 }
        result.killedAfter = receiver.deliveries.count
        print("Killing the server (-9) after \(result.killedAfter) deliveries, then starting it again …")
        cpu = ProcessStats.cpuSeconds(server.process.processIdentifier) - cpu
        kill(server.process.processIdentifier, SIGKILL)
        server.process.waitUntilExit()
        stopped = true
        server = try await BenchServer(folder: folder, port: port + 1, environment: environment)
        stopped = false
        let restartCPU = ProcessStats.cpuSeconds(server.process.processIdentifier)
        await receiver.wait(timeout: .seconds(300)) { Set($0.compactMap(\.webhookId)).count >= result.events }
        let took = ContinuousClock.now - started
        cpu += ProcessStats.cpuSeconds(server.process.processIdentifier) - restartCPU
        let got = receiver.deliveries
        let unique = Set(got.compactMap(\.webhookId))
        result.delivered = unique.count
        result.duplicates = got.count - unique.count
        result.verified = got.allSatisfy { $0.verifies(secret: secret) }
        result.perSecond = Double(got.count) / (Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18)
        var delays = got.compactMap { delivery -> Double? in
            guard let text = delivery.json["timestamp"]?.text, let at = Self.instant(text) else { return nil }
            return delivery.receivedAtDate.timeIntervalSince(at) * 1000
        }.sorted()
        if delays.isEmpty { delays = [0] }
        result.p50 = delays[delays.count / 2]
        result.p99 = delays[Swift.min(delays.count - 1, delays.count * 99 / 100)]
        result.cpuPerDelivery = cpu / Double(max(1, got.count))
        return result
    }

    static func instant(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
