import Foundation
import FrontdeskServer
import FrontdeskWire
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

    @Test("extracts the members asked for — any key order, whitespace, escapes — and still refuses what is not JSON")
    func extractsMembers() throws {
        let paths = [["event"], ["media", "payload"], ["media", "chunk"], ["media", "track"]]
        let frames = [
            #"{"event":"media","sequence_number":"4","media":{"track":"inbound","chunk":"2","timestamp":"5","payload":"AAE="},"stream_id":"s"}"#,
            #" { "stream_id" : "s", "extra": [1, {"media": {"payload": "no"}}, null, true, -1.5e3, "a\"b"], "media" : { "payload" : "AAE=", "chunk" : 2 , "track":"inbound"}, "ev\u0065nt" : "media" } "#,
        ]
        for frame in frames {
            let values = try JSONParser.extract(frame, paths: paths)
            #expect(values[0] == .string("media"), "\(frame)")
            #expect(values[1] == .string("AAE="))
            #expect(values[2]?.double == 2)
            #expect(values[3] == .string("inbound"))
        }
        let partial = try JSONParser.extract(#"{"event":"mark","mark":{"name":"s1"}}"#, paths: paths)
        #expect(partial == [.string("mark"), nil, nil, nil])
        #expect(try JSONParser.extract("[1,2]", paths: paths) == [nil, nil, nil, nil])
        for bad in ["", #"{"event":"media","media":{"payload":"x"},}"#, #"{"event":"media","junk":[1,2}"#, #"{"event":"media"} x"#,
                    #"{"junk":"\x","event":"media"}"#, #"{"junk":tru}"#] {
            #expect(throws: JSONParser.Failure.self, "\(bad)") { try JSONParser.extract(bad, paths: paths) }
        }
    }
}
