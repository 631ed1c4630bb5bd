import Foundation

/// Noise as a phone line carries it: white noise band-limited to the telephone band (300–3,400 Hz,
/// second-order high- and low-pass filters) at a chosen level — what the audio test set plays under
/// the caller's voice at 30, 20 and 10 dB SNR. Deterministic for a seed.
public struct TelephoneNoise: Sendable {
    private var state: UInt64
    private var highPass: Biquad
    private var lowPass: Biquad
    /// Scales the band-limited noise to the level asked for.
    private var gain = 1.0

    /// `level`: the noise's RMS level in dBFS (a voice at −20 dBFS over noise at −40 is 20 dB SNR).
    public init(sampleRate: Int, level: Double, seed: UInt64 = 0x5EED) {
        state = seed | 1
        highPass = Biquad(highPassAt: 300, sampleRate: Double(sampleRate))
        lowPass = Biquad(lowPassAt: min(3_400, Double(sampleRate) * 0.45), sampleRate: Double(sampleRate))
        // Measured, not assumed: a second of the filtered noise sets the gain for the level asked.
        let measured = next(sampleRate)
        let rms = (measured.reduce(0) { $0 + $1 * $1 } / Double(measured.count)).squareRoot()
        gain = rms > 0 ? pow(10, level / 20) / rms : 0
    }

    /// The next `count` samples (as fractions of full scale).
    public mutating func next(_ count: Int) -> [Double] {
        (0..<count).map { _ in
            // xorshift64*, uniform in [-1, 1).
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            let uniform = Double((state &* 2_685_821_657_736_338_717) >> 11) / Double(1 << 53) * 2 - 1
            return lowPass.process(highPass.process(uniform)) * gain
        }
    }

    /// `samples` with this noise added.
    public mutating func add(to samples: [Int16]) -> [Int16] {
        zip(samples, next(samples.count)).map { Int16(clamping: Int(Double($0) + $1 * 32_767)) }
    }

    /// A second-order section (RBJ's cookbook, Q = 1/√2).
    struct Biquad: Sendable {
        var b0 = 1.0, b1 = 0.0, b2 = 0.0, a1 = 0.0, a2 = 0.0
        var x1 = 0.0, x2 = 0.0, y1 = 0.0, y2 = 0.0

        init(highPassAt frequency: Double, sampleRate: Double) {
            let (cosine, alpha) = Self.parameters(frequency, sampleRate)
            let a0 = 1 + alpha
            b0 = (1 + cosine) / 2 / a0
            b1 = -(1 + cosine) / a0
            b2 = b0
            a1 = -2 * cosine / a0
            a2 = (1 - alpha) / a0
        }

        init(lowPassAt frequency: Double, sampleRate: Double) {
            let (cosine, alpha) = Self.parameters(frequency, sampleRate)
            let a0 = 1 + alpha
            b0 = (1 - cosine) / 2 / a0
            b1 = (1 - cosine) / a0
            b2 = b0
            a1 = -2 * cosine / a0
            a2 = (1 - alpha) / a0
        }

        static func parameters(_ frequency: Double, _ sampleRate: Double) -> (Double, Double) {
            let omega = 2 * Double.pi * frequency / sampleRate
            return (cos(omega), sin(omega) / (2 * 0.5.squareRoot()))
        }

        mutating func process(_ x: Double) -> Double {
            let y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            x2 = x1
            x1 = x
            y2 = y1
            y1 = y
            return y
        }
    }
}
