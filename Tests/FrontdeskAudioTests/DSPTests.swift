import Foundation
import FrontdeskAudio
import Testing

@Suite("Resampling, turn detection, reordering, pacing, recording")
struct DSPTests {
    @Test("Resampling 8 kHz to 16 kHz keeps a tone's pitch and level, chunk by chunk")
    func upsampling() throws {
        let resampler = try Resampler(from: 8_000, to: 16_000)
        let tone = Signals.tone(1_000, rate: 8_000, seconds: 1, amplitude: 0.5)
        let output = Signals.frames(tone, size: 160).flatMap { resampler.process($0) }
        // The filter holds back its own delay (80 samples here, 5 ms), nothing more.
        #expect((15_900...16_000).contains(output.count))
        let settled = Array(output[800...])
        #expect(abs(Signals.zeroCrossingsPerSecond(settled, rate: 16_000) - 2_000) < 20)
        #expect(abs(20 * log10(Signals.rms(settled) / Signals.rms(tone))) < 1)
    }

    @Test("Resampling down filters out what the lower rate cannot carry instead of aliasing it")
    func downsamplingFilters() throws {
        let resampler = try Resampler(from: 16_000, to: 8_000)
        // 5 kHz is above 8 kHz's Nyquist frequency: naive decimation would fold it to 3 kHz at full level.
        let high = Signals.tone(5_000, rate: 16_000, seconds: 0.5, amplitude: 0.5)
        let output = Signals.frames(high, size: 320).flatMap { resampler.process($0) }
        let attenuation = 20 * log10(max(Signals.rms(output[400...]), 1) / Signals.rms(high))
        #expect(attenuation < -30, "only \(attenuation) dB down")
    }

    @Test("Same rate in and out passes samples through untouched")
    func sameRate() throws {
        let resampler = try Resampler(from: 8_000, to: 8_000)
        #expect(resampler.process([1, 2, 3]) == [1, 2, 3])
    }

    @Test("The turn detector hears speech over a quiet line and ends the turn after the configured silence")
    func turnOnQuietLine() {
        var detector = VoiceActivityDetector(settings: .init(endOfTurn: .milliseconds(600)))
        let background = Signals.noise(rate: 8_000, seconds: 1, amplitude: 0.001)
        let speech = Signals.tone(300, rate: 8_000, seconds: 0.8, amplitude: 0.2)
        let events = run(&detector, background + speech + Signals.noise(rate: 8_000, seconds: 1, amplitude: 0.001, seed: 7))
        #expect(events.map(\.event) == [.speechStarted, .paused(pause: 1), .turnEnded(speech: .milliseconds(800))])
        // Speech starts 3 frames in (clicks shorter than that are ignored); a pause is reported 100 ms
        // after it stops, and the turn ends 600 ms after it stops.
        #expect(events[0].frame == 50 + 2)
        #expect(events[1].frame == 50 + 40 + 5 - 1)
        #expect(events[2].frame == 50 + 40 + 30 - 1)
        #expect(detector.endedAfter == .milliseconds(600))
    }

