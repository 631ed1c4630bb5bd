import Foundation
import FrontdeskAudio

/// Settings of media mode (configuration: `MEDIA_*`).
public struct MediaSettings: Sendable {
    /// Turn detection: thresholds and the silence that ends the caller's turn.
    public var turn = VoiceActivityDetector.Settings()
    /// Frames the jitter buffer may wait for a missing one (× 20 ms).
    public var jitterDepth = 3
    /// Send silence while the agent is not talking (Telnyx `send_silence_when_idle`).
    public var sendSilenceWhenIdle = false
    /// Caller speech over the agent stops the agent.
    public var bargeIn = true
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
