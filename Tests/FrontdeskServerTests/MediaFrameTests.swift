import Foundation
@testable import FrontdeskMedia
@testable import FrontdeskServer
import Testing

@Suite("Media-stream frames in both carriers' dialects")
struct MediaFrameTests {
    @Test("Telnyx and Twilio start frames give the call, the stream, the numbers and the format")
    func startFrames() throws {
        let telnyx = try InboundMediaFrame.parse(#"{"event":"start","sequence_number":"1","stream_id":"32DE","start":{"call_control_id":"v2:T02l","call_session_id":"ff55","from":"+13122010094","to":"+13122123456","client_state":"aGF2","custom_parameters":{},"media_format":{"encoding":"PCMU","sample_rate":8000,"channels":1},"unknown":[1]}}"#)
        #expect(telnyx == .start(MediaStreamStart(
            providerCallId: "v2:T02l", streamId: "32DE", from: "+13122010094", to: "+13122123456", clientState: "aGF2",
            encoding: "PCMU", sampleRate: 8_000)))
        let twilio = try InboundMediaFrame.parse(#"{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC1","streamSid":"MZ1","callSid":"CA1","tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":"8000","channels":1},"customParameters":{"token":"t","from":"+1555"}},"streamSid":"MZ1"}"#)
        #expect(twilio == .start(MediaStreamStart(
            providerCallId: "CA1", streamId: "MZ1", from: nil, to: nil, parameters: ["token": "t", "from": "+1555"],
            encoding: "audio/x-mulaw", sampleRate: 8_000)))
    }

    @Test("media, dtmf, mark, stop and unknown events; chunk numbers as strings or numbers")
    func otherFrames() throws {
        #expect(try InboundMediaFrame.parse(#"{"event":"media","sequence_number":"4","media":{"track":"inbound","chunk":"2","timestamp":"5","payload":"AAEC"},"stream_id":"x"}"#)
            == .media(chunk: 2, track: "inbound", payload: [0, 1, 2]))
        #expect(try InboundMediaFrame.parse(#"{"event":"media","media":{"chunk":7,"payload":""}}"#) == .media(chunk: 7, track: nil, payload: []))
        #expect(try InboundMediaFrame.parse(#"{"event":"dtmf","dtmf":{"digit":"1"}}"#) == .dtmf("1"))
        #expect(try InboundMediaFrame.parse(#"{"event":"mark","mark":{"name":"s3"}}"#) == .mark("s3"))
        #expect(try InboundMediaFrame.parse(#"{"event":"stop","stop":{}}"#) == .stop)
        #expect(try InboundMediaFrame.parse(#"{"event":"streaming.future"}"#) == .other("streaming.future"))
    }

    @Test("broken frames are refused with a reason, never a crash")
    func brokenFrames() {
        for bad in ["", "not json", #"{"no_event":1}"#, #"{"event":"media"}"#, #"{"event":"media","media":{"payload":"***"}}"#,
                    #"{"event":"start"}"#, #"{"event":"dtmf","dtmf":{}}"#] {
            #expect(throws: InboundMediaFrame.Failure.self, "\(bad)") { try InboundMediaFrame.parse(bad) }
        }
    }

    @Test("frames sent back carry Twilio's streamSid, and Telnyx's none")
    func outbound() {
        #expect(OutboundMediaFrame.clear.text(carrier: .twilio, streamId: "MZ1") == #"{"event":"clear","streamSid":"MZ1"}"#)
        #expect(OutboundMediaFrame.clear.text(carrier: .telnyx, streamId: "x") == #"{"event":"clear"}"#)
        #expect(OutboundMediaFrame.media([0, 1, 2]).text(carrier: .telnyx, streamId: nil) == #"{"event":"media","media":{"payload":"AAEC"}}"#)
        #expect(OutboundMediaFrame.mark("s1").text(carrier: .twilio, streamId: "MZ1") == #"{"event":"mark","streamSid":"MZ1","mark":{"name":"s1"}}"#)
    }

    @Test("numbers a carrier should never send (1e300, 2.5, NaN as text) are no chunk or rate, never a trap")
    func hostileNumbers() throws {
        // Found by the media fuzz target: Int(1e300) traps.
        #expect(try InboundMediaFrame.parse(#"{"event":"media","media":{"chunk":1e300,"payload":""}}"#) == .media(chunk: nil, track: nil, payload: []))
        #expect(try InboundMediaFrame.parse(#"{"event":"media","media":{"chunk":"NaN","payload":""}}"#) == .media(chunk: nil, track: nil, payload: []))
        #expect(try InboundMediaFrame.parse(#"{"event":"media","media":{"chunk":2.5,"payload":""}}"#) == .media(chunk: nil, track: nil, payload: []))
        let start = try InboundMediaFrame.parse(#"{"event":"start","stream_id":"s","start":{"call_control_id":"c","media_format":{"encoding":"PCMU","sample_rate":-1e300}}}"#)
        guard case .start(let info) = start else { Issue.record("not a start frame: \(start)"); return }
        #expect(info.sampleRate == nil)
    }

    @Test("a stream id with quotes or control characters still gives valid JSON back to the carrier")
    func outboundEscapes() throws {
        let hostile = "MZ\"},\"event\":\"stop\n"
        for frame in [OutboundMediaFrame.clear, .mark(hostile), .media([1])] {
            let text = frame.text(carrier: .twilio, streamId: hostile)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            #expect(object["streamSid"] as? String == hostile)
            #expect(object["event"] as? String != "stop")
        }
    }
}