    @Test("Semantic end of turn: a pause given a short wait ends the turn then (at once if already that quiet); speech before it resumes the turn and the pause's wait is forgotten")
    func pauseWaits() {
        let quiet = Signals.noise(rate: 8_000, seconds: 1, amplitude: 0.001)
        let speech = Signals.tone(300, rate: 8_000, seconds: 0.4, amplitude: 0.2)
        var detector = VoiceActivityDetector(settings: .init(endOfTurn: .milliseconds(1_000)))
        var events = run(&detector, quiet + speech + Array(quiet.prefix(800)))  // 100 ms after the speech
        #expect(events.map(\.event) == [.speechStarted, .paused(pause: 1)])
        // The words so far read as finished: 160 ms. Not yet that quiet; three more quiet frames end it.
        #expect(detector.wait(.milliseconds(160), forPause: 1) == nil)
        events = run(&detector, Array(quiet.prefix(480)))
        #expect(events.map(\.event) == [.turnEnded(speech: .milliseconds(400))])
        #expect(detector.endedAfter == .milliseconds(160))

        // A wait decided late (the provider was slow): the turn ends at once. A wait for an old pause is ignored.
        detector = VoiceActivityDetector(settings: .init(endOfTurn: .milliseconds(1_000)))
        events = run(&detector, quiet + speech + Array(quiet.prefix(2_400)))  // 300 ms after
        #expect(events.map(\.event) == [.speechStarted, .paused(pause: 1)])
        #expect(detector.wait(.milliseconds(160), forPause: 0) == nil)
        #expect(detector.wait(.milliseconds(160), forPause: 1) == .turnEnded(speech: .milliseconds(400)))

        // An unfinished phrase: the caller goes on after 600 ms; the turn carries on, and ends only at
        // the upper bound after the second stretch of speech (its own pause not yet decided).
        detector = VoiceActivityDetector(settings: .init(endOfTurn: .milliseconds(1_000)))
        events = run(&detector, quiet + speech + Array(quiet.prefix(800)))
        #expect(detector.wait(.milliseconds(1_000), forPause: 1) == nil)
        events = run(&detector, Array(quiet.prefix(4_000)) + speech + quiet + quiet)
        #expect(events.map(\.event) == [.resumed(quiet: .milliseconds(600)), .paused(pause: 2), .turnEnded(speech: .milliseconds(1_400))])
        #expect(detector.endedAfter == .milliseconds(1_000))
    }

    @Test("The echo guard: a voice no louder than the gate does not start a turn, nor move the noise floor; a louder one does")
    func echoGate() {
        var detector = VoiceActivityDetector()
        let quiet = Signals.noise(rate: 8_000, seconds: 0.4, amplitude: 0.001)
        _ = run(&detector, quiet)
        let floor = detector.noiseFloor
        let echo = Signals.tone(300, rate: 8_000, seconds: 0.5, amplitude: 0.02)  // about −37 dBFS
        let echoFrames = Signals.frames(echo, size: 160)
        #expect(echoFrames.compactMap { detector.process($0, startAbove: -30) }.isEmpty)
        #expect(detector.noiseFloor == floor)
        #expect(echoFrames.compactMap { detector.process($0, startAbove: nil) } == [.speechStarted])
    }

    @Test("A noisy background raises the floor: the noise itself never counts as speech, a voice over it does")
    func noisyLine() {
        var detector = VoiceActivityDetector()
        let noise = Signals.noise(rate: 8_000, seconds: 3, amplitude: 0.05)
        #expect(run(&detector, noise).isEmpty)
        #expect(detector.noiseFloor > -45)
        let voice = Signals.tone(250, rate: 8_000, seconds: 0.6, amplitude: 0.5)
        let mixed = zip(voice, noise).map { Int16(clamping: Int($0) + Int($1)) }
        #expect(run(&detector, mixed).map(\.event) == [.speechStarted])
    }

    @Test("A click shorter than the start threshold is not speech")
    func clicksIgnored() {
        var detector = VoiceActivityDetector()
        let quiet = Signals.noise(rate: 8_000, seconds: 0.5, amplitude: 0.001)
        let click = Signals.tone(1_000, rate: 8_000, seconds: 0.04, amplitude: 0.8)
        #expect(run(&detector, quiet + click + quiet).isEmpty)
    }

    private func run(_ detector: inout VoiceActivityDetector, _ samples: [Int16]) -> [(frame: Int, event: VoiceActivityDetector.Event)] {
        Signals.frames(samples, size: 160).enumerated().compactMap { index, frame in
            detector.process(frame).map { (index, $0) }
        }
    }

