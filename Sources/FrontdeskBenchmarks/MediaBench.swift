import Foundation
import FrontdeskAudio
import FrontdeskCore
import FrontdeskMedia
import FrontdeskServer
import FrontdeskSimulator
import FrontdeskStore
import HTTPTypes
import Hummingbird
import HummingbirdWSClient
import Logging
import NIOCore
import NIOPosix
import NIOWebSocket
import Synchronization

/// Issue 5 (b)–(d): N simulated bidirectional µ-law calls over the Telnyx media protocol, in real
/// time, through the real server (a child process: turn detection, speech-to-text, the receptionist,
/// text-to-speech, 20 ms pacing) with instant local providers — the scripted Deepgram-protocol
/// stand-in and an OpenAI-compatible speech server that answers with a tone at once. Reports dropped
/// frames, outbound pacing jitter, CPU and memory per call, and the runtime's latency per turn.
public struct MediaBench: Sendable {
    /// Concurrent calls.
    public var calls = 200
    /// Seconds measured once every call is up.
    public var duration = 30
    /// Loopback port for the server under test.
    public var port = 38413
    /// Record every call (Ogg Opus), as production does by default.
    public var record = false
    /// On a VM with the haltpoll cpuidle driver: how long (ns) an idle vCPU polls before it halts, set for this run and restored after (root). See HaltPolling.
    public var haltPollNs: Int?

    static let secret = String(repeating: "b", count: 48)

    public init() {}

