import Foundation

/// A type that can write its own JSON directly, for the hottest responses. Its output must equal what
/// its `Encodable` conformance gives (a test compares them); everything else uses `JSONEncoder`.
public protocol DirectJSONEncodable: Encodable {
    func writeJSON(to writer: inout JSONWriter) throws
}

/// Appends JSON tokens to a byte buffer. Keys are written as given (they are ASCII identifiers). Its
/// small methods are inlinable: the writers of the hot responses and frames live in other modules
/// (the leads list in the server, media frames in media).
public struct JSONWriter {
    public var bytes: [UInt8] = []
    @usableFromInline var needsComma = false

    @inlinable
    public init(capacity: Int = 4096) { bytes.reserveCapacity(capacity) }

    @inlinable
    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    @inlinable
    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    @inlinable
    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    @inlinable
    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    @inlinable
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        needsComma = false
    }

    @inlinable
    public mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [92, 92])
            case 0x0A: bytes.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    @inlinable
    public mutating func int(_ value: Int) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    @inlinable
    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    public mutating func date(_ value: Date) { string(InstantText.format(value)) }

    /// A key known only at run time, escaped like any string.
    @inlinable
    public mutating func dynamicKey(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// A number as `JSONEncoder` writes it: integral values without a fraction ("30", not "30.0").
    public mutating func number(_ value: Double) throws {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "\(value) is not a JSON number"))
        }
        separate()
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
        needsComma = true
    }

    /// JSON that is already encoded (e.g. a constant part of a request).
    @inlinable
    public mutating func raw(_ json: [UInt8]) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    @inlinable
    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    /// A value written by `JSONEncoder` (for rare, nested parts).
    public mutating func encoded(_ value: some Encodable) throws {
        separate()
        bytes.append(contentsOf: try Self.encoder.encode(value))
        needsComma = true
    }

    // Optional fields are left out when nil, as synthesized `Encodable` does.
    @inlinable
    public mutating func field(_ name: StaticString, _ value: String?) {
        if let value { key(name); string(value) }
    }

    @inlinable
    public mutating func field(_ name: StaticString, _ value: Int?) {
        if let value { key(name); int(value) }
    }

    @inlinable
    public mutating func field(_ name: StaticString, _ value: Bool) {
        key(name)
        bool(value)
    }

    @inlinable
    public mutating func field(_ name: StaticString, _ value: Date) {
        key(name)
        date(value)
    }

    @inlinable
    mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }
}

extension JSONValue: DirectJSONEncodable {
    /// Provider requests (Telnyx commands) are written with this on every call.
    public func writeJSON(to writer: inout JSONWriter) throws {
        switch self {
        case .null: writer.null()
        case .bool(let value): writer.bool(value)
        case .number(let value): try writer.number(value)
        case .string(let value): writer.string(value)
        case .array(let items):
            writer.beginArray()
            for item in items { try item.writeJSON(to: &writer) }
            writer.endArray()
        case .object(let members):
            writer.beginObject()
            for (key, value) in members {
                writer.dynamicKey(key)
                try value.writeJSON(to: &writer)
            }
            writer.endObject()
        }
    }
}

extension JSONWriter {
    /// Codable JSON with instants written by `InstantText` (what `encoded(_:)` and the API use).
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(InstantText.format(date))
        }
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()
}