    @Test("The jitter buffer puts frames back in order, drops duplicates and late ones, and gives up on lost ones")
    func jitterBuffer() {
        var buffer = JitterBuffer<String>(depth: 2)
        func played(_ outputs: [JitterBuffer<String>.Output]) -> [String] {
            outputs.map { if case .frame(let frame) = $0 { frame } else { "lost" } }
        }
        #expect(played(buffer.push("1", sequence: 1)) == ["1"])
        #expect(played(buffer.push("3", sequence: 3)) == [])       // waits for 2
        #expect(played(buffer.push("2", sequence: 2)) == ["2", "3"])
        #expect(played(buffer.push("2", sequence: 2)) == [])       // late duplicate
        #expect(played(buffer.push("5", sequence: 5)) == [])       // 4 missing: wait…
        #expect(played(buffer.push("6", sequence: 6)) == [])
        #expect(played(buffer.push("7", sequence: 7)) == ["lost", "5", "6", "7"])  // …no longer than the depth
        #expect(played(buffer.push("4", sequence: 4)) == [])       // too late now
        #expect(played(buffer.push("9", sequence: 9)) == [])
        #expect(played(buffer.push("9", sequence: 9)) == [])       // a duplicate while held
        #expect(played(buffer.flush()) == ["lost", "9"])
        let statistics = buffer.statistics
        let counts: [Int] = [statistics.received, statistics.reordered, statistics.duplicates, statistics.late, statistics.lost]
        #expect(counts == [10, 5, 1, 2, 2])
    }

    @Test("The framer cuts any chunking into exact 20 ms frames")
    func framer() {
        var framer = Framer(frameSize: 160)
        #expect(framer.push([Int16](repeating: 1, count: 100)).isEmpty)
        let frames = framer.push([Int16](repeating: 2, count: 300))
        #expect(frames.count == 2 && frames.allSatisfy { $0.count == 160 })
        #expect(frames[0].prefix(100).allSatisfy { $0 == 1 } && frames[0][100] == 2)
        #expect(framer.pendingSamples == 80)
        #expect(framer.finish()?.count == 160)
        #expect(framer.finish() == nil)
    }

    @Test("The pacer counts deadlines from its start and re-anchors instead of bursting after a stall")
    func pacer() async throws {
        let start = ContinuousClock.now
        var pacer = FramePacer(interval: .milliseconds(20), maximumLag: .seconds(30), start: start)
        for _ in 0..<3 { try await pacer.waitForNextFrame() }
        #expect(pacer.nextDeadline == start + .milliseconds(60))  // 3 frames, no drift from wake-up delays
        #expect(pacer.reanchored == 0)
        var stalled = FramePacer(interval: .milliseconds(20), start: start - .seconds(1))
        try await stalled.waitForNextFrame()
        #expect(stalled.reanchored == 1)
        #expect(stalled.nextDeadline > start)  // the missed second is not sent in a burst
    }

    @Test("Driven by a timer, the pacer reports each frame's lateness, waits out an early wake-up and re-anchors after a stall")
    func pacerDrivenByTimer() {
        let start = ContinuousClock.now
        var pacer = FramePacer(interval: .milliseconds(20), maximumLag: .milliseconds(60), start: start)
        #expect(pacer.frameDue(at: start) == .zero)  // the first frame leaves at once
        #expect(pacer.frameDue(at: start + .milliseconds(10)) == nil)  // woke early: nothing due before 20 ms
        #expect(pacer.frameDue(at: start + .milliseconds(23)) == .milliseconds(3))
        // Lateness does not shift the schedule: the next slot is still 40 ms.
        #expect(pacer.nextDeadline == start + .milliseconds(40))
        #expect(pacer.frameDue(at: start + .milliseconds(40) - .microseconds(20)) == .zero)  // within the tolerance
        // 100 ms late: start again from now instead of sending the missed frames back to back.
        #expect(pacer.frameDue(at: start + .milliseconds(160)) == .zero)
        #expect(pacer.reanchored == 1)
        #expect(pacer.nextDeadline == start + .milliseconds(180))
    }