    public func run() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("frontdesk-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        var haltPollingBefore: Int?
        if let haltPollNs {
            do { haltPollingBefore = try HaltPolling.set(haltPollNs) } catch {
                throw BenchmarkError("--halt-poll-ns: this machine's vCPU halt polling cannot be set (\(error)); it needs the haltpoll cpuidle driver and root")
            }
            print("vCPU halt polling set to \(haltPollNs) ns for this run (was \(haltPollingBefore ?? 0) ns)")
        }
        defer { if let haltPollingBefore { _ = try? HaltPolling.set(haltPollingBefore) } }
        let stt = try await ScriptedSpeechServer.start()
        defer { stt.stop() }
        stt.fallbackLine.withLock { $0 = "What are your hours?" }
        let tts = try await ToneSpeechServer.start()
        defer { tts.stop() }
        let server = try await BenchServer(folder: work, port: port, environment: [
            "STT_PROVIDER": "deepgram", "STT_BASE_URL": stt.baseURL.absoluteString,
            "TTS_PROVIDER": "openai", "TTS_BASE_URL": tts.baseURL.absoluteString + "/v1",
            "MEDIA_RECORD_CALLS": record ? "1" : "0",
        ])
        defer { server.stop() }
        let pid = server.process.processIdentifier
        try await Task.sleep(for: .seconds(1))
        let baselineRSS = ProcessStats.rssKB(pid)
        let serverLoopNice = ProcessStats.loopNice(pid)
        let tokens = MediaStreamTokens(secret: Self.secret)

        print("Connecting \(calls) calls (µ-law, 8 kHz, real time) …")
        let load = MediaLoad(calls: calls)
        // The callers play the carrier, which would not share the server's cores: their event loops
        // get the priority the server gives its own (when this process may raise it), so the
        // server's raised loops do not starve them into sending in bursts. The providers' stand-ins
        // stay at the default: their delays are measured as the providers' own time.
        var quiet = Logger(label: "bench")
        quiet.logLevel = .critical
        let loopNice = ((try? AppConfiguration.fromEnvironment()) ?? AppConfiguration()).loopNice
        let callersRaised = await LoopPriority.raise(load.group, nice: loopNice, logger: quiet)
        for index in 0..<calls {
            let id = "v3:bench-media-\(index)"
            load.connect(index: index, port: port, path: "/api/media/telnyx", token: tokens.token(for: id), callId: id)
            if index % 20 == 19 { try await Task.sleep(for: .milliseconds(100)) }
        }
        // All up, and past their first turn.
        let rampStart = ContinuousClock.now
        while load.connected.load(ordering: .relaxed) < calls, ContinuousClock.now - rampStart < .seconds(60) {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .seconds(4))
        print("Measuring \(duration) s with \(load.connected.load(ordering: .relaxed)) calls up …")
        load.measuring.store(true, ordering: .relaxed)
        let cpuStart = ProcessStats.cpuSeconds(pid)
        let machineStart = MachineStats.cpuTicks()
        let healthBefore = try await Self.mediaHealth(server.base)
        let wallStart = ContinuousClock.now
        try await Task.sleep(for: .seconds(Double(duration) / 2))
        let activeRSS = ProcessStats.rssKB(pid)
        try await Task.sleep(for: .seconds(Double(duration) / 2))
        let cpuEnd = ProcessStats.cpuSeconds(pid)
        let stolen = MachineStats.stolenShare(since: machineStart)
        let healthAfter = try await Self.mediaHealth(server.base)
        let wall = ContinuousClock.now - wallStart
        load.measuring.store(false, ordering: .relaxed)
        await load.hangUp()

        // The server's own account of its streams, once they have all ended.
        var media: [String: Any] = [:]
        for _ in 0..<100 {
            media = try await Self.mediaHealth(server.base)
            if media["active_streams"] as? Int == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        // Recordings are encoded after their calls, one at a time: the CPU that takes, per second of call.
        var encoding: (cpu: Double, audio: Double)?
        if record {
            let cpuBefore = ProcessStats.cpuSeconds(pid)
            let idleCPU = 0.01  // the server's own housekeeping per second, about
            let drainStart = ContinuousClock.now
            while ContinuousClock.now - drainStart < .seconds(600) {
                if try await Self.mediaHealth(server.base)["recordings_pending"] as? Int == 0 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let drain = ContinuousClock.now - drainStart
            let drainSeconds = Double(drain.components.seconds) + Double(drain.components.attoseconds) / 1e18
            let audioSeconds = Double(media["frames_in"] as? Int ?? 0) * 0.02
            encoding = (max(0, ProcessStats.cpuSeconds(pid) - cpuBefore - idleCPU * drainSeconds), audioSeconds)
        }
        let store = try Store(path: work.appendingPathComponent("bench.sqlite").path)
        let turns = try await store.calls.latencies(business: BusinessID(rawValue: server.business), from: nil, to: nil)
        let latencies = turns.map(\.runtimeMs).sorted()
        let endToEnd = turns.map { $0.totalMs - $0.endOfTurnMs }.sorted()
        let client = load.summary()
        let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        let cpu = (cpuEnd - cpuStart) / seconds
        let perCallKB = Double(activeRSS - baselineRSS) / Double(max(1, calls))
        let p99Latency = latencies.percentile(0.99)
        // Steady state: the frames sent within the measured window (the ramp's call set-ups excluded).
        let window = Self.windowHistogram("lateness_histogram", before: healthBefore, after: healthAfter)
        let jitterWindow = Self.windowHistogram("interval_jitter_histogram", before: healthBefore, after: healthAfter)
        let windowFrames = window.reduce(0, +)
        let lateP99 = MediaStreamStatistics.percentile(0.99, of: window)
        // Dropped: caller audio that never came, agent audio the sender skipped (a schedule restart
        // leaves a gap the carrier fills with silence) or could not write, and agent frames the
        // server sent that no caller received. A frame that came late is jitter, measured below.
        let framesOut = media["frames_out"] as? Int ?? 0
        let unsent = media["frames_unsent"] as? Int ?? 0
        let undelivered = max(0, framesOut - unsent - client.framesHeard)
        let dropped = (media["frames_lost"] as? Int ?? 0) + (media["schedule_resets"] as? Int ?? 0) + unsent + undelivered
        print("")
        print("| measure | value | target |")
        print("|---|---:|---|")
        print("| concurrent calls (µ-law 8 kHz, both directions, real time) | \(load.connected.load(ordering: .relaxed)) of \(calls) | ≥ 200 |")
        print("| frames in / out at the server (whole run) | \(media["frames_in"] ?? "?") / \(media["frames_out"] ?? "?") | |")
        print("| agent frames sent by the server / received by the callers (whole run) | \(framesOut - unsent) / \(client.framesHeard) | |")
        print("| dropped frames (inbound lost + sender schedule restarts + unsent + sent but not received) | \(dropped) (\(media["frames_lost"] ?? "?") + \(media["schedule_resets"] ?? "?") + \(unsent) + \(undelivered)) | 0 |")
        print(String(format: "| outbound frame-interval jitter, abs(interval − 20 ms), p50 / p99 / max (server, %d intervals in the window) | %.1f / %.1f / %.1f ms | p99 < 5 ms |", jitterWindow.reduce(0, +), MediaStreamStatistics.percentile(0.5, of: jitterWindow), MediaStreamStatistics.percentile(0.99, of: jitterWindow), MediaStreamStatistics.maximum(of: jitterWindow)))
        print(String(format: "| outbound pacing: frame lateness against its 20 ms slot, p50 / p99 / max (server, %d frames in the window) | %.1f / %.1f / %.1f ms | |", windowFrames, MediaStreamStatistics.percentile(0.5, of: window), lateP99, MediaStreamStatistics.maximum(of: window)))
        print(String(format: "| the same over the whole run, the calls' set-up (%d in %.1f s) included | %.1f / %.1f / %.1f ms | |", calls, Double(calls) / 200, media["lateness_p50_ms"] as? Double ?? -1, media["lateness_p99_ms"] as? Double ?? -1, media["lateness_max_ms"] as? Double ?? -1))
        print(String(format: "| outbound frame interval jitter as received, p50 / p99 (client, loopback) | %.1f / %.1f ms | |", client.jitterP50, client.jitterP99))
        print(String(format: "| agent frames received more than a slot late (gap over 30 ms, client, in the window) | %d of %d | |", client.lateFrames, windowFrames))
        print(String(format: "| CPU of the server | %.0f %% of a core, %.2f %% per call | |", cpu * 100, cpu * 100 / Double(calls)))
        print(String(format: "| CPU time the hypervisor took from this machine (steal, /proc/stat, in the window) | %.1f %% | |", stolen * 100))
        print(String(format: "| memory per active call (server RSS with the calls up − before) | %.0f KB (%.1f MB − %.1f MB over %d calls) | < 1 MB |", perCallKB, Double(activeRSS) / 1024, Double(baselineRSS) / 1024, calls))
        print(String(format: "| runtime-added latency per turn (end of turn → first frame out, less the providers' own time), p50 / p99 over %d turns | %.1f / %.1f ms | p99 < 25 ms |", latencies.count, latencies.percentile(0.5), p99Latency))
        print(String(format: "| — the whole of it, providers included (end of turn → first frame out), p50 / p99 | %.1f / %.1f ms | |", endToEnd.percentile(0.5), endToEnd.percentile(0.99)))
        func stage(_ name: String, _ value: (TurnLatency) -> Double) {
            let values = turns.map(value).sorted()
            print(String(format: "| — stage: %@, p50 / p99 | %.1f / %.1f ms | |", name, values.percentile(0.5), values.percentile(0.99)))
        }
        stage("turn detected → final transcript", \.transcriptMs)
        stage("transcript → first reply sentence", \.replyMs)
        stage("reply sentence → first TTS audio", \.firstAudioMs)
        stage("first audio → first frame out", \.firstFrameMs)
        stage("within them, speech-to-text's own time (Finalize → final words)", { $0.speechToTextMs ?? 0 })
        stage("within them, text-to-speech's own time (request → first audio)", { $0.textToSpeechMs ?? 0 })
        if let encoding {
            print(String(format: "| recording: encoded after each call (Ogg Opus), CPU per second of call audio | %.2f ms (%.1f s of CPU for %.0f s of calls: %.2f %% of a core per live call) | |", encoding.cpu * 1_000 / max(1, encoding.audio), encoding.cpu, encoding.audio, encoding.cpu * 100 / max(1, encoding.audio)))
        }
        print(String(format: "| agent replies heard by the callers / barge-ins | %d / %@ | |", client.replies, "\(media["barge_ins"] ?? "?")"))
        print("")
        print("(\(ProcessInfo.processInfo.activeProcessorCount) cores; the server's event loops at nice \(serverLoopNice.map(String.init).joined(separator: "/")) (MEDIA_LOOP_NICE), the callers' \(callersRaised > 0 ? "at \(loopNice) too" : "at the default priority (not allowed to raise them)"); the callers run in this process, the server in another; recording \(record ? "on" : "off"); \(Self.describeHaltPolling()); the stand-in providers answer at once, but they run in this loaded process: their own time, as the runtime sees it, is taken out of the runtime's)")
    }
}

extension MediaBench {
    static func describeHaltPolling() -> String {
        guard let setting = HaltPolling.read() else { return "idle vCPUs: no haltpoll driver" }
        return setting.haltsAtOnce
            ? "idle vCPUs halt at once (haltpoll, guest_halt_poll_ns=0)"
            : "idle vCPUs poll up to \(setting.pollNanoseconds / 1_000) µs before they halt (haltpoll)"
    }

    static func mediaHealth(_ base: String) async throws -> [String: Any] {
        let (data, _) = try await HTTP.request("\(base)/api/health?detailed=true&cache=false")
        return ((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["data"] as? [String: Any])?["media"] as? [String: Any] ?? [:]
    }

    /// One of the server's histograms from its health, back in `MediaStreamStatistics`' 0.1 ms buckets.
    static func histogram(_ key: String, _ media: [String: Any]) -> [Int] {
        var histogram = MediaStreamStatistics.emptyHistogram
        for pair in media[key] as? [[Double]] ?? [] where pair.count == 2 {
            let bucket = Int((pair[0] * 10).rounded())
            if histogram.indices.contains(bucket) { histogram[bucket] += Int(pair[1]) }
        }
        return histogram
    }

    /// What a histogram gained between two snapshots of the server's health.
    static func windowHistogram(_ key: String, before: [String: Any], after: [String: Any]) -> [Int] {
        zip(histogram(key, after), histogram(key, before)).map { max(0, $0 - $1) }
    }
}

/// The speech server for the benchmark: OpenAI-compatible `/v1/audio/speech`, answering every
/// sentence at once with 0.8 s of 24 kHz PCM tone.
final class ToneSpeechServer: Sendable {
    let port: Int
    private let task: Task<Void, any Error>

    private init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }
    func stop() { task.cancel() }

    static func start() async throws -> ToneSpeechServer {
        let tone = (0..<19_200).flatMap { index -> [UInt8] in
            let value = UInt16(bitPattern: Int16(6_000 * sin(2 * Double.pi * 300 * Double(index) / 24_000)))
            return [UInt8(value & 0xFF), UInt8(value >> 8)]
        }
        let router = Router()
        router.post("v1/audio/speech") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 16)
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: ByteBuffer(bytes: tone)))
        }
        let (port, task) = try await LoopbackServer.start(router, name: "tone speech server")
        return ToneSpeechServer(port: port, task: task)
    }
}

