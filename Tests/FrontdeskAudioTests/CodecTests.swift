import Foundation
import FrontdeskAudio
import Testing

@Suite("Codecs: G.711, L16, Opus")
struct CodecTests {
    // Vectors from CPython's audioop (lin2ulaw / lin2alaw / ulaw2lin / alaw2lin).
    static let samples: [Int16] = [0, 1, -1, 7, -8, 100, -100, 1000, -1000, 5000, -5000, 12345, -12345, 32767, -32768, 32635, -32635, 4096, -4097]
    static let muLaw: [UInt8] = [255, 255, 126, 254, 126, 242, 114, 206, 78, 171, 43, 151, 23, 128, 0, 128, 0, 175, 47]
    static let aLaw: [UInt8] = [213, 213, 85, 213, 85, 211, 83, 250, 122, 134, 6, 189, 61, 170, 42, 170, 42, 133, 5]
    static let muLawDecoded: [Int16] = [-32124, -15484, -7420, -3516, -1628, -716, -276, -64, 23932, 11388, 5372, 2492, 1116, 460, 148, 0]
    static let aLawDecoded: [Int16] = [-5504, -2624, -24064, -11520, -280, -8, -1248, -592, 7552, 3648, 32256, 15616, 408, 136, 1760, 848]

    @Test("µ-law and A-law match the reference implementation byte for byte")
    func g711MatchesReference() {
        #expect(Self.samples.map(G711.muLaw) == Self.muLaw)
        #expect(Self.samples.map(G711.aLaw) == Self.aLaw)
        #expect(stride(from: 0, to: 256, by: 17).map { G711.linear(muLaw: UInt8($0)) } == Self.muLawDecoded)
        #expect(stride(from: 0, to: 256, by: 17).map { G711.linear(aLaw: UInt8($0)) } == Self.aLawDecoded)
    }

    @Test("Every G.711 code decodes to a sample that encodes back to the same code")
    func g711RoundTripsEveryCode() {
        for code in 0...255 {
            let byte = UInt8(code)
            // µ-law has two zeros (0x7F and 0xFF); both decode to 0, which encodes as 0xFF.
            if byte != 0x7F { #expect(G711.muLaw(G711.linear(muLaw: byte)) == byte) }
            #expect(G711.aLaw(G711.linear(aLaw: byte)) == byte)
        }
    }

    @Test("Speech-level audio survives G.711 with telephone quality (SNR above 30 dB)")
    func g711Quality() throws {
        let tone = Signals.tone(440, rate: 8_000, seconds: 0.5, amplitude: 0.3)
        for format in [MediaFormat.pcmu8k, MediaFormat(encoding: .pcma, sampleRate: 8_000)] {
            let codec = try PayloadCodec(format: format)
            let payload = try codec.encode(tone)
            #expect(payload.count == tone.count)
            #expect(Signals.snr(tone, try codec.decode(payload)) > 30, "\(format)")
        }
    }

    @Test("L16 in either byte order round-trips exactly and puts the bytes where each order says")
    func l16ByteOrders() throws {
        let samples: [Int16] = [0, 1, -1, 0x1234, -32768, 32767]
        #expect(L16.encode([0x1234], order: .bigEndian) == [0x12, 0x34])
        #expect(L16.encode([0x1234], order: .littleEndian) == [0x34, 0x12])
        for order in [AudioEncoding.ByteOrder.bigEndian, .littleEndian] {
            #expect(L16.decode(L16.encode(samples, order: order), order: order) == samples)
        }
        // An odd trailing byte is not half a sample.
        #expect(L16.decode([0x00, 0x01, 0x02], order: .bigEndian) == [1])
    }

    @Test("Opus carries a 16 kHz voice-band tone through 20 ms packets at its bitrate")
    func opusRoundTrip() throws {
        let encoder = try OpusEncoder(sampleRate: 16_000, bitrate: 24_000)
        let decoder = try OpusDecoder(sampleRate: 16_000)
        let tone = Signals.tone(440, rate: 16_000, seconds: 1, amplitude: 0.4)
        var decoded: [Int16] = []
        var bytes = 0
        for frame in Signals.frames(tone, size: 320) {
            let packet = try encoder.encode(frame)
            bytes += packet.count
            let samples = try decoder.decode(packet)
            #expect(samples.count == 320)
            decoded += samples
        }
        // 24 kb/s for one second is 3,000 bytes; allow the encoder its variable rate.
        #expect((1_500...4_500).contains(bytes))
        let settled = Array(decoded[1_600...])  // past the codec's start-up
        #expect(abs(Signals.zeroCrossingsPerSecond(settled, rate: 16_000) - 880) < 20)
        let level = 20 * log10(Signals.rms(settled) / Signals.rms(tone))
        #expect(abs(level) < 2, "level changed by \(level) dB")
    }

    @Test("A lost Opus packet is concealed with a frame of audio, not a gap")
    func opusConcealment() throws {
        let codec = try PayloadCodec(format: MediaFormat(encoding: .opus, sampleRate: 16_000))
        for frame in Signals.frames(Signals.tone(300, rate: 16_000, seconds: 0.2), size: 320) {
            _ = try codec.decode(try codec.encode(frame))
        }
        let concealed = codec.conceal()
        #expect(concealed.count == 320)
        #expect(Signals.rms(concealed) > 100)  // continues the tone rather than dropping to silence
    }

    @Test("libopus errors come back as OpusError with libopus's message")
    func opusErrors() throws {
        #expect(throws: OpusError.self) { try OpusEncoder(sampleRate: 44_100) }
        let decoder = try OpusDecoder(sampleRate: 16_000)
        let error = #expect(throws: OpusError.self) { try decoder.decode([]) }
        #expect(error?.description.contains("opus_decode") == true)
        let encoder = try OpusEncoder(sampleRate: 16_000)
        #expect(throws: OpusError.self) { try encoder.encode([Int16](repeating: 0, count: 123)) }  // not a frame size
    }

    @Test("Media formats are read from the names providers use, and odd ones are refused clearly")
    func mediaFormats() throws {
        #expect(try MediaFormat.named("PCMU", sampleRate: 8_000) == .pcmu8k)
        #expect(try MediaFormat.named("audio/x-mulaw", sampleRate: nil) == .pcmu8k)
        #expect(try MediaFormat.named("PCMA", sampleRate: 8_000).encoding == .pcma)
        #expect(try MediaFormat.named("L16", sampleRate: 16_000, l16Order: .bigEndian) == MediaFormat(encoding: .l16(.bigEndian), sampleRate: 16_000))
        #expect(try MediaFormat.named("OPUS", sampleRate: 48_000).samplesPerFrame == 960)
        #expect(throws: MediaFormat.Failure.unsupportedEncoding("AMR-WB")) { try MediaFormat.named("AMR-WB", sampleRate: 16_000) }
        #expect(throws: MediaFormat.Failure.unsupportedRate(encoding: "PCMU", rate: 16_000)) { try MediaFormat.named("PCMU", sampleRate: 16_000) }
    }
}
