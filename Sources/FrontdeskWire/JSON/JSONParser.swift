/// A small, strict JSON reader (RFC 8259) into `JSONValue`, for the hot paths that read JSON they do
/// not have a type for — provider webhooks, speech-provider frames. `JSONDecoder` into `JSONValue`
/// pays a thrown error for every guess at a value's kind; this reads each byte once.
public struct JSONParser {
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let offset: Int
        public let reason: String
        public var description: String { "invalid JSON at byte \(offset): \(reason)" }
    }

    /// Deeper nesting than this is refused (no stack exhaustion from hostile input).
    public static let maximumDepth = 256

    /// Inlinable so a caller in another module copies its bytes specialised (a webhook body, per webhook).
    @inlinable
    public static func parse(_ bytes: some Collection<UInt8>) throws(Failure) -> JSONValue {
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { buffer throws(Failure) -> JSONValue in try parse(buffer: buffer) }
    }

    @usableFromInline
    static func parse(buffer: UnsafeBufferPointer<UInt8>) throws(Failure) -> JSONValue {
        var reader = Reader(bytes: buffer)
        reader.skipWhitespace()
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.index == buffer.count else { throw Failure(offset: reader.index, reason: "unexpected data after the value") }
        return value
    }

    public static func parse(_ text: String) throws(Failure) -> JSONValue {
        var text = text
        return try text.withUTF8 { buffer in Result { () throws(Failure) in try parse(buffer: buffer) } }.get()
    }

    /// Member paths to extract (keys from the root object down), prepared once.
    public struct Paths: Sendable {
        let keys: [[[UInt8]]]

        public init(_ paths: [[String]]) {
            precondition(paths.count <= 64, "at most 64 paths")
            keys = paths.map { $0.map { Array($0.utf8) } }
        }
    }

    /// Reads only the members at `paths`, skipping everything else — still checked for syntax, never
    /// built into values. For frames that come 50 times a second per call, of which a few members
    /// matter. Each result is the value at that path, or nil.
    public static func extract(_ text: String, paths: Paths) throws(Failure) -> [JSONValue?] {
        var text = text
        return try text.withUTF8 { buffer in Result { () throws(Failure) -> [JSONValue?] in
            var reader = Reader(bytes: buffer)
            var results = [JSONValue?](repeating: nil, count: paths.keys.count)
            reader.skipWhitespace()
            let all: UInt64 = paths.keys.count == 64 ? .max : (1 << UInt64(paths.keys.count)) - 1
            try reader.extract(depth: 0, candidates: all, paths: paths, into: &results)
            reader.skipWhitespace()
            guard reader.index == buffer.count else { throw Failure(offset: reader.index, reason: "unexpected data after the value") }
            return results
        } }.get()
    }

    public static func extract(_ text: String, paths: [[String]]) throws(Failure) -> [JSONValue?] {
        try extract(text, paths: Paths(paths))
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func fail(_ reason: String) -> Failure { Failure(offset: index, reason: reason) }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        /// The value here, `depth` keys down, where the paths in `candidates` lead so far: built when
        /// one of them ends here, walked into when one goes deeper, skipped otherwise.
        mutating func extract(depth: Int, candidates: UInt64, paths: Paths, into results: inout [JSONValue?]) throws(Failure) {
            var deeper: UInt64 = 0
            var bits = candidates
            while bits != 0 {
                let slot = bits.trailingZeroBitCount
                bits &= bits - 1
                if paths.keys[slot].count == depth {
                    results[slot] = try value(depth: depth)
                    return
                }
                deeper |= 1 << UInt64(slot)
            }
            guard deeper != 0, index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return try skipValue(depth: depth) }
            guard depth < JSONParser.maximumDepth else { throw fail("nested too deeply") }
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
                let matching = try memberName(matching: deeper, depth: depth, paths: paths)
                try colon()
                if matching == 0 {
                    try skipValue(depth: depth + 1)
                } else {
                    try extract(depth: depth + 1, candidates: matching, paths: paths, into: &results)
                }
                if try endOfItem(close: UInt8(ascii: "}")) { return }
            }
        }

        /// Reads a member name; returns which of `candidates` continue with it.
        mutating func memberName(matching candidates: UInt64, depth: Int, paths: Paths) throws(Failure) -> UInt64 {
            let start = index + 1
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 { end += 1 }
            let escaped: [UInt8]?
            if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
                escaped = nil
                index = end + 1
            } else {
                escaped = Array(try string().utf8)  // escapes (rare), or an error to report
            }
            let name = UnsafeBufferPointer(rebasing: bytes[start..<end])
            var matching: UInt64 = 0
            var bits = candidates
            while bits != 0 {
                let slot = bits.trailingZeroBitCount
                bits &= bits - 1
                let key = paths.keys[slot][depth]
                if escaped.map({ key == $0 }) ?? key.elementsEqual(name) { matching |= 1 << UInt64(slot) }
            }
            return matching
        }

        /// After a member's name: the `:` and the space around it.
        mutating func colon() throws(Failure) {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            skipWhitespace()
        }

        /// After a member or an element: `,` (false: another follows) or the container's `close` (true).
        mutating func endOfItem(close: UInt8) throws(Failure) -> Bool {
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                return false
            }
            guard bytes[index] == close else { throw fail(close == UInt8(ascii: "}") ? "expected ',' or '}'" : "expected ',' or ']'") }
            index += 1
            return true
        }

        /// Steps over one value, checking its syntax, building nothing.
        mutating func skipValue(depth: Int) throws(Failure) {
            guard depth < JSONParser.maximumDepth else { throw fail("nested too deeply") }
            guard index < bytes.count else { throw fail("unexpected end") }
            switch bytes[index] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let close = bytes[index] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                let isObject = close == UInt8(ascii: "}")
                index += 1
                skipWhitespace()
                if index < bytes.count, bytes[index] == close {
                    index += 1
                    return
                }
                while true {
                    skipWhitespace()
                    if isObject {
                        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
                        try skipString()
                        try colon()
                    }
                    try skipValue(depth: depth + 1)
                    if try endOfItem(close: close) { return }
                }
            case UInt8(ascii: "\""): try skipString()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try number()
            default: throw fail("unexpected character")
            }
        }

        /// Steps over a string (escapes checked; its text not built).
        mutating func skipString() throws(Failure) {
            let start = index
            index += 1
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return
                }
                guard byte >= 0x20 else { throw fail("control character in a string") }
                if byte == UInt8(ascii: "\\") {
                    // Rare: read it properly.
                    index = start
                    _ = try string()
                    return
                }
                index += 1
            }
            throw fail("an unterminated string")
        }

        mutating func value(depth: Int) throws(Failure) -> JSONValue {
            guard depth < JSONParser.maximumDepth else { throw fail("nested too deeply") }
            guard index < bytes.count else { throw fail("unexpected end") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw fail("unexpected character")
            }
        }

        mutating func literal(_ word: StaticString) throws(Failure) {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw fail("unexpected end") }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw fail("invalid literal") }
            index += count
        }

        mutating func object(depth: Int) throws(Failure) -> JSONValue {
            index += 1
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
                let key = try string()
                try colon()
                members[key] = try value(depth: depth + 1)
                if try endOfItem(close: UInt8(ascii: "}")) { return .object(members) }
            }
        }

        mutating func array(depth: Int) throws(Failure) -> JSONValue {
            index += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            }
            while true {
                skipWhitespace()
                items.append(try value(depth: depth + 1))
                if try endOfItem(close: UInt8(ascii: "]")) { return .array(items) }
            }
        }

        mutating func string() throws(Failure) -> String {
            index += 1
            let start = index
            // Fast path: no escapes.
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                    index += 1
                    guard let text = String(validating: slice, as: UTF8.self) else { throw fail("invalid UTF-8") }
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                guard byte >= 0x20 else { throw fail("control character in a string") }
                index += 1
            }
            var scalars = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    guard let text = String(validating: scalars, as: UTF8.self) else { throw fail("invalid UTF-8") }
                    return text
                }
                guard byte >= 0x20 else { throw fail("control character in a string") }
                if byte != UInt8(ascii: "\\") {
                    scalars.append(byte)
                    index += 1
                    continue
                }
                index += 1
                guard index < bytes.count else { throw fail("unexpected end") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append(0x22)
                case UInt8(ascii: "\\"): scalars.append(0x5C)
                case UInt8(ascii: "/"): scalars.append(0x2F)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800...0xDBFF).contains(code) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw fail("a lone high surrogate")
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("an invalid low surrogate") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(code) {
                        throw fail("a lone low surrogate")
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw fail("an invalid code point") }
                    scalars += Array(String(Character(scalar)).utf8)
                default:
                    throw fail("an invalid escape")
                }
            }
            throw fail("an unterminated string")
        }

        mutating func hex4() throws(Failure) -> UInt32 {
            guard index + 4 <= bytes.count else { throw fail("unexpected end") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw fail("an invalid \\u escape")
                }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        mutating func number() throws(Failure) -> Double {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count else { throw fail("unexpected end") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else if (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(bytes[index]) {
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            } else {
                throw fail("an invalid number")
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                let digits = index
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
                guard index > digits else { throw fail("an invalid number") }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                let digits = index
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
                guard index > digits else { throw fail("an invalid number") }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            guard let value = Double(text) else { throw fail("an invalid number") }
            return value
        }
    }
}
