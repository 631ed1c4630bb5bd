import Foundation

/// 16-bit little-endian PCM bytes as samples, carrying an odd byte over to the next chunk (here, beside
/// the providers that stream PCM, so it is specialised for their byte views: it runs on every chunk).
struct PCMAccumulator {
    private var carry: UInt8?

    mutating func samples(from bytes: some Collection<UInt8>) -> [Int16] {
        var result: [Int16] = []
        result.reserveCapacity((bytes.count + 1) / 2)
        var low = carry
        carry = nil
        for byte in bytes {
            if let first = low {
                result.append(Int16(bitPattern: UInt16(first) | UInt16(byte) << 8))
                low = nil
            } else {
                low = byte
            }
        }
        carry = low
        return result
    }
}

/// A mono 16-bit WAV file of `samples` (for per-utterance transcription uploads).
func wavFile(_ samples: [Int16], sampleRate: Int) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(44 + samples.count * 2)
    func append32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    func append16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    let dataSize = UInt32(samples.count * 2)
    bytes += Array("RIFF".utf8); append32(36 + dataSize); bytes += Array("WAVE".utf8)
    bytes += Array("fmt ".utf8); append32(16); append16(1); append16(1)
    append32(UInt32(sampleRate)); append32(UInt32(sampleRate * 2)); append16(2); append16(16)
    bytes += Array("data".utf8); append32(dataSize)
    for sample in samples { append16(UInt16(bitPattern: sample)) }
    return bytes
}
