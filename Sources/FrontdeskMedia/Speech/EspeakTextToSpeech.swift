import FrontdeskAudio

/// The embedded default: libespeak-ng, offline.
public struct EspeakTextToSpeech: TextToSpeech {
    let synthesizer: EspeakSynthesizer
    public var name: String { "espeak-ng (offline, voice \(synthesizer.voice))" }
    public var sampleRate: Int { synthesizer.sampleRate }

    public init(voice: String?, wordsPerMinute: Int = 165) throws {
        synthesizer = try EspeakSynthesizer(voice: voice ?? "en-us", wordsPerMinute: wordsPerMinute)
    }

    public func synthesize(_ text: String) -> AsyncThrowingStream<[Int16], any Error> {
        synthesizer.synthesize(text)
    }
}
