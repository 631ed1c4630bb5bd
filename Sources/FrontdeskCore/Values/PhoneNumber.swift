/// A phone number in E.164 form (`+` and 8–15 digits), parsed once at the edge.
/// Spaces, dashes, dots and parentheses are accepted on input and dropped.
public struct PhoneNumber: Hashable, Sendable, Codable, CustomStringConvertible {
    public let e164: String

    public init?(_ text: String) {
        var digits = ""
        var sawPlus = false
        for (index, char) in text.trimmingWhitespace().enumerated() {
            switch char {
            case "+" where index == 0: sawPlus = true
            case "0"..."9": digits.append(char)
            case " ", "-", ".", "(", ")": continue
            default: return nil
            }
        }
        guard sawPlus, (8...15).contains(digits.count), digits.first != "0" else { return nil }
        e164 = "+" + digits
    }

    /// For values read back from storage, which were validated when they were written.
    public init(trusted e164: String) { self.e164 = e164 }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let parsed = PhoneNumber(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "must be a phone number in E.164 form, like +15551234567")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(e164)
    }

    public var description: String { e164 }
}

/// An e-mail address checked for the shape `local@domain.tld`, stored lower-cased.
public struct EmailAddress: Hashable, Sendable, Codable, CustomStringConvertible {
    public let value: String

    public init?(_ text: String) {
        let trimmed = text.trimmingWhitespace().lowercased()
        guard trimmed.count <= 254, let at = trimmed.firstIndex(of: "@") else { return nil }
        let local = trimmed[..<at]
        let domain = trimmed[trimmed.index(after: at)...]
        guard !local.isEmpty, domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."),
            !trimmed.contains(" "), domain.firstIndex(of: "@") == nil
        else { return nil }
        value = trimmed
    }

    /// For values read back from storage, which were validated when they were written.
    public init(trusted value: String) { self.value = value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let parsed = EmailAddress(try container.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be an e-mail address")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    public var description: String { value }
}

extension StringProtocol {
    public func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
