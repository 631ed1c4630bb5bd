import Foundation

/// Finds where the caller starts and stops talking, frame by frame (20 ms), from the frame's
/// energy against an adaptive noise floor: a line with a noisy background needs a louder voice to
/// count as speech than a quiet one. Speech starts after `startFrames` frames clearly above the
/// floor; the turn ends after `endOfTurn` of frames no longer above it — or sooner, when the stream
/// (semantic end of turn) sets a shorter wait for the pause in progress. After `pauseAfter` of quiet it
/// reports a pause, so the stream can ask what the caller said so far.
public struct VoiceActivityDetector: Sendable {
    public struct Settings: Sendable, Equatable {
        /// dB above the noise floor for a frame to start speech.
        public var startMargin: Double = 10
        /// dB above the noise floor for a frame to keep speech going.
        public var stopMargin: Double = 6
        /// Consecutive loud frames before speech counts as started (filters clicks and pops).
        public var startFrames: Int = 3
        /// Quiet after speech that ends the caller's turn.
        public var endOfTurn: Duration = .milliseconds(600)
        /// Never treat anything quieter than this (dBFS) as speech.
        public var minimumLevel: Double = -50
        public var frameDuration: Duration = .milliseconds(20)
        /// The first frames only measure the line's background (200 ms): a call opens with the
        /// agent's greeting, so the caller is rarely talking yet.
        public var calibrationFrames: Int = 10
        /// Quiet after speech that is reported as a pause (nil: no pauses, only `endOfTurn`).
        public var pauseAfter: Duration? = .milliseconds(100)

        public init(startMargin: Double = 10, stopMargin: Double = 6, startFrames: Int = 3,
                    endOfTurn: Duration = .milliseconds(600), minimumLevel: Double = -50) {
            self.startMargin = startMargin
            self.stopMargin = stopMargin
            self.startFrames = startFrames
            self.endOfTurn = endOfTurn
            self.minimumLevel = minimumLevel
        }
    }

    public enum Event: Sendable, Equatable {
        case speechStarted
        /// The caller has been quiet for `pauseAfter`: the `pause`-th pause of the call.
        case paused(pause: Int)
        /// The caller spoke again after `quiet` of a pause (the turn goes on).
        case resumed(quiet: Duration)
        /// The caller stopped talking for `endOfTurn`: their turn is over.
        case turnEnded(speech: Duration)
    }

    public let settings: Settings
    /// The background level, in dBFS.
    public private(set) var noiseFloor: Double = -65
    public private(set) var isSpeaking = false
    private var loudRun = 0
    private var quietRun = 0
    private var speechFrames = 0
    private var calibrated = 0
    /// The pauses reported so far; the current one's wait, when the stream set one.
    public private(set) var pauses = 0
    private var paused = false
    private var pauseWait: Duration?
    /// The caller's voice level (dBFS), averaged over speech frames.
    public private(set) var speechLevel: Double?

    /// How far the caller's voice is above the line's noise, in dB (nil before they spoke).
    public var signalToNoise: Double? { speechLevel.map { $0 - noiseFloor } }

    /// The quiet that ended the last turn.
    public private(set) var endedAfter: Duration = .zero

    /// The quiet since the caller last spoke, while a turn is in progress.
    public var quiet: Duration { settings.frameDuration * quietRun }

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// The frame's level in dBFS (−96 for digital silence).
    public static func level(_ frame: UnsafeBufferPointer<Int16>) -> Double {
        guard !frame.isEmpty else { return -96 }
        var sum: Int64 = 0
        for sample in frame { sum += Int64(sample) * Int64(sample) }
        let rms = (Double(sum) / Double(frame.count)).squareRoot()
        return rms < 0.5 ? -96 : 20 * log10(rms / 32_768)
    }

    public mutating func process(_ frame: [Int16], startAbove gate: Double? = nil) -> Event? {
        frame.withUnsafeBufferPointer { process(level: Self.level($0), startAbove: gate) }
    }

    /// Feeds one frame's level. `gate`: a level speech must also pass (the echo guard: the agent's own
    /// voice coming back while it talks) — to start, and to count as still speaking; frames under it
    /// do not move the noise floor.
    public mutating func process(level: Double, startAbove gate: Double? = nil) -> Event? {
        if calibrated < settings.calibrationFrames {
            let average = calibrated == 0 ? level : (noiseFloor * Double(calibrated) + level) / Double(calibrated + 1)
            noiseFloor = min(-20, max(-90, average))
            calibrated += 1
            return nil
        }
        if !isSpeaking {
            let loud = level > max(noiseFloor + settings.startMargin, settings.minimumLevel)
            if loud, let gate, level <= gate {
                loudRun = 0
                return nil
            }
            if loud {
                loudRun += 1
                if loudRun >= settings.startFrames {
                    isSpeaking = true
                    quietRun = 0
                    speechFrames = loudRun
                    loudRun = 0
                    return .speechStarted
                }
            } else {
                loudRun = 0
                adaptFloor(to: level)
            }
            return nil
        }
        speechFrames += 1
        // Speech carries on while frames stay above the (lower) stop threshold: trailing syllables count.
        let hangover = settings.minimumLevel - (settings.startMargin - settings.stopMargin)
        // Under the gate (the agent's own voice coming back) is quiet here too.
        if level > max(noiseFloor + settings.stopMargin, hangover), gate.map({ level > $0 }) ?? true {
            speechLevel = speechLevel.map { $0 + (level - $0) * 0.05 } ?? level
            let quiet = self.quiet
            quietRun = 0
            pauseWait = nil
            if paused {
                paused = false
                return .resumed(quiet: quiet)
            }
            return nil
        }
        quietRun += 1
        if quiet >= pauseWait ?? settings.endOfTurn { return endTurn() }
        if let pauseAfter = settings.pauseAfter, !paused, quiet >= pauseAfter {
            paused = true
            pauses += 1
            return .paused(pause: pauses)
        }
        return nil
    }

    /// The stream decided how long pause `pause` may last (from the words so far): the turn ends when
    /// the quiet reaches it — at once when it already has. Ignored when the caller spoke again since.
    public mutating func wait(_ window: Duration, forPause pause: Int) -> Event? {
        guard isSpeaking, paused, pause == pauses else { return nil }
        pauseWait = min(window, settings.endOfTurn)
        return quiet >= pauseWait! ? endTurn() : nil
    }

    private mutating func endTurn() -> Event {
        endedAfter = quiet
        isSpeaking = false
        paused = false
        pauseWait = nil
        let speech = settings.frameDuration * (speechFrames - quietRun)
        quietRun = 0
        speechFrames = 0
        return .turnEnded(speech: speech)
    }

    /// Falls quickly to a quieter background, rises slowly (~2 s) to a louder one.
    private mutating func adaptFloor(to level: Double) {
        let rate = level < noiseFloor ? 0.3 : 0.01
        noiseFloor = min(-20, max(-90, noiseFloor + (level - noiseFloor) * rate))
    }

    /// Forget the current speech (the turn was taken another way, e.g. DTMF).
    public mutating func reset() {
        isSpeaking = false
        paused = false
        pauseWait = nil
        loudRun = 0
        quietRun = 0
        speechFrames = 0
    }
}
