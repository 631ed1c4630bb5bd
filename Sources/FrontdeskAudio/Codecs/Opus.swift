import COpus

/// A libopus error, with libopus's own message.
public struct OpusError: Error, CustomStringConvertible, Equatable {
    public let code: Int32
    public let operation: String

    public var description: String {
        "\(operation): " + String(cString: operation.hasPrefix("ope_") ? ope_strerror(code) : opus_strerror(code))
    }
}

/// An Opus encoder (mono, VoIP application, voice signal) for one stream. Not shared between tasks:
/// the call that owns it encodes on its own task.
public final class OpusEncoder {
    public let sampleRate: Int
    private let encoder: OpaquePointer
    /// Encoded bytes of the last frame (an Opus packet is at most 1,275 bytes per frame).
    private var packet = [UInt8](repeating: 0, count: 1_500)

    /// `sampleRate` is one of 8,000, 12,000, 16,000, 24,000 or 48,000.
    public init(sampleRate: Int, bitrate: Int = 24_000, complexity: Int = 5) throws(OpusError) {
        var error: Int32 = 0
        guard let encoder = opus_encoder_create(Int32(sampleRate), 1, OPUS_APPLICATION_VOIP, &error), error == OPUS_OK else {
            throw OpusError(code: error, operation: "opus_encoder_create")
        }
        self.encoder = encoder
        self.sampleRate = sampleRate
        try check(frontdesk_opus_encoder_set_bitrate(encoder, Int32(bitrate)), "OPUS_SET_BITRATE")
        try check(frontdesk_opus_encoder_set_complexity(encoder, Int32(complexity)), "OPUS_SET_COMPLEXITY")
        try check(frontdesk_opus_encoder_set_signal_voice(encoder), "OPUS_SET_SIGNAL")
        try check(frontdesk_opus_encoder_set_inband_fec(encoder, 1), "OPUS_SET_INBAND_FEC")
        try check(frontdesk_opus_encoder_set_packet_loss_perc(encoder, 5), "OPUS_SET_PACKET_LOSS_PERC")
    }

    deinit { opus_encoder_destroy(encoder) }

    /// The bitrate libopus reports (bits per second).
    public var bitrate: Int {
        var value: Int32 = 0
        _ = frontdesk_opus_encoder_get_bitrate(encoder, &value)
        return Int(value)
    }

    /// Encodes one frame (2.5, 5, 10, 20, 40 or 60 ms of samples) into one Opus packet.
    public func encode(_ samples: [Int16]) throws(OpusError) -> [UInt8] {
        let length = try samples.withUnsafeBufferPointer { input throws(OpusError) in try encode(input, into: &packet) }
        return Array(packet[0..<length])
    }

    /// Encodes one frame into `packet` (at least 1,275 bytes) without allocating; returns its length.
    public func encode(_ samples: UnsafeBufferPointer<Int16>, into packet: inout [UInt8]) throws(OpusError) -> Int {
        guard let input = samples.baseAddress, !samples.isEmpty else { throw OpusError(code: OPUS_BAD_ARG, operation: "opus_encode") }
        let length = packet.withUnsafeMutableBufferPointer { output in
            opus_encode(encoder, input, Int32(samples.count), output.baseAddress!, Int32(output.count))
        }
        guard length >= 0 else { throw OpusError(code: length, operation: "opus_encode") }
        return Int(length)
    }

    /// Forgets the stream's history (a new utterance after a cleared playback).
    public func reset() {
        _ = frontdesk_opus_encoder_reset(encoder)
    }

    private func check(_ result: Int32, _ operation: String) throws(OpusError) {
        guard result == OPUS_OK else { throw OpusError(code: result, operation: operation) }
    }
}

/// An Opus decoder (mono) for one stream, with packet-loss concealment for missing frames.
public final class OpusDecoder {
    public let sampleRate: Int
    private let decoder: OpaquePointer
    /// Room for the longest packet (120 ms).
    private var pcm: [Int16]

    public init(sampleRate: Int) throws(OpusError) {
        var error: Int32 = 0
        guard let decoder = opus_decoder_create(Int32(sampleRate), 1, &error), error == OPUS_OK else {
            throw OpusError(code: error, operation: "opus_decoder_create")
        }
        self.decoder = decoder
        self.sampleRate = sampleRate
        pcm = [Int16](repeating: 0, count: sampleRate * 120 / 1_000)
    }

    deinit { opus_decoder_destroy(decoder) }

    /// Decodes one packet into samples at the decoder's rate.
    public func decode(_ packet: [UInt8]) throws(OpusError) -> [Int16] {
        let count = try packet.withUnsafeBufferPointer { input throws(OpusError) in
            try pcm.withUnsafeMutableBufferPointer { output throws(OpusError) in try decode(input, into: output) }
        }
        return Array(pcm[0..<count])
    }

    /// Decodes one packet into `output` (room for the longest packet: 120 ms) without allocating;
    /// returns the samples written.
    public func decode(_ packet: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<Int16>) throws(OpusError) -> Int {
        guard let input = packet.baseAddress, !packet.isEmpty else { throw OpusError(code: OPUS_INVALID_PACKET, operation: "opus_decode") }
        let count = opus_decode(decoder, input, Int32(packet.count), output.baseAddress!, Int32(output.count), 0)
        guard count >= 0 else { throw OpusError(code: count, operation: "opus_decode") }
        return Int(count)
    }

    /// Samples standing in for a lost frame of `samples` samples (libopus's concealment).
    public func conceal(samples: Int) throws(OpusError) -> [Int16] {
        let count = pcm.withUnsafeMutableBufferPointer { output in
            opus_decode(decoder, nil, 0, output.baseAddress!, Int32(min(samples, output.count)), 0)
        }
        guard count >= 0 else { throw OpusError(code: count, operation: "opus_decode (concealment)") }
        return Array(pcm[0..<Int(count)])
    }

    public func reset() {
        _ = frontdesk_opus_decoder_reset(decoder)
    }
}
