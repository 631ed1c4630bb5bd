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
    private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")

    /// `count` random characters of lower-case Crockford base32 from the system CSPRNG.
    public static func base32(count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var chars: [Character] = []
        chars.reserveCapacity(count)
        for _ in 0..<count { chars.append(alphabet[Int(generator.next() % 32)]) }
        return String(chars)
    }

    /// A URL-safe secret of `bytes` random bytes, hex encoded.
    public static func hex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }
            .joined()
    }
}
