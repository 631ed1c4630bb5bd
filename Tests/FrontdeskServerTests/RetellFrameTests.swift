import Foundation
@testable import FrontdeskProviders
import FrontdeskWire
import Testing

@Suite("Frames sent on Retell's custom-LLM socket")
struct RetellFrameTests {
    @Test("each frame is the JSON Retell documents, keys sorted, text escaped")
    func framesAsRetellReadsThem() throws {
        #expect(RetellFrame.config.text == #"{"config":{"auto_reconnect":true,"call_details":true},"response_type":"config"}"#)
        #expect(RetellFrame.pingPong(timestamp: 1_703_302_407_333).text == #"{"response_type":"ping_pong","timestamp":1703302407333}"#)
        #expect(RetellFrame.response(id: 3, content: "Sure. ", complete: false).text
            == #"{"content":"Sure. ","content_complete":false,"response_id":3,"response_type":"response"}"#)
        #expect(RetellFrame.response(id: 4, content: "", complete: true, endCall: true, transferNumber: "+15550100999").text
            == #"{"content":"","content_complete":true,"end_call":true,"response_id":4,"response_type":"response","transfer_number":"+15550100999"}"#)
        // What the caller's name or the model's words may hold: quotes, backslashes, control characters, emoji.
        let awkward = "He said \"hi\\there\"\n\u{1}🙂"
        let parsed = try JSONParser.parse(RetellFrame.response(id: 5, content: awkward, complete: false).text)
        #expect(parsed["content"]?.text == awkward)
        // A timestamp that is not a number JSON can carry is echoed as 0, never as invalid JSON.
        #expect(RetellFrame.pingPong(timestamp: .infinity).text == #"{"response_type":"ping_pong","timestamp":0}"#)
    }
}
