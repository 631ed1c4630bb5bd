import Foundation
@testable import FrontdeskServer
import FrontdeskWire

enum FuzzJSON {
    static let paths = JSONParser.Paths([["event"], ["media", "payload"], ["media", "chunk"], ["data", "payload", "to"], ["a"]])

    static func run(_ bytes: UnsafeRawBufferPointer) {
        let text = String(decoding: bytes, as: UTF8.self)
        let parsed = try? JSONParser.parse(text)
        let extracted = try? JSONParser.extract(text, paths: paths)
        // The two readers agree on what is JSON.
        fuzzCheck((parsed == nil) == (extracted == nil), "parse and extract disagree on \(text.debugDescription)")
        guard let parsed else {
            _ = try? JSONParser.parse(Array(bytes))
            return
        }
        // What was read writes back and reads again as the same value.
        if let encoded = try? JSONEncoder().encode(parsed) {
            let again = try? JSONParser.parse(encoded)
            fuzzCheck(again == parsed, "round trip changed \(text.debugDescription) into \(String(decoding: encoded, as: UTF8.self))")
        }
        // Every accessor the handlers use.
        _ = parsed["event"]?.text
        _ = parsed["a"]?.double
        _ = parsed["a"]?.bool
        _ = parsed["a"]?.array?.first?["b"]
    }

    static func instant(_ bytes: UnsafeRawBufferPointer) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let date = APIJSON.parseInstant(text) else { return }
        // An accepted instant is one the API can write and read back.
        let written = InstantText.format(date)
        let again = APIJSON.parseInstant(written)
        fuzzCheck(again != nil, "\(text.debugDescription) was accepted but its written form \(written) is not")
        if let again { fuzzCheck(abs(again.timeIntervalSince(date)) < 0.001, "\(text.debugDescription) → \(written) moved") }
    }
}
