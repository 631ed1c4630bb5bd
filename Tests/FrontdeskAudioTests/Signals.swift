import Foundation

/// Test signals and measurements.
enum Signals {
    /// A sine tone: `frequency` Hz at `rate`, `amplitude` of full scale, `seconds` long.
    static func tone(_ frequency: Double, rate: Int, seconds: Double, amplitude: Double = 0.5) -> [Int16] {
        (0..<Int(Double(rate) * seconds)).map { index in
            Int16(amplitude * 32_767 * sin(2 * .pi * frequency * Double(index) / Double(rate)))
        }
    }

    /// Deterministic white noise at `amplitude` of full scale.
    static func noise(rate: Int, seconds: Double, amplitude: Double, seed: UInt64 = 42) -> [Int16] {
        var state = seed
        return (0..<Int(Double(rate) * seconds)).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let unit = Double(Int64(bitPattern: state) >> 11) / Double(1 << 52)  // −1…1
            return Int16(amplitude * 32_767 * unit)
        }
    }

    static func rms(_ samples: some Collection<Int16>) -> Double {
        guard !samples.isEmpty else { return 0 }
        return (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(samples.count)).squareRoot()
    }

    /// Sign changes per second: twice the frequency of a pure tone.
    static func zeroCrossingsPerSecond(_ samples: [Int16], rate: Int) -> Double {
        var crossings = 0
        for index in 1..<samples.count where (samples[index - 1] < 0) != (samples[index] < 0) { crossings += 1 }
        return Double(crossings) * Double(rate) / Double(samples.count)
    }

    /// Signal-to-noise ratio of `decoded` against `original`, in dB.
    static func snr(_ original: [Int16], _ decoded: [Int16]) -> Double {
        var signal = 0.0, noise = 0.0
        for (a, b) in zip(original, decoded) {
            signal += Double(a) * Double(a)
            noise += (Double(a) - Double(b)) * (Double(a) - Double(b))
        }
        return 10 * log10(signal / max(noise, 1))
    }

    static func frames(_ samples: [Int16], size: Int) -> [[Int16]] {
        stride(from: 0, to: samples.count - size + 1, by: size).map { Array(samples[$0..<$0 + size]) }
    }
}
