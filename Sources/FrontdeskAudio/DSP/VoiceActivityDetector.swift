import Foundation

/// Finds where the caller starts and stops talking, frame by frame (20 ms), from the frame's
/// energy against an adaptive noise floor: a line with a noisy background needs a louder voice to
/// count as speech than a quiet one. Speech starts after `startFrames` frames clearly above the
/// floor; the turn ends after `endOfTurn` of frames no longer above it.
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

    public mutating func process(_ frame: [Int16]) -> Event? {
        frame.withUnsafeBufferPointer { process(level: Self.level($0)) }
    }

    /// Feeds one frame's level.
    public mutating func process(level: Double) -> Event? {
        if calibrated < settings.calibrationFrames {
            let average = calibrated == 0 ? level : (noiseFloor * Double(calibrated) + level) / Double(calibrated + 1)
            noiseFloor = min(-20, max(-90, average))
            calibrated += 1
            return nil
        }
        if !isSpeaking {
            let loud = level > max(noiseFloor + settings.startMargin, settings.minimumLevel)
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
        if level > max(noiseFloor + settings.stopMargin, hangover) {
            quietRun = 0
            return nil
        }
        quietRun += 1
        if settings.frameDuration * quietRun >= settings.endOfTurn {
            isSpeaking = false
            let speech = settings.frameDuration * (speechFrames - quietRun)
            quietRun = 0
            speechFrames = 0
            return .turnEnded(speech: speech)
        }
        return nil
    }

    /// Falls quickly to a quieter background, rises slowly (~2 s) to a louder one.
    private mutating func adaptFloor(to level: Double) {
        let rate = level < noiseFloor ? 0.3 : 0.01
        noiseFloor = min(-20, max(-90, noiseFloor + (level - noiseFloor) * rate))
    }

    /// Forget the current speech (the turn was taken another way, e.g. DTMF).
    public mutating func reset() {
        isSpeaking = false
        loudRun = 0
        quietRun = 0
        speechFrames = 0
    }
}