/// The whole machine's CPU time, from the first line of /proc/stat: on a virtual machine the `steal`
/// column is time a vCPU wanted to run and the hypervisor gave to someone else. Pacing and latency
/// tails follow it, loosely (a halted vCPU that the host resumes late counts as idle, not steal), so
/// the benchmarks report it beside their figures.
enum MachineStats {
    /// (all ticks, stolen ticks) so far.
    static func cpuTicks() -> (total: UInt64, steal: UInt64) {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return (0, 0) }
        // user nice system idle iowait irq softirq steal (guest time is already inside user).
        let fields = line.split(separator: " ").dropFirst().prefix(8).compactMap { UInt64($0) }
        guard fields.count == 8 else { return (0, 0) }
        return (fields.reduce(0, +), fields[7])
    }

    /// The share of the machine's CPU time stolen since `start` (0 when /proc/stat is unreadable).
    static func stolenShare(since start: (total: UInt64, steal: UInt64)) -> Double {
        let now = cpuTicks()
        guard now.total > start.total else { return 0 }
        return Double(now.steal &- start.steal) / Double(now.total - start.total)
    }
}

/// CPU time and resident memory of a process, from /proc.
enum ProcessStats {
    static func cpuSeconds(_ pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state is field 3; utime and stime are fields 14 and 15.
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The CPU time of every live process whose command is `command` (e.g. `postgres`: the server and
    /// its backends), summed; a process that exited meanwhile no longer counts.
    static func cpuSeconds(command: String) -> [Int32: Double] {
        var times: [Int32: Double] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")"),
                stat[stat.index(after: open)..<close] == command
            else { continue }
            times[pid] = cpuSeconds(pid)
        }
        return times
    }

    /// The nice values of a process's NIO event-loop threads (distinct, sorted).
    static func loopNice(_ pid: Int32) -> [Int] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        var values = Set<Int>()
        for task in tasks {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/stat", encoding: .utf8),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")"),
                stat[stat.index(after: open)..<close].hasPrefix("NIO-")
            else { continue }
            // After the command: nice is field 19.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 16, let nice = Int(fields[16]) { values.insert(nice) }
        }
        return values.sorted()
    }

    static func rssKB(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
}
