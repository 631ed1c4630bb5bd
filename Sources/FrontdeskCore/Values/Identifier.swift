import Foundation

/// A typed identifier: `Identifier<Lead>` and `Identifier<Business>` cannot be mixed up.
/// Ids are opaque strings with a readable prefix (`lead_…`, `business_…`), as in the API seed.
public struct Identifier<Entity: IdentifierPrefixed>: Hashable, Sendable, Codable, CustomStringConvertible,
    Comparable
{
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    /// A new random id: prefix + 20 characters of Crockford base32 (100 random bits).
    public static func generate() -> Self {
        Self(rawValue: Entity.idPrefix + "_" + RandomToken.base32(count: 20))
    }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

public protocol IdentifierPrefixed: Sendable {
    static var idPrefix: String { get }
}

public enum RandomToken {
    private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `count` random characters of lower-case Crockford base32 from the system CSPRNG.
    public static func base32(count: Int) -> String { draw(count, bitsPerSymbol: 5, from: alphabet) }

    /// A URL-safe secret of `bytes` random bytes, hex encoded.
    public static func hex(bytes: Int) -> String { draw(bytes * 2, bitsPerSymbol: 4, from: hexDigits) }

    /// `count` symbols, each from `bitsPerSymbol` fresh random bits. One 64-bit draw (one `getrandom`
    /// call) serves 12 base32 or 16 hex symbols: every request gets an id, and a system call per
    /// character showed up in the webhook benchmark's profile.
    private static func draw(_ count: Int, bitsPerSymbol bits: Int, from symbols: [UInt8]) -> String {
        var generator = SystemRandomNumberGenerator()
        var chars: [UInt8] = []
        chars.reserveCapacity(count)
        let mask = UInt64(1) << bits - 1
        var pool: UInt64 = 0
        var available = 0
        for _ in 0..<count {
            if available < bits { (pool, available) = (generator.next(), 64) }
            chars.append(symbols[Int(pool & mask)])
            pool >>= UInt64(bits)
            available -= bits
        }
        return String(decoding: chars, as: UTF8.self)
    }
}
