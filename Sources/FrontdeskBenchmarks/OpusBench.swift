import COpusBaseline
import Foundation
import FrontdeskAudio

/// Issue 5 (a): Opus encode + decode of 20 ms mono frames at 16 kHz through the Swift wrapper, in
/// times real time, against the same loop written in C against libopus (the wrapper's overhead).
public struct OpusBench: Sendable {
    /// Seconds of audio per run.
    public var seconds = 60
    /// Runs of each, alternating (the best counts: least disturbed by the machine).
    public var runs = 7

    public init() {}

    public func run() async throws {
        let rate = 16_000
        let frameSize = rate / 50
        // Speech-like input: a voiced tone with vibrato, harmonics and a little noise.
        var state: UInt64 = 7
        let pcm: [Int16] = (0..<rate * seconds).map { index in
            let t = Double(index) / Double(rate)
            let pitch = 140 + 20 * sin(2 * .pi * 3 * t)
            var value = 0.0
            for harmonic in 1...6 { value += sin(2 * .pi * pitch * Double(harmonic) * t) / Double(harmonic) }
            state = state &* 6_364_136_223_846_793_005 &+ 1
            let noise = Double(Int64(bitPattern: state) >> 40) / Double(1 << 23)
            return Int16(clamping: Int(6_000 * value + 300 * noise))
        }
        let frames = pcm.count / frameSize
        print("Encoding and decoding \(seconds) s of 16 kHz mono audio (\(frames) frames of 20 ms), \(runs) runs each …")

        // The two loops alternate, so a slower or faster spell of the machine affects both alike.
        var swiftBest = Duration.seconds(1_000)
        var swiftBytes = 0
        var cBest = Duration.seconds(1_000)
        var cBytes: Int64 = 0
        var packet = [UInt8](repeating: 0, count: 1_500)
        var decoded = [Int16](repeating: 0, count: rate * 120 / 1_000)
        for _ in 0..<runs {
            let encoder = try OpusEncoder(sampleRate: rate, bitrate: 24_000, complexity: 5)
            let decoder = try OpusDecoder(sampleRate: rate)
            var bytes = 0
            let start = ContinuousClock.now
            try pcm.withUnsafeBufferPointer { all throws(OpusError) in
                try decoded.withUnsafeMutableBufferPointer { output throws(OpusError) in
                    for index in 0..<frames {
                        let frame = UnsafeBufferPointer(rebasing: all[index * frameSize..<(index + 1) * frameSize])
                        let length = try encoder.encode(frame, into: &packet)
                        bytes += length
                        _ = try packet.withUnsafeBufferPointer { encoded throws(OpusError) in
                            try decoder.decode(UnsafeBufferPointer(rebasing: encoded[0..<length]), into: output)
                        }
                    }
                }
            }
            swiftBest = min(swiftBest, ContinuousClock.now - start)
            swiftBytes = bytes
            let cStart = ContinuousClock.now
            cBytes = pcm.withUnsafeBufferPointer { frontdesk_opus_baseline($0.baseAddress, Int32(frames), Int32(frameSize), Int32(rate)) }
            cBest = min(cBest, ContinuousClock.now - cStart)
        }
        func inSeconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
        let audio = Double(frames) / 50
        let overhead = (inSeconds(swiftBest) / inSeconds(cBest) - 1) * 100
        print("")
        print("| loop | time for \(Int(audio)) s of audio | × real time | per 20 ms frame | bytes out | target |")
        print("|---|---:|---:|---:|---:|---|")
        print(String(format: "| Swift wrapper (OpusEncoder/OpusDecoder, no-copy calls) | %.3f s | %.0f× | %.1f µs | %d | |", inSeconds(swiftBest), audio / inSeconds(swiftBest), inSeconds(swiftBest) / Double(frames) * 1e6, swiftBytes))
        print(String(format: "| C against libopus | %.3f s | %.0f× | %.1f µs | %lld | |", inSeconds(cBest), audio / inSeconds(cBest), inSeconds(cBest) / Double(frames) * 1e6, cBytes))
        print(String(format: "| wrapper overhead | %+.1f %% | | | | ≤ 5 %% |", overhead))
        print("")
        print("(\(ProcessInfo.processInfo.activeProcessorCount) cores; one thread; best of \(runs) runs; 24 kb/s, complexity 5, VoIP, in-band FEC)")
        if cBytes != Int64(swiftBytes) { print("note: the two loops produced different byte counts (\(swiftBytes) vs \(cBytes))") }
    }
}
