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

    /// `count` random characters of lower-case Crockford base32 from the system CSPRNG. Each 64-bit
    /// draw (one `getrandom` call) gives 12 characters: every request gets an id, and a system call
    /// per character showed up in the webhook benchmark's profile.
    public static func base32(count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var chars: [UInt8] = []
        chars.reserveCapacity(count)
        var bits: UInt64 = 0
        var available = 0
        for _ in 0..<count {
            if available < 5 { (bits, available) = (generator.next(), 64) }
            chars.append(alphabet[Int(bits & 31)])
            bits >>= 5
            available -= 5
        }
        return String(decoding: chars, as: UTF8.self)
    }

    /// A URL-safe secret of `bytes` random bytes, hex encoded (eight bytes per 64-bit draw).
    public static func hex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var chars: [UInt8] = []
        chars.reserveCapacity(bytes * 2)
        var bits: UInt64 = 0
        var available = 0
        for _ in 0..<bytes {
            if available < 8 { (bits, available) = (generator.next(), 64) }
            chars.append(hexDigits[Int(bits >> 4 & 15)])
            chars.append(hexDigits[Int(bits & 15)])
            bits >>= 8
            available -= 8
        }
        return String(decoding: chars, as: UTF8.self)
    }
}
