/// Turns a stream's payloads into 16-bit samples at the stream's rate and back, whatever the
/// encoding. One per stream (Opus keeps state between frames).
public final class PayloadCodec {
    public let format: MediaFormat
    private let opusEncoder: OpusEncoder?
    private let opusDecoder: OpusDecoder?

    public init(format: MediaFormat) throws(OpusError) {
        self.format = format
        if format.encoding == .opus {
            opusEncoder = try OpusEncoder(sampleRate: format.sampleRate)
            opusDecoder = try OpusDecoder(sampleRate: format.sampleRate)
        } else {
            opusEncoder = nil
            opusDecoder = nil
        }
    }

    /// The samples in one payload.
    public func decode(_ payload: [UInt8]) throws(OpusError) -> [Int16] {
        switch format.encoding {
        case .pcmu: return payload.map(G711.linear(muLaw:))
        case .pcma: return payload.map(G711.linear(aLaw:))
        case .l16(let order): return L16.decode(payload, order: order)
        case .opus: return try opusDecoder!.decode(payload)
        }
    }

    /// One payload for these samples (for Opus: one 20 ms frame).
    public func encode(_ samples: [Int16]) throws(OpusError) -> [UInt8] {
        switch format.encoding {
        case .pcmu: return samples.map(G711.muLaw)
        case .pcma: return samples.map(G711.aLaw)
        case .l16(let order): return L16.encode(samples, order: order)
        case .opus: return try opusEncoder!.encode(samples)
        }
    }

    /// Samples standing in for a lost frame: Opus's concealment, silence for the others.
    public func conceal() -> [Int16] {
        if let opusDecoder, let samples = try? opusDecoder.conceal(samples: format.samplesPerFrame) { return samples }
        return [Int16](repeating: 0, count: format.samplesPerFrame)
    }

    /// The encoded payload of a silent frame.
    public func silence() throws(OpusError) -> [UInt8] {
        try encode([Int16](repeating: 0, count: format.samplesPerFrame))
    }
}

/// 16-bit linear PCM bytes in either byte order.
public enum L16 {
    public static func decode(_ bytes: [UInt8], order: AudioEncoding.ByteOrder) -> [Int16] {
        let count = bytes.count / 2
        return [Int16](unsafeUninitializedCapacity: count) { samples, initialized in
            for index in 0..<count {
                let first = UInt16(bytes[2 * index]), second = UInt16(bytes[2 * index + 1])
                samples[index] = Int16(bitPattern: order == .bigEndian ? first << 8 | second : second << 8 | first)
            }
            initialized = count
        }
    }

    public static func encode(_ samples: [Int16], order: AudioEncoding.ByteOrder) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: samples.count * 2) { bytes, initialized in
            for (index, sample) in samples.enumerated() {
                let value = UInt16(bitPattern: sample)
                let high = UInt8(value >> 8), low = UInt8(value & 0xFF)
                bytes[2 * index] = order == .bigEndian ? high : low
                bytes[2 * index + 1] = order == .bigEndian ? low : high
            }
            initialized = samples.count * 2
        }
    }
}
