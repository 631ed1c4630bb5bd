import Foundation
import FrontdeskAudio
import FrontdeskCalls
import FrontdeskCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// One media stream: the caller's audio in (decoded, reordered, turn-detected, transcribed), the
/// agent's speech out (synthesised sentence by sentence, paced at 20 ms), barge-in between them.
/// The live call itself is a `CallSession` like every other mode; this is its transport.
package final class MediaCall: MediaFrameSink {
    let carrier: MediaCarrier
    let format: MediaFormat
    let streamId: String?
    let speech: MediaSpeech
    let logger: Logger
    let socket: MediaSocket
    /// Hands the stream's frames over on the socket's loop (nil: all through the WebSocket handler).
    private let tap: MediaFrameTap?
    /// The caller's side, frame by frame.
    private let caller: Mutex<CallerAudio>
    /// Utterances the caller finished, to be transcribed beside the frames.
    private let finishedUtterances: AsyncStream<FinishedUtterance>.Continuation
    private let finishedStream: AsyncStream<FinishedUtterance>
    /// How loud the agent's own frames went out lately (the echo guard).
    private let agentVoice = Mutex(AgentVoice())
    /// The socket's event loop: the stream's own tasks run there (nil: Swift's global executor).
    private let executor: EventLoopExecutor?
    private let playback = Mutex(MediaPlayback())
    private let clock = Mutex(TurnClock())
    private let stats = Mutex(MediaStreamStatistics())
    private let session = Mutex<CallSession?>(nil)
    private let recorder: Mutex<RawCallRecording?>
    /// Encodes the recording once the call is over.
    private let encoder: RecordingEncoder?
    private let recording: Bool
    private let recordedAgent = Mutex<[Int16]>([])
    private let events: AsyncStream<CallEvent>.Continuation
    private let eventStream: AsyncStream<CallEvent>
    private let jobs: AsyncStream<SpeechJob>.Continuation
    private let jobStream: AsyncStream<SpeechJob>
    /// Where every call's raw recording writes run, in order: one serial queue of its own, so a
    /// blocking file write never occupies the cooperative pool (two threads here) that the
    /// conversations run on.
    private static let recordingWrites = DispatchQueue(label: "frontdesk.recording-writes")
    /// Sends the agent's frames every 20 ms from the socket's loop.
    private let outbound: OutboundPacer
    private let utterances = Atomic<Int>(0)
    /// Where per-turn latencies go (the call's record).
    let onLatency: @Sendable (TurnLatency) async -> Void

    /// The caller's audio on its way in: reordered, decoded, framed, turn-detected, sent to speech-to-text.
    private struct CallerAudio {
        let codec: PayloadCodec
        var jitter: JitterBuffer<[UInt8]>
        var framer: Framer
        var detector: VoiceActivityDetector
        /// Audio from just before the detector was sure the caller speaks.
        var preRoll: [[Int16]] = []
        var recognizer: (any UtteranceRecognizer)?
        /// The call's speech-to-text connection, when the provider keeps one for the call.
        var callStream: (any CallSpeechStream)?
        /// Semantic end of turn: the words heard at the pause in progress (they become the turn's
        /// words when it ends there), the wait it was given, and the caller's pace so far.
        var pauseWords: (pause: Int, words: Transcription)?
        var window: Duration?
        var pace = CallerPace()
        /// Frames of speech heard while a barge-in waits to be confirmed.
        var bargeInFrames: Int?
        var counter = 0
        var received = 0
        var warnedNoSTT = false
        /// The caller's audio goes to the recorder 25 frames at a time (one queued write per 500 ms).
        var unrecorded: [Int16] = []
    }

    /// A caller's utterance whose turn ended: its words to be asked for, or already heard at the pause
    /// the turn ended in (the recogniser is then only closed).
    enum FinishedUtterance: Sendable {
        case ask(any UtteranceRecognizer)
        /// The recogniser, when it is a connection of its own to close.
        case heard(Transcription, (any UtteranceRecognizer)?)
    }

    /// The agent's loudest frames of the last 400 ms, as they went out.
    struct AgentVoice {
        var levels: [Double] = []
        var last: ContinuousClock.Instant?

        mutating func sent(_ level: Double, at now: ContinuousClock.Instant) {
            if let last, now - last > .milliseconds(400) { levels.removeAll(keepingCapacity: true) }
            levels.append(level)
            if levels.count > 20 { levels.removeFirst(levels.count - 20) }
            last = now
        }

        /// The level the caller's voice must pass to start a turn now (nil: the agent was quiet).
        func gate(at now: ContinuousClock.Instant, loss: Double) -> Double? {
            guard let last, now - last <= .milliseconds(400), let loudest = levels.max() else { return nil }
            return loudest - loss
        }
    }

    struct SpeechJob: Sendable {
        let sentence: Int
        let text: String
        let generation: Int
    }

    private struct TurnClock {
        var turns = 0
        var waiting = false
        var turnEnded: ContinuousClock.Instant?
        var lastVoice: ContinuousClock.Instant?
        var transcript: ContinuousClock.Instant?
        /// The speech-to-text provider's own time for this turn's words.
        var speechToText: Duration?
        var firstToken: ContinuousClock.Instant?
        var reply: ContinuousClock.Instant?
        /// The first reply sentence asked of text-to-speech.
        var synthesisRequested: ContinuousClock.Instant?
        var audio: ContinuousClock.Instant?
        var firstSentence: Int?
    }

    package init(
        carrier: MediaCarrier, format: MediaFormat, streamId: String?, speech: MediaSpeech, socket: MediaSocket, tap: MediaFrameTap?,
        executor: EventLoopExecutor? = nil, recordingPath: String?, encoder: RecordingEncoder? = nil, logger: Logger,
        onLatency: @escaping @Sendable (TurnLatency) async -> Void
    ) throws {
        self.carrier = carrier
        self.format = format
        self.streamId = streamId
        self.speech = speech
        self.socket = socket
        self.tap = tap
        caller = Mutex(CallerAudio(
            codec: try PayloadCodec(format: format), jitter: JitterBuffer(depth: speech.settings.jitterDepth),
            framer: Framer(frameSize: format.samplesPerFrame), detector: VoiceActivityDetector(settings: speech.settings.turn)))
        (finishedStream, finishedUtterances) = AsyncStream<FinishedUtterance>.makeStream()
        self.executor = executor
        self.logger = logger
        self.onLatency = onLatency
        self.encoder = encoder
        var recorder: RawCallRecording?
        if let recordingPath, encoder != nil {
            do {
                recorder = try RawCallRecording(path: recordingPath, sampleRate: format.sampleRate)
            } catch {
                logger.error("Could not start the call recording", metadata: ["error": "\(error)"])
            }
        }
        recording = recorder != nil
        self.recorder = Mutex(recorder)
        (eventStream, events) = AsyncStream<CallEvent>.makeStream()
        (jobStream, jobs) = AsyncStream<SpeechJob>.makeStream()
        outbound = OutboundPacer(loop: socket.channel.eventLoop, sendsSilence: speech.settings.sendSilenceWhenIdle)
    }

    package var statistics: MediaStreamStatistics { stats.withLock { $0 } }

    package func attach(_ session: CallSession) { self.session.withLock { $0 = session } }

    // MARK: speaking (called by the session through the transport)

    /// Queues `text` to be synthesised and played, sentence by sentence.
    func speak(_ text: String) {
        var splitter = SentenceSplitter()
        let sentences = splitter.add(text) + [splitter.finish()].compactMap { $0 }
        let utterance = utterances.add(1, ordering: .relaxed).newValue
        let queued = playback.withLock { playback in
            sentences.map { SpeechJob(sentence: playback.addSentence($0, utterance: utterance), text: $0, generation: playback.generation) }
        }
        let now = ContinuousClock.now
        clock.withLock { clock in
            if clock.waiting, clock.transcript != nil, clock.reply == nil {
                clock.reply = now
                clock.firstSentence = queued.first?.sentence
            }
        }
        if queued.isEmpty {
            events.yield(.agentFinishedSpeaking)
            return
        }
        for job in queued { jobs.yield(job) }
    }

    /// The model's first words for this turn (LLM policy only).
    func modelStarted() {
        let now = ContinuousClock.now
        clock.withLock { clock in
            if clock.waiting, clock.transcript != nil, clock.firstToken == nil { clock.firstToken = now }
        }
    }

    // MARK: running

    /// Runs the stream until the carrier stops it or the socket closes: the frames handed over by the
    /// tap (or read here), the pacer, the speech worker and the session's events beside them.
    package func run(frames: inout WebSocketInboundMessageStream.AsyncIterator) async throws {
        // Frames in and frames out run on the socket's event loop: a caller frame is handled where
        // the socket reads it (MediaFrameTap), and each 20 ms slot is the loop's own timer. The
        // conversation (the session, speech synthesis, the recording) runs on the global executor:
        // its slower work never delays a frame. The session's events are drained, not cancelled,
        // when the stream ends: a hang-up in progress still finishes and stores the call.
        // The outbound codec (an Opus encoder keeps state) is used by the pacer alone, on the loop.
        let codec = try PayloadCodec(format: format)
        let silence = try codec.encode([Int16](repeating: 0, count: format.samplesPerFrame))
        let forwarder = Task { await self.forwardEvents() }
        let speaker = Task { await self.synthesizeSentences() }
        outbound.start(
            step: { late, jitter, resets in
                self.sendDueFrame(late: late, jitter: jitter, scheduleResets: resets, codec: codec, silence: silence)
            },
            hasAudio: { !self.playback.withLock { $0.isEmpty } })
        let transcriber = Task(executorPreference: executor) {
            await withDiscardingTaskGroup { group in
                for await utterance in self.finishedStream {
                    group.addTask { await self.transcribe(utterance) }
                }
            }
        }
        do {
            try await withTaskExecutorPreference(executor) {
                try await read(&frames)
            }
        } catch {
            logger.warning("Media stream failed", metadata: ["error": "\(error)"])
        }
        await tap?.detach()
        let (unrecorded, received, lost, recognizer, callStream) = caller.withLock { audio in
            defer {
                audio.unrecorded = []
                audio.recognizer = nil
                audio.callStream = nil
            }
            return (audio.unrecorded, audio.received, audio.jitter.statistics.lost, audio.recognizer, audio.callStream)
        }
        await recognizer?.cancel()
        if !unrecorded.isEmpty { record(caller: unrecorded) }
        let unsent = socket.framesUnsent
        stats.withLock {
            $0.framesReceived = received
            $0.framesLost = lost
            $0.framesUnsent = unsent
        }
        finishedUtterances.finish()
        await transcriber.value
        await callStream?.close()
        await outbound.stop()
        jobs.finish()
        speaker.cancel()
        events.finish()
        await speaker.value
        await forwarder.value
        if recording {
            // After the last write queued above; then the file is closed and handed to the encoder.
            await withCheckedContinuation { done in Self.recordingWrites.async { done.resume() } }
        }
        finishRecording()
    }

    /// Reads what the WebSocket handler passes up until `stop` or the socket closes: the frames that
    /// came before the tap took over, and the rare ones it leaves to this reader.
    private func read(_ frames: inout WebSocketInboundMessageStream.AsyncIterator) async throws {
        tap?.takeOver(by: self)
        while let message = try await frames.next() {
            guard case .text(let text) = message else { continue }
            let frame: InboundMediaFrame
            do {
                frame = try InboundMediaFrame.parse(text)
            } catch {
                logger.debug("Skipped a media frame", metadata: ["error": "\(error)"])
                continue
            }
            switch frame {
            case .stop:
                logger.info("The carrier stopped the media stream")
                return
            case .error(let detail):
                logger.warning("The carrier reported a media-stream error", metadata: ["detail": "\(detail)"])
            default:
                receive(frame)
            }
        }
    }

    /// One frame from the caller's side, on the socket's loop (from the tap, or from `read`).
    func receive(_ frame: InboundMediaFrame) {
        switch frame {
        case .media(let chunk, let track, let payload):
            guard track == nil || track == "inbound" || track == "inbound_track" else { return }
            caller.withLock { hear(payload, chunk: chunk, audio: &$0) }
        case .dtmf(let digit):
            events.yield(.dtmf(digit))
        case .mark(let name):
            guard name.hasPrefix("s"), let sentence = Int(name.dropFirst()) else { return }
            let finished = playback.withLock { $0.played(sentence: sentence) }
            for _ in finished { events.yield(.agentFinishedSpeaking) }
        case .connected, .start, .stop, .error, .other:
            return
        }
    }

    /// One media payload: reordered, decoded, recorded, and through turn detection.
    private func hear(_ payload: [UInt8], chunk: Int?, audio: inout CallerAudio) {
        audio.counter += 1
        for output in audio.jitter.push(payload, sequence: chunk ?? audio.counter) {
            let samples: [Int16]
            switch output {
            case .frame(let bytes): samples = (try? audio.codec.decode(bytes)) ?? audio.codec.conceal()
            case .lost: samples = audio.codec.conceal()
            }
            for frame in audio.framer.push(samples) {
                audio.received += 1
                if recording {
                    audio.unrecorded += frame
                    if audio.unrecorded.count >= format.samplesPerFrame * 25 {
                        record(caller: audio.unrecorded)
                        audio.unrecorded.removeAll(keepingCapacity: true)
                    }
                }
                audio.preRoll.append(frame)
                if audio.preRoll.count > speech.settings.preRollFrames { audio.preRoll.removeFirst() }
                let gate = speech.settings.echoLoss > 0 ? agentVoice.withLock { $0.gate(at: .now, loss: speech.settings.echoLoss) } : nil
                switch audio.detector.process(frame, startAbove: gate) {
                case .speechStarted:
                    // Over the agent, the caller must keep talking (or be heard saying words) first.
                    if speech.settings.bargeIn { audio.bargeInFrames = audio.detector.settings.startFrames - 1 }
                    // The caller is talking: no reprompt for silence while they do.
                    events.yield(.callerSaid("", isFinal: false, confidence: nil))
                    audio.pauseWords = nil
                    guard let stt = speech.stt else {
                        if !audio.warnedNoSTT { logger.error("The caller speaks but no STT_PROVIDER is set: media mode cannot understand them") }
                        audio.warnedNoSTT = true
                        continue
                    }
                    do {
                        if audio.callStream == nil { audio.callStream = stt.callStream(sampleRate: format.sampleRate, on: executor) }
                        let opened = try audio.callStream?.utterance() ?? stt.utterance(sampleRate: format.sampleRate, on: executor)
                        for earlier in audio.preRoll { opened.send(earlier) }
                        audio.recognizer = opened
                    } catch {
                        logger.error("Speech-to-text failed to open", metadata: ["error": "\(error)"])
                    }
                case .paused(let pause):
                    audio.recognizer?.send(frame)
                    if speech.settings.turnDetection == .semantic, let recognizer = audio.recognizer {
                        Task(executorPreference: executor) { await self.pauseHeard(pause, recognizer) }
                    }
                case .resumed(let quiet):
                    audio.recognizer?.send(frame)
                    audio.pace.resumed(after: quiet, window: audio.window ?? speech.settings.turn.endOfTurn)
                    audio.pauseWords = nil
                    audio.window = nil
                case .turnEnded:
                    audio.bargeInFrames = nil
                    turnEnded(&audio)
                case nil:
                    audio.recognizer?.send(frame)
                }
                if let frames = audio.bargeInFrames {
                    // Only voiced frames count (a pause is not talking); words heard confirm at once.
                    let voiced = frames + (audio.detector.isSpeaking && audio.detector.quiet == .zero ? 1 : 0)
                    if audio.recognizer?.hasWords == true || speech.settings.turn.frameDuration * voiced >= speech.settings.bargeInConfirm {
                        audio.bargeInFrames = nil
                        bargeIn()
                    } else {
                        audio.bargeInFrames = voiced
                    }
                }
            }
        }
    }

    /// The caller's turn is over (the detector's quiet reached its wait): timed, and its words asked
    /// for — or, when they were heard at the pause it ended in, handed on as they are.
    private func turnEnded(_ audio: inout CallerAudio) {
        let now = ContinuousClock.now
        let quiet = audio.detector.endedAfter
        clock.withLock { clock in
            clock = TurnClock(turns: clock.turns + 1, waiting: true, turnEnded: now, lastVoice: now - quiet)
        }
        playback.withLock { $0.callerTurnEnded() }
        let heard = audio.pauseWords.flatMap { $0.pause == audio.detector.pauses ? $0.words : nil }
        audio.pauseWords = nil
        audio.window = nil
        guard let finished = audio.recognizer else { return }
        audio.recognizer = nil
        let own = audio.callStream == nil ? finished : nil
        finishedUtterances.yield(heard.map { .heard($0, own) } ?? .ask(finished))
    }

    /// Semantic end of turn: the caller has been quiet for a moment; what they said so far decides how
    /// much longer to wait (and the turn ends at once when it has been quiet that long already).
    private func pauseHeard(_ pause: Int, _ recognizer: any UtteranceRecognizer) async {
        let words = await recognizer.wordsSoFar()
        caller.withLock { audio in
            guard audio.detector.isSpeaking, audio.detector.pauses == pause else { return }
            let kind = words.map { TurnCompleteness.of($0.text) } ?? .unclear
            let window = speech.settings.windows.wait(for: kind, signalToNoise: audio.detector.signalToNoise, pace: audio.pace)
            audio.window = window
            // Finished words are the turn's words if it ends at this pause (no second round trip).
            // After a longer wait they are asked for again: a soft word the detector did not hear
            // ("…that's all, [thanks]") still reached speech-to-text meanwhile.
            if let words, !words.text.isEmpty, kind == .finished { audio.pauseWords = (pause, words) }
            logger.debug("A pause", metadata: ["words": "\(words?.text ?? "?")", "kind": "\(kind.rawValue)", "wait": "\(window)"])
            if case .turnEnded = audio.detector.wait(window, forPause: pause) { turnEnded(&audio) }
        }
    }

    private func transcribe(_ finished: FinishedUtterance) async {
        if case .heard(let words, let recognizer) = finished {
            // The words came with the pause: no second round trip. The utterance is closed behind.
            clock.withLock { $0.transcript = .now }
            events.yield(.callerSaid(words.text, isFinal: true, confidence: words.confidence))
            _ = try? await recognizer?.finish()
            return
        }
        guard case .ask(let recognizer) = finished else { return }
        do {
            // A provider that never answers does not hold the call: 10 s, then the turn is dropped.
            let asked = ContinuousClock.now
            let result = try await withThrowingTaskGroup(of: Transcription.self) { race in
                race.addTask { try await recognizer.finish() }
                race.addTask {
                    try await Task.sleep(for: .seconds(10))
                    throw SpeechProviderError("speech-to-text", "no final transcript within 10 s")
                }
                defer { race.cancelAll() }
                return try await race.next()!
            }
            let now = ContinuousClock.now
            clock.withLock {
                $0.transcript = now
                $0.speechToText = now - asked
            }
            guard !result.text.isEmpty else {
                // Nothing recognised (a cough, a door): the session listens again, its silence timer running.
                clock.withLock { $0.waiting = false }
                events.yield(.callerSaid("", isFinal: true, confidence: nil))
                return
            }
            events.yield(.callerSaid(result.text, isFinal: true, confidence: result.confidence))
        } catch {
            clock.withLock { $0.waiting = false }
            logger.error("Speech-to-text failed for an utterance", metadata: ["error": "\(error)"])
        }
    }

    /// The caller talks over the agent: nothing more is played (`clear` for what the carrier buffered),
    /// speech being made is dropped, and the session hears what the caller actually heard.
    private func bargeIn() {
        let (heard, cut) = playback.withLock { $0.interrupt() }
        guard !cut.isEmpty else { return }
        stats.withLock { $0.bargeIns += 1 }
        clock.withLock { $0.waiting = false }
        send(.clear)
        if let session = session.withLock({ $0 }) {
            // Not queued behind the turn in progress: it is what stops that turn.
            Task { await session.handle(.interrupted(heard: heard)) }
        }
    }

    private func forwardEvents() async {
        for await event in eventStream {
            guard let session = session.withLock({ $0 }) else { continue }
            await session.handle(event)
        }
    }

    /// Synthesises queued sentences one after another into 20 ms frames at the stream's rate.
    private func synthesizeSentences() async {
        let resampler: Resampler
        do {
            resampler = try Resampler(from: speech.tts.sampleRate, to: format.sampleRate)
        } catch {
            logger.error("No resampler for text-to-speech audio", metadata: ["error": "\(error)"])
            return
        }
        for await job in jobStream {
            guard playback.withLock({ $0.generation }) == job.generation else { continue }
            var framer = Framer(frameSize: format.samplesPerFrame)
            let requested = ContinuousClock.now
            clock.withLock { clock in
                if clock.firstSentence == job.sentence, clock.synthesisRequested == nil { clock.synthesisRequested = requested }
            }
            do {
                for try await chunk in speech.tts.synthesize(job.text) {
                    guard playback.withLock({ $0.generation }) == job.generation else { break }
                    let now = ContinuousClock.now
                    clock.withLock { clock in
                        if clock.firstSentence == job.sentence, clock.audio == nil { clock.audio = now }
                    }
                    let frames = framer.push(resampler.process(chunk))
                    if !frames.isEmpty {
                        playback.withLock { $0.append(frames, sentence: job.sentence, generation: job.generation) }
                        outbound.wake()
                    }
                }
            } catch {
                logger.error("Text-to-speech failed for a sentence", metadata: ["error": "\(error)", "provider": "\(speech.tts.name)"])
            }
            let last = framer.finish()
            playback.withLock { playback in
                if let last { playback.append([last], sentence: job.sentence, generation: job.generation) }
                playback.finishSentence(job.sentence, generation: job.generation)
            }
            outbound.wake()
        }
    }

    /// The frame due now (run by `OutboundPacer` on the socket's loop, `late` after its 20 ms slot):
    /// the next frame of the agent's speech, with the marks that follow a sentence's last frame, or
    /// silence when that is sent while idle. False when there was nothing to send.
    private func sendDueFrame(late: Duration, jitter: Duration?, scheduleResets: Int, codec: PayloadCodec, silence: [UInt8]) -> Bool {
        var sentFrame = false
        while !sentFrame, let item = playback.withLock({ $0.next() }) {
            switch item {
            case .frame(let samples, let sentence):
                do {
                    send(.media(try codec.encode(samples)))
                } catch {
                    logger.error("Could not encode an outbound frame", metadata: ["error": "\(error)"])
                    continue
                }
                recordAgent(samples)
                if speech.settings.echoLoss > 0 {
                    let level = samples.withUnsafeBufferPointer { VoiceActivityDetector.level($0) }
                    agentVoice.withLock { $0.sent(level, at: .now) }
                }
                sentFrame = true
                firstFrame(of: sentence)
            case .mark(let sentence):
                send(.mark("s\(sentence)"))
            }
        }
        if !sentFrame {
            guard speech.settings.sendSilenceWhenIdle else { return false }
            send(.media(silence))
        }
        stats.withLock {
            if sentFrame { $0.framesSent += 1 }
            $0.lateness[MediaStreamStatistics.bucket(late)] += 1
            if let jitter { $0.intervalJitter[MediaStreamStatistics.bucket(jitter)] += 1 }
            $0.scheduleResets = scheduleResets
        }
        return true
    }

    private func send(_ frame: OutboundMediaFrame) {
        socket.send(frame.text(carrier: carrier, streamId: streamId))
    }

    private func firstFrame(of sentence: Int) {
        let now = ContinuousClock.now
        let latency: TurnLatency? = clock.withLock { clock in
            guard clock.waiting, clock.firstSentence == sentence, let ended = clock.turnEnded, let lastVoice = clock.lastVoice,
                let transcript = clock.transcript, let reply = clock.reply
            else { return nil }
            clock.waiting = false
            let audio = clock.audio ?? now
            func ms(_ duration: Duration) -> Double {
                Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
            }
            func ms(_ from: ContinuousClock.Instant, _ to: ContinuousClock.Instant) -> Double { ms(to - from) }
            return TurnLatency(
                turn: clock.turns, endOfTurnMs: ms(lastVoice, ended), transcriptMs: ms(ended, transcript),
                replyMs: ms(transcript, reply), firstAudioMs: ms(reply, audio), firstFrameMs: ms(audio, now),
                firstTokenMs: clock.firstToken.map { ms(transcript, $0) },
                speechToTextMs: clock.speechToText.map { ms($0) },
                textToSpeechMs: clock.synthesisRequested.map { ms($0, audio) })
        }
        // Stored off the sender's path: a database write never delays a frame.
        if let latency {
            let callId = session.withLock { $0?.callId.rawValue }
            Telemetry.turn(latency, attributes: [("frontdesk.carrier", carrier.rawValue)] + (callId.map { [("frontdesk.call_id", $0)] } ?? []))
            Task { await onLatency(latency) }
        }
    }

    // MARK: recording (caller left, agent right, kept in step frame by frame)

    private func record(caller: [Int16]) {
        let agent = recordedAgent.withLock { agent -> [Int16] in
            let count = min(agent.count, caller.count)
            defer { agent.removeFirst(count) }
            return Array(agent.prefix(count))
        }
        // Half a second at a time, on the writes' queue; the file is encoded to Ogg Opus once the
        // call is over (`RecordingEncoder`). The agent's side is padded with silence where it was quiet.
        Self.recordingWrites.async {
            self.recorder.withLock { recorder in try? recorder?.write(caller: caller, agent: agent) }
        }
    }

    private func recordAgent(_ samples: [Int16]) {
        guard recording else { return }
        recordedAgent.withLock { agent in
            agent += samples
            // The caller's side drives the writes; never hold more than a few seconds of the agent.
            if agent.count > format.sampleRate * 5 { agent.removeFirst(agent.count - format.sampleRate * 5) }
        }
    }

    private func finishRecording() {
        let finished = recorder.withLock { recorder in
            defer { recorder = nil }
            recorder?.finish()
            return recorder.map { ($0.rawPath, $0.sampleRate, $0.path) }
        }
        if let (raw, rate, path) = finished { encoder?.enqueue(raw: raw, sampleRate: rate, path: path) }
    }
}
