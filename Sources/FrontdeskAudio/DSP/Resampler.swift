import CSpeexDSP

/// Sample-rate conversion between telephony and speech rates (8, 16, 22.05, 24, 48 kHz) with
/// libspeexdsp's windowed-sinc resampler: band-limited, so going down does not alias and going up
/// does not image. Keeps its filter state between calls, so a stream is converted chunk by chunk
/// without clicks at the joins. One per stream and direction.
public final class Resampler {
    public let inputRate: Int
    public let outputRate: Int
    private let state: OpaquePointer?
    private var output: [Int16] = []

    /// `quality` 0–10 (speex's scale; 3 is its VoIP default, 5 its desktop default).
    public init(from inputRate: Int, to outputRate: Int, quality: Int = 5) throws(ResamplerError) {
        self.inputRate = inputRate
        self.outputRate = outputRate
        if inputRate == outputRate {
            state = nil
            return
        }
        var error: Int32 = 0
        guard let state = speex_resampler_init(1, UInt32(inputRate), UInt32(outputRate), Int32(quality), &error),
            error == 0
        else { throw ResamplerError(code: error) }
        // Without this the first call returns the filter's latency as leading zeros.
        speex_resampler_skip_zeros(state)
        self.state = state
    }

    deinit {
        if let state { speex_resampler_destroy(state) }
    }

    /// Converts the next chunk of the stream.
    public func process(_ input: [Int16]) -> [Int16] {
        guard let state else { return input }
        let capacity = input.count * outputRate / inputRate + 16
        if output.count < capacity { output = [Int16](repeating: 0, count: capacity) }
        var consumed = UInt32(input.count)
        var produced = UInt32(capacity)
        input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                _ = speex_resampler_process_int(state, 0, source.baseAddress, &consumed, target.baseAddress, &produced)
            }
        }
        return Array(output[0..<Int(produced)])
    }
}

public struct ResamplerError: Error, CustomStringConvertible {
    public let code: Int32
    public var description: String { "speex_resampler_init: " + String(cString: speex_resampler_strerror(code)) }
}
