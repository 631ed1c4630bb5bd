import Foundation
import FrontdeskAudio

/// The caller's voice in audio mode: a line spoken with espeak-ng, with where each word's audio ends
/// (from espeak-ng's word events and the audio itself), so the speech-to-text stand-in can give back
/// only the words played so far. "…" in a line is a thinking pause ("I'd like to come in on…
/// Thursday"): the line is spoken in parts with that much silence between them, and the "…" is not
/// a word a recogniser would write.
package struct CallerVoice: Sendable {
    let synthesizer: EspeakSynthesizer
    package var thinkingPause: Duration = .milliseconds(600)

    package struct Line: Sendable {
        /// At `sampleRate`.
        package var samples: [Int16]
        package var words: [String]
        /// When each word's audio ends, from the start of `samples`.
        package var ends: [Duration]
    }

    package init(synthesizer: EspeakSynthesizer, thinkingPause: Duration = .milliseconds(600)) {
        self.synthesizer = synthesizer
        self.thinkingPause = thinkingPause
    }

    /// Speaks `text` at `sampleRate`.
    package func speak(_ text: String, sampleRate: Int) async throws -> Line {
        let rate = synthesizer.sampleRate
        var samples: [Int16] = []
        var words: [String] = []
        var ends: [Int] = []
        for (index, part) in Self.parts(text).enumerated() {
            if index > 0, !samples.isEmpty {
                samples += [Int16](repeating: 0, count: Int(Double(rate) * seconds(thinkingPause)))
            }
            let spoken = try await synthesizer.synthesizeWithWords(part)
            let voiced = Self.voicedEnd(spoken.samples, before: spoken.samples.count, rate: rate, threshold: 0.0056)
            let audio = Array(spoken.samples.prefix(voiced))
            let (partWords, partEnds) = Self.wordEnds(part, starts: spoken.words, audio: audio, rate: rate)
            words += partWords
            ends += partEnds.map { $0 + samples.count }
            samples += audio
        }
        let resampled = try Resampler(from: rate, to: sampleRate).process(samples)
        return Line(samples: resampled, words: words, ends: ends.map { .microseconds($0 * 1_000_000 / rate) })
    }

    /// The words a recogniser would write for a line: its thinking pauses ("…") are silence, not words.
    static func words(_ text: String) -> [String] {
        parts(text).flatMap { $0.split(separator: " ").map(String.init) }
    }

    /// The stretches of a line between its thinking pauses ("…", or "...").
    static func parts(_ text: String) -> [String] {
        text.replacingOccurrences(of: "...", with: "…").split(separator: "…")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The text's words (split at spaces) and where each one's voice ends: a word starts where
    /// espeak-ng's first word event inside it says; it ends at the last voiced sample before the next
    /// word starts (the audio's voiced end for the last one). A word espeak-ng gave no event is joined
    /// to the one before it.
    static func wordEnds(_ text: String, starts: [EspeakSynthesizer.WordStart], audio: [Int16], rate: Int) -> ([String], [Int]) {
        var tokens: [(word: String, first: Int, last: Int)] = []
        var offset = 0
        for piece in text.split(separator: " ", omittingEmptySubsequences: false) {
            let length = piece.unicodeScalars.count
            if !piece.isEmpty { tokens.append((String(piece), offset + 1, offset + length)) }
            offset += length + 1
        }
        var words: [String] = []
        var wordStarts: [Int] = []
        for token in tokens {
            let start = starts.first { $0.character >= token.first && $0.character <= token.last }?.sample
            if let start, words.isEmpty || start > (wordStarts.last ?? -1) {
                words.append(token.word)
                wordStarts.append(min(start, audio.count))
            } else if !words.isEmpty {
                words[words.count - 1] += " " + token.word
            } else {
                words.append(token.word)
                wordStarts.append(0)
            }
        }
        let ends = wordStarts.indices.map { index in
            let next = index + 1 < wordStarts.count ? wordStarts[index + 1] : audio.count
            return max(wordStarts[index], voicedEnd(audio, before: next, rate: rate))
        }
        return (words, ends)
    }

    /// The sample after the last 20 ms stretch louder than −33 dBFS before `limit`: the word's voiced
    /// core. A soft tail (the "s" of "thanks") is left out, as a recogniser asked at a pause would
    /// still have the word; the line's end (`speak`) uses −45 dBFS, so no audio is cut.
    static func voicedEnd(_ audio: [Int16], before limit: Int, rate: Int, threshold: Double = 0.0224) -> Int {
        let window = max(1, rate / 50)
        var end = min(limit, audio.count)
        while end > 0 {
            let start = max(0, end - window)
            var sum: Int64 = 0
            for sample in audio[start..<end] { sum += Int64(sample) * Int64(sample) }
            let rms = (Double(sum) / Double(end - start)).squareRoot()
            if rms > 32_768 * threshold { return end }
            end = start
        }
        return 0
    }
}