    @Test("A recording is an Ogg Opus file with both tracks as two channels")
    func recording() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rec-\(UUID().uuidString).opus").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let recorder = try OggOpusRecorder(path: path, sampleRate: 8_000, title: "Call test")
        let caller = Signals.tone(300, rate: 8_000, seconds: 2)
        for frame in Signals.frames(caller, size: 160) { try recorder.write(caller: frame, agent: []) }
        try recorder.finish()
        try recorder.finish()  // idempotent
        #expect(recorder.duration == .seconds(2))
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes.starts(with: Array("OggS".utf8)))
        let head = try #require(bytes.firstRange(of: Array("OpusHead".utf8)))
        #expect(bytes[head.upperBound + 1] == 2)  // channel count
        #expect(bytes.firstRange(of: Array("OpusTags".utf8)) != nil)
        #expect(bytes.count > 2_000)  // two seconds of audio, not just headers
    }

    @Test("A call is recorded raw while live, then encoded whole into Ogg Opus; a raw file names its rate")
    func rawThenEncoded() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("call.opus").path
        let raw = try RawCallRecording(path: path, sampleRate: 8_000)
        let caller = Signals.tone(300, rate: 8_000, seconds: 3)
        let agent = Signals.tone(500, rate: 8_000, seconds: 1)
        for (index, frame) in Signals.frames(caller, size: 160).enumerated() {
            let agentFrame = index < 50 ? Array(agent[index * 160..<(index + 1) * 160]) : []
            try raw.write(caller: frame, agent: agentFrame)
        }
        raw.finish()
        #expect(raw.duration == .seconds(3))
        #expect(try FileManager.default.attributesOfItem(atPath: raw.rawPath)[.size] as? Int == 3 * 8_000 * 2 * 2)
        #expect(RawCallRecording.parse(rawPath: raw.rawPath)?.path == path)
        #expect(RawCallRecording.parse(rawPath: raw.rawPath)?.sampleRate == 8_000)
        #expect(RawCallRecording.parse(rawPath: folder.appendingPathComponent("notes.txt").path) == nil)

        try OggOpusRecorder.encode(raw: raw.rawPath, sampleRate: 8_000, to: path)
        #expect(!FileManager.default.fileExists(atPath: raw.rawPath))
        #expect(!FileManager.default.fileExists(atPath: path + ".part"))
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let head = try #require(bytes.firstRange(of: Array("OpusHead".utf8)))
        #expect(bytes[head.upperBound + 1] == 2)
        // Input rate recorded in the header (bytes 12–15 of OpusHead, little-endian): the call's 8 kHz.
        let rate = bytes[(head.lowerBound + 12)..<(head.lowerBound + 16)].reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(rate == 8_000)
        #expect(bytes.count > 3_000)
        #expect(throws: (any Error).self) { try OggOpusRecorder.encode(raw: raw.rawPath, sampleRate: 8_000, to: path) }  // gone: nothing to encode
    }
}

@Suite("Offline speech (libespeak-ng)")
struct EspeakTests {
    @Test("espeak-ng speaks a sentence as seconds of voiced audio, in chunks")
    func speaks() async throws {
        let synthesizer = try EspeakSynthesizer(voice: "en-us")
        #expect(synthesizer.sampleRate == 22_050)
        var chunks = 0
        var samples: [Int16] = []
        for try await chunk in synthesizer.synthesize("Thanks for calling Bright Smile Dental. How can I help you today?") {
            chunks += 1
            samples += chunk
        }
        let seconds = Double(samples.count) / Double(synthesizer.sampleRate)
        #expect(seconds > 2 && seconds < 8)
        #expect(chunks > 1)  // handed on as it is made, not all at the end
        #expect(Signals.rms(samples) > 500)  // speech, not silence
    }

    @Test("Syntheses from many tasks at once each get their own whole sentence")
    func concurrent() async throws {
        let synthesizer = try EspeakSynthesizer()
        let lengths = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for (index, text) in ["Yes.", "Tuesday at ten works.", "Goodbye, and thanks for calling today!"].enumerated() {
                group.addTask { (index, try await synthesizer.synthesizeAll(text).count) }
            }
            return try await group.reduce(into: [Int: Int]()) { $0[$1.0] = $1.1 }
        }
        #expect(lengths[0]! < lengths[1]! && lengths[1]! < lengths[2]!)
    }

    @Test("An unknown voice is refused with a clear error")
    func unknownVoice() {
        #expect(throws: EspeakSynthesizer.Failure.self) { try EspeakSynthesizer(voice: "klingon-xx") }
    }
}
