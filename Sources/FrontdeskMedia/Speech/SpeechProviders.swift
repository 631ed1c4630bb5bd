import Foundation

/// Speech-to-text for media mode, one caller utterance at a time: the turn detector opens an
/// utterance when the caller starts talking, streams its audio, and asks for the final words when
/// the caller has stopped.
public protocol SpeechToText: Sendable {
    /// What the log and the simulator call it (`deepgram`, `openai`, …).
    var name: String { get }
    /// Opens an utterance of 16-bit mono audio at `sampleRate`, with the provider's connection (if it
    /// has one) on `executor`'s event loop — a media stream's own: its results reach the stream
    /// without a thread hop. Never waits on the network: audio sent before the provider is reached is
    /// queued, so a media stream can open an utterance from inside its frame handling.
    func utterance(sampleRate: Int, on executor: EventLoopExecutor?) throws -> any UtteranceRecognizer
    /// One recogniser for the whole call, when the provider keeps a connection for it.
    func callStream(sampleRate: Int, on executor: EventLoopExecutor?) -> (any CallSpeechStream)?
}

/// Speech-to-text kept open for a whole call (a provider that streams): each caller utterance is a
/// turn on it.
public protocol CallSpeechStream: Sendable {
    /// The next utterance (on a new connection when the last one failed).
    func utterance() -> any UtteranceRecognizer
    /// The call is over.
    func close() async
}

extension SpeechToText {
    /// One recogniser for the whole call, when the provider has one (nil: one per utterance).
    public func callStream(sampleRate: Int, on executor: EventLoopExecutor?) -> (any CallSpeechStream)? { nil }

    /// Opens an utterance with the connection on any loop.
    public func utterance(sampleRate: Int) throws -> any UtteranceRecognizer {
        try utterance(sampleRate: sampleRate, on: nil)
    }
}

/// One utterance being recognised.
public protocol UtteranceRecognizer: Sendable {
    /// More of the caller's audio (queued; never waits on the network).
    func send(_ samples: [Int16])
    /// The caller paused: the words recognised so far, the utterance going on (semantic end of turn
    /// asks at each pause). Nil when the provider cannot tell before the utterance ends.
    func wordsSoFar() async -> Transcription?
    /// Whether the provider has heard words in this utterance yet (an interim or final result):
    /// what confirms a barge-in before its time does. False when it cannot tell.
    var hasWords: Bool { get }
    /// The caller stopped: the final words (empty when nothing was recognised).
    func finish() async throws -> Transcription
    /// Abandons the utterance.
    func cancel() async
}

extension UtteranceRecognizer {
    public func wordsSoFar() async -> Transcription? { nil }
    public var hasWords: Bool { false }
}

public struct Transcription: Sendable, Equatable {
    public var text: String
    public var confidence: Double?

    public init(text: String, confidence: Double? = nil) {
        self.text = text
        self.confidence = confidence
    }
}

/// Text-to-speech for media mode: audio as it is made, so playback starts before the sentence is done.
public protocol TextToSpeech: Sendable {
    var name: String { get }
    /// The rate of the samples it produces.
    var sampleRate: Int { get }
    func synthesize(_ text: String) -> AsyncThrowingStream<[Int16], any Error>
}

public struct SpeechProviderError: Error, CustomStringConvertible, Equatable {
    public let provider: String
    public let message: String
    public var description: String { "\(provider): \(message)" }

    public init(_ provider: String, _ message: String) {
        self.provider = provider
        self.message = message
    }
}
