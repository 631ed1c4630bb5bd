import COpus
import Foundation

/// Records a call as an Ogg Opus file with libopusenc: two channels, the caller on the left and the
/// agent on the right, each frame of both tracks written side by side so they stay in step.
public final class OggOpusRecorder {
    public let path: String
    public let sampleRate: Int
    private var encoder: OpaquePointer?
    private var interleaved: [Int16] = []
    public private(set) var samplesWritten = 0

    /// `complexity` 0–10: a call recording needs little (the default 2 keeps it cheap enough to run
    /// beside hundreds of live calls).
    public init(path: String, sampleRate: Int, title: String? = nil, complexity: Int = 2) throws(OpusError) {
        self.path = path
        self.sampleRate = sampleRate
        guard let comments = ope_comments_create() else { throw OpusError(code: OPE_ALLOC_FAIL, operation: "ope_comments_create") }
        defer { ope_comments_destroy(comments) }
        _ = ope_comments_add(comments, "ENCODER", "Frontdesk")
        if let title { _ = ope_comments_add(comments, "TITLE", title) }
        var error: Int32 = 0
        // libopusenc resamples to Opus's 48 kHz itself; family 0 = mono/stereo.
        guard let encoder = ope_encoder_create_file(path, comments, Int32(sampleRate), 2, 0, &error), error == OPE_OK else {
            throw OpusError(code: error, operation: "ope_encoder_create_file")
        }
        self.encoder = encoder
        _ = frontdesk_ope_encoder_set_signal_voice(encoder)
        _ = frontdesk_ope_encoder_set_bitrate(encoder, 32_000)
        _ = frontdesk_ope_encoder_set_complexity(encoder, Int32(complexity))
        // Telephone audio has nothing above 4 kHz: narrowband is all an 8 kHz call needs, and cheaper.
        if sampleRate <= 8_000 { _ = frontdesk_ope_encoder_set_max_bandwidth(encoder, OPUS_BANDWIDTH_NARROWBAND) }
        // libopusenc holds 2 s of 48 kHz audio by default to decide frame sizes; 200 ms is plenty for
        // speech and keeps a call's recorder small.
        _ = frontdesk_ope_encoder_set_decision_delay(encoder, 9_600)
        _ = frontdesk_ope_encoder_set_muxing_delay(encoder, 9_600)
    }

    deinit {
        if encoder != nil { try? finish() }
    }

    /// Writes one stretch of both tracks (equal lengths; the shorter is padded with silence).
    public func write(caller: [Int16], agent: [Int16]) throws(OpusError) {
        let count = Stereo.interleave(caller: caller, agent: agent, into: &interleaved)
        guard count > 0 else { return }
        try interleaved.withUnsafeBufferPointer { buffer throws(OpusError) in
            try write(interleaved: UnsafeBufferPointer(rebasing: buffer[0..<count * 2]))
        }
    }

    /// Flushes and closes the file. Idempotent.
    public func finish() throws(OpusError) {
        guard let encoder else { return }
        self.encoder = nil
        let result = ope_encoder_drain(encoder)
        ope_encoder_destroy(encoder)
        guard result == OPE_OK else { throw OpusError(code: result, operation: "ope_encoder_drain") }
    }

    public var duration: Duration { .milliseconds(samplesWritten * 1_000 / sampleRate) }

    /// Writes already interleaved stereo samples (caller, agent, caller, agent, …).
    func write(interleaved samples: UnsafeBufferPointer<Int16>) throws(OpusError) {
        guard let encoder, let base = samples.baseAddress, samples.count >= 2 else { return }
        let result = ope_encoder_write(encoder, base, Int32(samples.count / 2))
        guard result == OPE_OK else { throw OpusError(code: result, operation: "ope_encoder_write") }
        samplesWritten += samples.count / 2
    }

    /// Makes the Ogg Opus file of a finished raw recording, then removes the raw file. The file
    /// appears whole or not at all (written beside it, then renamed).
    public static func encode(raw rawPath: String, sampleRate: Int, to path: String, title: String? = nil) throws {
        guard let input = fopen(rawPath, "rb") else { throw RecordingError("cannot open \(rawPath): \(String(cString: strerror(errno)))") }
        defer { fclose(input) }
        let partial = path + ".part"
        let recorder = try OggOpusRecorder(path: partial, sampleRate: sampleRate, title: title)
        var chunk = [Int16](repeating: 0, count: sampleRate * 2)  // one second of both tracks
        while true {
            let read = chunk.withUnsafeMutableBufferPointer { fread($0.baseAddress, 2, $0.count, input) }
            guard read > 0 else { break }
            for index in 0..<read { chunk[index] = Int16(littleEndian: chunk[index]) }
            try chunk.withUnsafeBufferPointer { buffer throws(OpusError) in try recorder.write(interleaved: UnsafeBufferPointer(rebasing: buffer[0..<read])) }
        }
        try recorder.finish()
        guard rename(partial, path) == 0 else { throw RecordingError("cannot move the recording to \(path): \(String(cString: strerror(errno)))") }
        unlink(rawPath)
    }
}
