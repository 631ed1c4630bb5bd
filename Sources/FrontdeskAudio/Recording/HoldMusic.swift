import Foundation

/// What a caller hears while the receptionist fetches a person (a warm transfer): a soft, looping
/// arpeggio made here — no file to ship or license — as a 16-bit mono WAV that carriers play by URL.
public enum HoldMusic {
    /// Notes (Hz) of one pass: C major up and down, then a rest.
    static let notes: [Double?] = [261.63, 329.63, 392.00, 523.25, 392.00, 329.63, nil, nil]
    static let noteSeconds = 0.45

    /// The samples of one pass (~3.6 s) at `sampleRate`, about −22 dBFS with a gentle attack and decay.
    public static func samples(sampleRate: Int = 8_000) -> [Int16] {
        let perNote = Int(Double(sampleRate) * noteSeconds)
        var out = [Int16]()
        out.reserveCapacity(perNote * notes.count)
        for note in notes {
            for index in 0..<perNote {
                guard let frequency = note else {
                    out.append(0)
                    continue
                }
                let t = Double(index) / Double(sampleRate)
                let attack = min(1, t / 0.03)
                let decay = exp(-3 * t)
                let tone = sin(2 * .pi * frequency * t) + 0.3 * sin(4 * .pi * frequency * t)
                out.append(Int16((tone / 1.3 * attack * decay * 0.08 * 32_767).rounded()))
            }
        }
        return out
    }

    /// The pass as a WAV file (RIFF, PCM).
    public static func wav(sampleRate: Int = 8_000) -> [UInt8] {
        let pcm = samples(sampleRate: sampleRate)
        var bytes = [UInt8]()
        bytes.reserveCapacity(44 + pcm.count * 2)
        func append(_ text: String) { bytes += Array(text.utf8) }
        func append32(_ value: Int) { withUnsafeBytes(of: UInt32(value).littleEndian) { bytes += $0 } }
        func append16(_ value: Int) { withUnsafeBytes(of: UInt16(value).littleEndian) { bytes += $0 } }
        append("RIFF")
        append32(36 + pcm.count * 2)
        append("WAVE")
        append("fmt ")
        append32(16)
        append16(1)  // PCM
        append16(1)  // mono
        append32(sampleRate)
        append32(sampleRate * 2)
        append16(2)
        append16(16)
        append("data")
        append32(pcm.count * 2)
        for sample in pcm { withUnsafeBytes(of: sample.littleEndian) { bytes += $0 } }
        return bytes
    }
}
