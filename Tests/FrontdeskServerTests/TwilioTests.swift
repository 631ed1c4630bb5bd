import Foundation
import FrontdeskCore
@testable import FrontdeskMedia
@testable import FrontdeskProviders
@testable import FrontdeskServer
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Twilio voice and SMS webhooks")
struct TwilioTests {
    static let mondayMorning = try! Date("2026-11-23T15:00:00Z", strategy: .iso8601)
    static let signer = TwilioSignatureVerifier(authToken: "12345")

    @Test("the protocol's signature vector, with and without the default port")
    func vector() {
        let parameters = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"), ("From", "+14158675309"), ("To", "+18005551212")]
        #expect(Self.signer.signature(url: "https://mycompany.com/myapp.php?foo=1&bar=2", parameters: parameters) == "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
        #expect(Self.signer.isValid("RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: "https://mycompany.com:443/myapp.php?foo=1&bar=2", parameters: parameters))
        #expect(!Self.signer.isValid("RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: "https://mycompany.com/myapp.php?foo=1&bar=3", parameters: parameters))
        #expect(!Self.signer.isValid(nil, url: "https://mycompany.com/myapp.php", parameters: parameters))
        #expect(FormBody.parse(Data("From=%2B14158675309&Body=hi+there&Empty=".utf8)).map { "\($0)=\($1)" } == ["From=+14158675309", "Body=hi there", "Empty="])
    }

    func post(_ client: TestApp.Client, _ path: String, _ parameters: [(String, String)], signed: Bool = true) async throws -> (status: HTTPResponse.Status, body: String) {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if signed { headers[HTTPField.Name("x-twilio-signature")!] = Self.signer.signature(url: "http://localhost:3000" + path, parameters: parameters) }
        return try await client.client.execute(
            uri: path, method: .post, headers: headers, body: ByteBuffer(string: FormBody.encode(parameters))
        ) { response in (response.status, String(buffer: response.body)) }
    }

    func withTwilio(_ body: @Sendable (TestApp.Client) async throws -> Void) async throws {
        var app = TestApp(seedDemo: true, clock: TestClock(Self.mondayMorning))
        app.configuration.twilioAuthToken = "12345"
        try await app.run(body)
    }

    static func call(_ extra: [(String, String)] = [], status: String = "in-progress") -> [(String, String)] {
        [("CallSid", "CA100"), ("AccountSid", "AC1"), ("From", "+15557654321"), ("To", "+15550100123"), ("CallStatus", status), ("Direction", "inbound")] + extra
    }

    @Test("a call in a Gather loop: greeting, speech turns, booking, the goodbye then Hangup; the call closes booked")
    func voiceLoop() async throws {
        try await withTwilio { client in
            let first = try await post(client, "/api/twilio/voice", Self.call(status: "ringing"))
            #expect(first.status == .ok)
            #expect(first.body.contains(#"<Gather input="speech dtmf" action="http://localhost:3000/api/twilio/voice""#))
            #expect(first.body.contains("Thanks for calling Bright Smile Dental"))
            #expect(first.body.contains("<Redirect"))
            let confirm = try await post(client, "/api/twilio/voice", Self.call([("SpeechResult", "Hi, I'm Maria, can I get a cleaning next Tuesday at 10?"), ("Confidence", "0.91")]))
            #expect(confirm.body.contains("a cleaning on Tuesday, December 1 at 10:00 AM for Maria"))
            let booked = try await post(client, "/api/twilio/voice", Self.call([("SpeechResult", "yes")]))
            #expect(booked.body.contains("You're all set"))
            let bye = try await post(client, "/api/twilio/voice", Self.call([("SpeechResult", "no, that's all, thanks")]))
            #expect(bye.body.contains("Goodbye"))
            #expect(bye.body.hasSuffix("<Hangup/></Response>"))
            #expect(try await post(client, "/api/twilio/voice", Self.call(status: "completed")).body.contains("<Response></Response>"))

            let (token, business) = try await TelnyxWebhookTests.login(client)
            let calls = try await client.call(.get, "/api/calls?business_id=\(business)", token: token)
            #expect(calls.list("calls").first?["provider"] as? String == "twilio")
            #expect(calls.list("calls").first?["outcome"] as? String == "booked")
        }
    }

