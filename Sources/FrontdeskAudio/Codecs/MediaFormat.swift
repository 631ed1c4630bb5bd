/// How a media stream's audio is encoded, as the provider's `start` frame names it.
public enum AudioEncoding: Sendable, Hashable, CustomStringConvertible {
    /// G.711 µ-law.
    case pcmu
    /// G.711 A-law.
    case pcma
    /// 16-bit linear PCM; the byte order is a setting (Telnyx does not document it).
    case l16(ByteOrder)
    case opus

    public enum ByteOrder: String, Sendable, Hashable {
        case bigEndian = "big"
        case littleEndian = "little"
    }

    public var description: String {
        switch self {
        case .pcmu: "PCMU"
        case .pcma: "PCMA"
        case .l16(let order): "L16 (\(order.rawValue)-endian)"
        case .opus: "OPUS"
        }
    }
}

/// A stream's encoding and sample rate (mono).
public struct MediaFormat: Sendable, Hashable, CustomStringConvertible {
    public let encoding: AudioEncoding
    public let sampleRate: Int

    public init(encoding: AudioEncoding, sampleRate: Int) {
        self.encoding = encoding
        self.sampleRate = sampleRate
    }

    public static let pcmu8k = MediaFormat(encoding: .pcmu, sampleRate: 8_000)

    /// Samples in one 20 ms frame.
    public var samplesPerFrame: Int { sampleRate / 50 }

    public var description: String { "\(encoding) \(sampleRate) Hz" }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unsupportedEncoding(String)
        case unsupportedRate(encoding: String, rate: Int)

        public var description: String {
            switch self {
            case .unsupportedEncoding(let name): "unsupported media encoding \"\(name)\" (PCMU, PCMA, L16 and OPUS are)"
            case .unsupportedRate(let name, let rate): "\(name) at \(rate) Hz is not supported"
            }
        }
    }

    /// The format a `start` frame names: `PCMU`/`audio/x-mulaw`, `PCMA`/`audio/x-alaw`, `L16`
    /// (`l16Order` decides the byte order), `OPUS`; G.711 is always 8 kHz.
    public static func named(_ encoding: String, sampleRate: Int?, l16Order: AudioEncoding.ByteOrder = .littleEndian) throws(Failure) -> MediaFormat {
        let name = encoding.lowercased()
        switch name {
        case "pcmu", "audio/x-mulaw", "mulaw", "ulaw", "g711_ulaw":
            guard sampleRate ?? 8_000 == 8_000 else { throw .unsupportedRate(encoding: encoding, rate: sampleRate ?? 0) }
            return MediaFormat(encoding: .pcmu, sampleRate: 8_000)
        case "pcma", "audio/x-alaw", "alaw", "g711_alaw":
            guard sampleRate ?? 8_000 == 8_000 else { throw .unsupportedRate(encoding: encoding, rate: sampleRate ?? 0) }
            return MediaFormat(encoding: .pcma, sampleRate: 8_000)
        case "l16", "audio/l16", "linear16", "pcm16":
            let rate = sampleRate ?? 16_000
            guard [8_000, 16_000, 22_050, 24_000, 48_000].contains(rate) else { throw .unsupportedRate(encoding: encoding, rate: rate) }
            return MediaFormat(encoding: .l16(l16Order), sampleRate: rate)
        case "opus", "audio/opus":
            let rate = sampleRate ?? 16_000
            guard [8_000, 12_000, 16_000, 24_000, 48_000].contains(rate) else { throw .unsupportedRate(encoding: encoding, rate: rate) }
            return MediaFormat(encoding: .opus, sampleRate: rate)
        default:
            throw .unsupportedEncoding(encoding)
        }
    }
}
