import CEspeakNG
import Dispatch
import Foundation
import Synchronization

/// Offline text-to-speech with libespeak-ng: robotic, but real speech with no account and no network
/// (the embedded default for media mode). libespeak-ng keeps global state, so every synthesis in the
/// process runs one at a time on one thread; it runs far faster than real time, and its audio is
/// handed on in chunks as it is made, so playback starts before a long sentence is finished.
public final class EspeakSynthesizer: Sendable {
    /// espeak-ng's output rate (22,050 Hz).
    public let sampleRate: Int
    public let voice: String

    private static let queue = DispatchQueue(label: "frontdesk.espeak-ng")
    private static let initialized = Mutex<Int?>(nil)

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `voice` is an espeak-ng voice name (`en-us`, `en`, `de`, …); `wordsPerMinute` 80–450.
    public init(voice: String = "en-us", wordsPerMinute: Int = 165) throws(Failure) {
        let rate = Self.queue.sync { () -> Int? in
            Self.initialized.withLock { rate in
                if let rate { return rate }
                let result = Int(espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 100, nil, Int32(espeakINITIALIZE_DONT_EXIT)))
                guard result > 0 else { return nil }
                espeak_SetSynthCallback { samples, count, events in
                    guard let events, let box = events.pointee.user_data else { return 0 }
                    let sink = Unmanaged<Sink>.fromOpaque(box).takeUnretainedValue()
                    var event = events
                    while event.pointee.type != espeakEVENT_LIST_TERMINATED {
                        if event.pointee.type == espeakEVENT_WORD {
                            sink.word(character: Int(event.pointee.text_position), milliseconds: Int(event.pointee.audio_position))
                        }
                        event += 1
                    }
                    if let samples, count > 0 { sink.deliver(UnsafeBufferPointer(start: samples, count: Int(count))) }
                    return sink.isCancelled ? 1 : 0
                }
                rate = result
                return result
            }
        }
        guard let rate else { throw Failure(description: "libespeak-ng could not start (is espeak-ng-data installed?)") }
        self.sampleRate = rate
        self.voice = voice
        let status = Self.queue.sync {
            espeak_SetVoiceByName(voice) == EE_OK && espeak_SetParameter(espeakRATE, Int32(wordsPerMinute), 0) == EE_OK
        }
        guard status else { throw Failure(description: "espeak-ng has no voice \"\(voice)\"") }
    }

    /// Speaks `text`: chunks of samples at `sampleRate`, as they are made. Cancelling the consuming
    /// task stops the synthesis at its next chunk.
    public func synthesize(_ text: String) -> AsyncThrowingStream<[Int16], any Error> {
        let (stream, continuation) = AsyncThrowingStream<[Int16], any Error>.makeStream()
        run(text, sink: Sink(continuation), continuation: continuation)
        return stream
    }

    private func run(_ text: String, sink: Sink, continuation: AsyncThrowingStream<[Int16], any Error>.Continuation) {
        continuation.onTermination = { _ in sink.cancel() }
        let voice = voice
        Self.queue.async {
            guard !sink.isCancelled else { return continuation.finish() }
            let box = Unmanaged.passRetained(sink)
            defer { box.release() }
            espeak_SetVoiceByName(voice)
            let status = text.withCString { pointer in
                espeak_Synth(pointer, strlen(pointer) + 1, 0, POS_CHARACTER, 0, UInt32(espeakCHARS_UTF8), nil, box.toOpaque())
            }
            if status == EE_OK || sink.isCancelled {
                continuation.finish()
            } else {
                continuation.finish(throwing: Failure(description: "espeak_Synth failed (\(status.rawValue))"))
            }
        }
    }

    /// Speaks `text` and returns all of it.
    public func synthesizeAll(_ text: String) async throws -> [Int16] {
        try await synthesizeWithWords(text).samples
    }

    /// Where espeak-ng starts a word: its character offset in the text (from 1, in characters of
    /// the UTF-8 text as espeak-ng counts them) and its first sample.
    public struct WordStart: Sendable, Equatable {
        public let character: Int
        public let sample: Int
    }

    /// Speaks `text` and returns all of it, with where each word starts (espeak-ng's word events).
    public func synthesizeWithWords(_ text: String) async throws -> (samples: [Int16], words: [WordStart]) {
        let (stream, continuation) = AsyncThrowingStream<[Int16], any Error>.makeStream()
        let sink = Sink(continuation)
        run(text, sink: sink, continuation: continuation)
        var samples: [Int16] = []
        for try await chunk in stream { samples += chunk }
        let rate = sampleRate
        let words = sink.words.withLock { $0 }.map { WordStart(character: $0.character, sample: $0.milliseconds * rate / 1_000) }
        return (samples, words)
    }

    private final class Sink: Sendable {
        private let continuation: AsyncThrowingStream<[Int16], any Error>.Continuation
        private let cancelled = Atomic<Bool>(false)
        let words = Mutex<[(character: Int, milliseconds: Int)]>([])

        init(_ continuation: AsyncThrowingStream<[Int16], any Error>.Continuation) { self.continuation = continuation }

        var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
        func cancel() { cancelled.store(true, ordering: .relaxed) }
        func deliver(_ samples: UnsafeBufferPointer<Int16>) { continuation.yield(Array(samples)) }
        func word(character: Int, milliseconds: Int) { words.withLock { $0.append((character, milliseconds)) } }
    }
}
