import Foundation
import FrontdeskServer
import Testing

@Suite("JSONParser: the webhooks' and media frames' JSON reader")
struct JSONParserTests {
    static let documents = [
        #"{"data":{"event_type":"call.initiated","id":"0ccc7b54","payload":{"client_state":null,"from":"+35319605860","n":-12.5e2,"ok":true,"list":[1,2,{"x":[]}],"empty":{}}},"meta":{"attempt":1}}"#,
        #"  [ "a\"b\\c\/d\b\f\n\r\t", "\u00e9\u4e2d\ud83d\ude00", 0, -0, 1.5, 1E3, 2e-2, false, null ]  "#,
        #""café ☕""#,
        #"{"a":{"b":{"c":{"d":[[[[["deep"]]]]]}}}}"#,
        "123456789012345",
    ]

    @Test("reads what Foundation's JSONDecoder reads, to the same value")
    func matchesFoundation() throws {
        for document in Self.documents {
            let ours = try JSONParser.parse(document)
            let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(document.utf8))
            #expect(ours == foundation, "\(document)")
        }
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONParser.parse(#"{"k":1,"k":2}"#)["k"] == .number(2))  // the last duplicate wins
    }

    @Test("refuses what is not JSON, saying where")
    func refusesInvalid() {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "{'a':1}", "01", "1.", "-", "tru", "nul", "\"abc", "\"\u{01}\"",
                    #""\x""#, #""\ud800""#, #""\udc00x""#, "[1] 2", "{\"a\":1,}", "NaN", "+1", ".5"] {
            #expect(throws: JSONParser.Failure.self, "\(bad)") { try JSONParser.parse(bad) }
        }
        let error = #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(#"{"a":[1,2,x]}"#) }
        #expect(error?.offset == 10)
    }

    @Test("refuses invalid UTF-8 and nesting deep enough to exhaust a stack")
    func refusesHostile() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(deep) }
        let fine = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect((try? JSONParser.parse(fine)) != nil)
    }
}
