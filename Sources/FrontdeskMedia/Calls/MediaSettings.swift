import Foundation
import FrontdeskAudio
import FrontdeskCore

/// Settings of media mode (configuration: `MEDIA_*`).
public struct MediaSettings: Sendable {
    /// Turn detection: thresholds and the silence that ends the caller's turn (its upper bound, in
    /// semantic mode).
    public var turn = VoiceActivityDetector.Settings(endOfTurn: .milliseconds(1_000))
    /// How the end of the caller's turn is decided (`MEDIA_TURN_DETECTION`).
    public var turnDetection = TurnDetection.semantic
    /// Semantic end of turn's windows: after finished words, unclear ones; the upper bound is `turn.endOfTurn`.
    public var windows = EndOfTurnWindows()
    /// While the agent talks, the caller's voice must be louder than the agent's loudest recent frame
    /// less this (dB): the agent's own voice coming back down the line is not a barge-in.
    public var echoLoss: Double = 15
    /// Frames the jitter buffer may wait for a missing one (× 20 ms).
    public var jitterDepth = 3
    /// Send silence while the agent is not talking (Telnyx `send_silence_when_idle`).
    public var sendSilenceWhenIdle = false
    /// Caller speech over the agent stops the agent.
    public var bargeIn = true
    /// How long the caller must keep talking over the agent before it stops — unless speech-to-text
    /// hears words sooner (an interim result): a cough or a bump on the line does not cut the agent off.
    public var bargeInConfirm: Duration = .milliseconds(240)
    /// Audio from before the detector was sure the caller is speaking, sent to speech-to-text too.
    public var preRollFrames = 15
    /// L16's byte order (Telnyx does not document it).
    public var l16ByteOrder: AudioEncoding.ByteOrder = .littleEndian
    /// Where call recordings go (nil: not recorded).
    public var recordingsDirectory: String?
    /// The codec asked of Telnyx for a media-mode call (`PCMU`, `PCMA`, `OPUS`, `L16`).
    public var telnyxCodec = "PCMU"

    public init() {}
}

/// How the end of the caller's turn is decided.
public enum TurnDetection: String, Sendable {
    /// From the words so far at each pause: a short wait after a finished sentence, a long one after
    /// an unfinished phrase (`TurnCompleteness`).
    case semantic
    /// A fixed window of silence (`MEDIA_END_OF_TURN_MS`).
    case silence
}

/// What media mode speaks and listens with.
public struct MediaSpeech: Sendable {
    public var stt: (any SpeechToText)?
    public var tts: any TextToSpeech
    public var settings: MediaSettings

    public init(stt: (any SpeechToText)?, tts: any TextToSpeech, settings: MediaSettings = MediaSettings()) {
        self.stt = stt
        self.tts = tts
        self.settings = settings
    }
}
