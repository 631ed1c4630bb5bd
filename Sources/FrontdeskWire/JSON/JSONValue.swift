/// Any JSON value, for partial updates that merge into stored JSON.
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // The commonest kinds first: every miss costs a thrown DecodingError.
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else {
            self = .array(try container.decode([JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue {
    /// The member `key` of an object (nil for anything else). Setting it on anything but an object
    /// does nothing.
    public subscript(key: String) -> JSONValue? {
        get {
            if case .object(let members) = self { members[key] } else { nil }
        }
        set {
            guard case .object(var members) = self else { return }
            members[key] = newValue
            self = .object(members)
        }
    }

    /// Text, leniently: a string (empty → nil) or a number written as text.
    public var text: String? {
        switch self {
        case .string(let value): value.isEmpty ? nil : value
        case .number(let value): value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        default: nil
        }
    }

    /// A number, leniently: a number or a string holding one.
    public var double: Double? {
        switch self {
        case .number(let value): value
        case .string(let value): Double(value)
        default: nil
        }
    }

    /// A whole number, leniently: `double` when it is finite, integral and fits an `Int` (so `1e300`,
    /// `2.5` or "NaN" from a carrier is nil, never a trap).
    public var integer: Int? {
        guard let value = double, value.isFinite, value == value.rounded(),
              value >= -9_007_199_254_740_992, value <= 9_007_199_254_740_992 else { return nil }
        return Int(value)
    }

    /// A flag, leniently: a bool, or "true"/"false".
    public var bool: Bool? {
        switch self {
        case .bool(let value): value
        case .string(let value): Bool(value.lowercased())
        default: nil
        }
    }

    public var array: [JSONValue]? {
        if case .array(let items) = self { items } else { nil }
    }
}