    @Test("silence and a key press: the reprompt, then 0 dials the fallback number; unsigned requests are 401")
    func silenceAndDial() async throws {
        try await withTwilio { client in
            #expect(try await post(client, "/api/twilio/voice", Self.call(), signed: false).status == .unauthorized)
            _ = try await post(client, "/api/twilio/voice", Self.call())
            let reprompt = try await post(client, "/api/twilio/voice", Self.call())
            #expect(reprompt.body.contains("Are you still there?"))
            let dial = try await post(client, "/api/twilio/voice", Self.call([("Digits", "0")]))
            #expect(dial.body.contains("+15550100199</Dial>"))
            let unknown = try await post(client, "/api/twilio/voice", [("CallSid", "CA999"), ("From", "+15557654321"), ("To", "+15550109999")])
            #expect(unknown.body.contains("<Hangup/>"))
            #expect(try await post(client, "/api/twilio/voice", [("From", "+1555")]).status == .unprocessableContent)
        }
    }

    @Test("a media-mode agent's call: <Connect><Stream> with the call's token, then a <Redirect> that dials a decided transfer or hangs up")
    func mediaMode() async throws {
        try await withTwilio { client in
            let (token, business) = try await TelnyxWebhookTests.login(client)
            let agents = try await client.call(.get, "/api/agents?business_id=\(business)", token: token)
            let agent = try #require(agents.list("agents").first?["id"] as? String)
            #expect(try await client.call(.put, "/api/agents/\(agent)", token: token, json: #"{"voice_settings":{"mode":"media"}}"#).status == .ok)
            let twiml = try await post(client, "/api/twilio/voice", Self.call([], status: "ringing")).body
            #expect(twiml.contains(#"<Connect><Stream url="ws://localhost:3000/api/media/twilio">"#))
            let expected = MediaStreamTokens(secret: String(repeating: "s", count: 40)).token(for: "CA100")
            #expect(twiml.contains(#"<Parameter name="token" value="\#(expected)"/>"#))
            #expect(twiml.contains(#"<Parameter name="to" value="+15550100123"/>"#))
            #expect(twiml.contains(#"<Redirect method="POST">http://localhost:3000/api/twilio/voice?stream_ended=1</Redirect>"#))
            #expect(!twiml.contains("<Say"), "the greeting is spoken on the stream, not by Twilio")
            // The stream ended with nothing decided: the call ends.
            let after = try await post(client, "/api/twilio/voice?stream_ended=1", Self.call())
            #expect(after.body.contains("<Hangup/>"))
        }
    }

    @Test("the same text delivered three times (one MessageSid) is stored and answered once; each delivery gets the same TwiML")
    func smsRedelivered() async throws {
        try await withTwilio { client in
            let text = [("MessageSid", "SMdup1"), ("From", "+15557654321"), ("To", "+15550100123"), ("Body", "Where are you located?"), ("NumMedia", "0")]
            let answers = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<3 { group.addTask { try await post(client, "/api/twilio/sms", text).body } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(answers).count == 1)
            #expect(answers[0].contains("Harbor Street"))
            let (token, business) = try await TelnyxWebhookTests.login(client)
            let messages = try await client.call(.get, "/api/sms?business_id=\(business)", token: token).list("messages")
            #expect(messages.filter { $0["direction"] as? String == "inbound" }.count == 1)
            #expect(messages.filter { $0["direction"] as? String == "outbound" }.count == 1)
            let another = try await post(client, "/api/twilio/sms", [("MessageSid", "SMdup2")] + text.dropFirst())
            #expect(another.body.contains("Harbor Street"))
            #expect(try await client.call(.get, "/api/sms?business_id=\(business)", token: token).list("messages").count == 4)
            let missing = try await post(client, "/api/twilio/sms", Array(text.dropFirst()))
            #expect(missing.status == .unprocessableContent)
        }
    }

    @Test("texts are answered with TwiML Messages; STOP opts out and later texts get no answer")
    func sms() async throws {
        try await withTwilio { client in
            let text = { (body: String) in [("MessageSid", "SM\(UUID().uuidString.prefix(6))"), ("From", "+15557654321"), ("To", "+15550100123"), ("Body", body), ("NumMedia", "0")] }
            let answer = try await post(client, "/api/twilio/sms", text("Where are you located?"))
            #expect(answer.body.contains("<Message>") && answer.body.contains("Harbor Street"))
            #expect(try await post(client, "/api/twilio/sms", text("STOP")).body.contains("unsubscribed"))
            #expect(try await post(client, "/api/twilio/sms", text("What are your hours?")).body.contains("<Response></Response>"))
            #expect(try await post(client, "/api/twilio/sms", text("& <odd> \"chars\""), signed: false).status == .unauthorized)
        }
    }
}
