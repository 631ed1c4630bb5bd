/// ITU-T G.711: µ-law (PCMU, North America/Japan) and A-law (PCMA, elsewhere), 8-bit samples that
/// expand to 16-bit linear PCM. Decoding is a table lookup; encoding follows the reference algorithm
/// (segment search, bias for µ-law, even-bit inversion for A-law) and matches CPython's `audioop`
/// byte for byte.
public enum G711 {
    // MARK: µ-law

    private static let muLawBias: Int32 = 0x84

    /// A 16-bit sample as µ-law (Sun's reference algorithm on the top 14 bits, as CPython's audioop).
    @inline(__always)
    public static func muLaw(_ sample: Int16) -> UInt8 {
        var value = Int32(sample) >> 2
        let mask: Int32
        if value < 0 {
            value = -value
            mask = 0x7F
        } else {
            mask = 0xFF
        }
        value = min(value, 8_159) + (muLawBias >> 2)
        let segment = max(0, bitLength(value) - 6)  // 0 up to 0x3F, 1 up to 0x7F, … 7 up to 0x1FFF
        guard segment < 8 else { return UInt8(0x7F ^ mask) }
        return UInt8(truncatingIfNeeded: ((segment << 4) | ((value >> (segment + 1)) & 0x0F)) ^ mask)
    }

    /// A µ-law byte as a 16-bit sample.
    @inline(__always)
    public static func linear(muLaw byte: UInt8) -> Int16 { muLawTable[Int(byte)] }

    private static let muLawTable: [Int16] = (0...255).map { code in
        let byte = ~UInt8(code)
        let sign = byte & 0x80
        let exponent = Int32((byte >> 4) & 0x07)
        let mantissa = Int32(byte & 0x0F)
        let magnitude = (((mantissa << 3) + muLawBias) << exponent) - muLawBias
        return Int16(sign != 0 ? -magnitude : magnitude)
    }

    // MARK: A-law

    /// A 16-bit sample as A-law.
    @inline(__always)
    public static func aLaw(_ sample: Int16) -> UInt8 {
        var value = Int32(sample) >> 3  // 13-bit magnitude
        let mask: Int32
        if value >= 0 {
            mask = 0xD5
        } else {
            mask = 0x55
            value = -value - 1
        }
        if value > 0xFFF { value = 0xFFF }
        let segment = max(0, bitLength(value) - 5)  // 0 up to 0x1F, 1 up to 0x3F, … 7 up to 0xFFF
        let encoded = segment < 2
            ? (segment << 4) | ((value >> 1) & 0x0F)
            : (segment << 4) | ((value >> segment) & 0x0F)
        return UInt8(truncatingIfNeeded: encoded ^ mask)
    }

    /// An A-law byte as a 16-bit sample.
    @inline(__always)
    public static func linear(aLaw byte: UInt8) -> Int16 { aLawTable[Int(byte)] }

    private static let aLawTable: [Int16] = (0...255).map { code in
        let byte = Int32(code) ^ 0x55
        let exponent = (byte & 0x70) >> 4
        var magnitude = (byte & 0x0F) << 4
        switch exponent {
        case 0: magnitude += 8
        case 1: magnitude += 0x108
        default: magnitude = (magnitude + 0x108) << (exponent - 1)
        }
        return Int16(byte & 0x80 != 0 ? magnitude : -magnitude)
    }

    /// How many bits `value` (≥ 0) needs: 0 for 0, 1 for 1, 8 for 255.
    @inline(__always)
    private static func bitLength(_ value: Int32) -> Int32 {
        Int32(32 - value.leadingZeroBitCount)
    }
}
