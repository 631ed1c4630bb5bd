import Foundation
import FrontdeskAudio
import FrontdeskCore
import FrontdeskMedia
import FrontdeskSimulator
import Logging
import Synchronization

/// Issue 20: end of turn on the audio test set, at the defaults. The real server (a child process)
/// takes one call per line condition — clean, 30, 20 and 10 dB SNR, each with the agent's voice echoed
/// at −25 dB — over the Telnyx media protocol in real time; the caller says every line of
/// `AudioTestSet` (espeak-ng) and waits for the answer. Speech-to-text is the scripted stand-in,
/// giving back only the words played so far, by the generated audio's word timings; text-to-speech
/// answers at once. Per condition: the caller's last word → the answer's first frame for finished
/// sentences (p50, max), for the slow lines, turns split (an answer starting inside a line), and
/// false barge-ins (the server clearing its own playback while the caller was silent).
public struct TurnsBench: Sendable {
    public var port = 38416
    /// Signal-to-noise ratios to play (nil: a clean line).
    public var conditions: [Double?] = [nil, 30, 20, 10]
    public var echo: Double = -25
    /// Extra server environment (e.g. MEDIA_TURN_DETECTION=silence, to compare).
    public var environment: [String: String] = [:]

    public init() {}

    struct Result {
        var finished: [Double] = []
        var slow: [Double] = []
        var split = 0
        var splitOf = 0
        var splitLines: [String] = []
        var falseBargeIns = 0
        var unanswered = 0
    }

    public func run() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("frontdesk-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let stt = try await ScriptedSpeechServer.start()
        defer { stt.stop() }
        let tts = try await ToneSpeechServer.start()
        defer { tts.stop() }
        let server = try await BenchServer(folder: work, port: port, environment: [
            "STT_PROVIDER": "deepgram", "STT_BASE_URL": stt.baseURL.absoluteString,
            "TTS_PROVIDER": "openai", "TTS_BASE_URL": tts.baseURL.absoluteString + "/v1",
            "MEDIA_RECORD_CALLS": "0",
        ].merging(environment) { _, new in new })
        defer { server.stop() }
        let voice = try EspeakSynthesizer(voice: "en-us+m3", wordsPerMinute: 175)
        var lines: [(AudioTestSet.Line, CallerVoice.Line)] = []
        for line in AudioTestSet.lines {
            lines.append((line, try await CallerVoice(synthesizer: voice, thinkingPause: line.pause).speak(line.text, sampleRate: 8_000)))
        }
        let spoken = lines
        print("Audio test set: \(spoken.count) lines (espeak-ng), each condition one call in real time, the agent's voice echoed at \(Int(echo)) dB")
        let tokens = MediaStreamTokens(secret: MediaBench.secret)
        var results: [(String, Result)] = []
        for condition in conditions {
            let name = condition.map { "\(Int($0)) dB SNR" } ?? "clean"
            let id = "v3:bench-turns-\(UUID().uuidString.prefix(8))"
            let peer = MediaStreamPeer(
                carrier: .telnyx, url: "ws://127.0.0.1:\(port)/api/media/telnyx", token: tokens.token(for: id), callId: id,
                from: "+15557654321", to: "+15550100123", line: MediaStreamPeer.Line(signalToNoise: condition, echo: echo))
            let measured = Mutex(Result())
            try await peer.connect { peer in
                guard try await peer.waitForAgent(after: 0, quiet: .milliseconds(500)) else { throw BenchmarkError("no greeting") }
                for (line, audio) in spoken {
                    let before = peer.observed.withLock { $0.frameTimes.count }
                    let start = ContinuousClock.now
                    stt.speak(words: audio.words, ends: audio.ends)
                    try await peer.say(audio.samples)
                    let lastWord = start + audio.ends.last!
                    let answered = try await peer.waitForAgent(after: before, quiet: .milliseconds(500), timeout: .seconds(8))
                    let times = peer.observed.withLock { Array($0.frameTimes.dropFirst(before)) }
                    measured.withLock { result in
                        guard answered, let first = times.first else {
                            result.unanswered += 1
                            return
                        }
                        if line.kind != .finished { result.splitOf += 1 }
                        if first < lastWord {
                            result.split += 1
                            result.splitLines.append(line.text)
                            return
                        }
                        let latency = Self.ms(first - lastWord)
                        if line.kind == .finished { result.finished.append(latency) } else { result.slow.append(latency) }
                    }
                }
            }
            var result = measured.withLock { $0 }
            result.falseBargeIns = peer.observed.withLock { $0.clears.count }
            results.append((name, result))
            print("  \(name): done")
        }
        print("")
        print("| line | finished sentences p50 / max | slow lines (pause, list, number, date, um) p50 | turns split | false barge-ins | unanswered |")
        print("|---|---:|---:|---:|---:|---:|")
        for (name, result) in results {
            let finished = result.finished.sorted()
            let slow = result.slow.sorted()
            print(String(
                format: "| %@ | %.0f / %.0f ms | %.0f ms | %d of %d | %d | %d |", name, Self.percentile(finished, 0.5), finished.last ?? 0,
                Self.percentile(slow, 0.5), result.split, result.splitOf + AudioTestSet.lines.filter { $0.kind == .finished }.count,
                result.falseBargeIns, result.unanswered))
        }
        for (name, result) in results where !result.splitLines.isEmpty {
            print("split (\(name)): " + result.splitLines.map { "\"\($0)\"" }.joined(separator: ", "))
        }
        let voiced = spoken.flatMap { $0.1.samples }.filter { abs(Int($0)) > 300 }
        let level = 20 * log10((voiced.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, voiced.count))).squareRoot() / 32_768)
        print(String(format: "The caller's voice: %.1f dBFS RMS while voiced (the line's noise is set against −20 dBFS).", level))
        print("\nTargets (issue 20, at the defaults): finished sentences p50 ≤ 250 ms; no turn split; no false barge-in at 20 dB SNR.")
    }

    static func ms(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
}
