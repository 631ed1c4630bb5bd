import Foundation
import FrontdeskCore
import FrontdeskProviders
import FrontdeskServer
import HTTPTypes
import NIOCore
import Testing

@Suite("Retell webhooks")
struct RetellWebhookTests {
    static let mondayMorning = try! Date("2026-11-23T15:00:00Z", strategy: .iso8601)

    @Test("the protocol's signature vector verifies; another body, a stale time, a bad header do not")
    func vector() throws {
        let verifier = RetellSignatureVerifier(apiKey: "key_test")
        let body = Array(#"{"event":"call_started","call":{"call_id":"abc"}}"#.utf8)
        let header = "v=1700000000000,d=3ad46da7fc093c64685db60c479041346365e52523655af889c0eb59b1983b89"
        let at = Date(timeIntervalSince1970: 1_700_000_000)
        try verifier.verify(body: body, header: header, now: at.addingTimeInterval(299))
        #expect(verifier.sign(body: body, at: at) == header)
        #expect(throws: RetellSignatureVerifier.Failure.badSignature) {
            try verifier.verify(body: Array(#"{"event":"call_started","call":{"call_id":"abd"}}"#.utf8), header: header, now: at)
        }
        #expect(throws: RetellSignatureVerifier.Failure.staleTimestamp) {
            try verifier.verify(body: body, header: header, now: at.addingTimeInterval(301))
        }
        #expect(throws: RetellSignatureVerifier.Failure.malformed) { try verifier.verify(body: body, header: "v=abc,d=zz", now: at) }
        #expect(throws: RetellSignatureVerifier.Failure.missingHeader) { try verifier.verify(body: body, header: nil, now: at) }
    }

    func withRetell(_ body: @Sendable (TestApp.Client, RetellSignatureVerifier) async throws -> Void) async throws {
        var app = TestApp(seedDemo: true, clock: TestClock(Self.mondayMorning))
        app.configuration.retellAPIKey = "key_test"
        try await app.run { client in try await body(client, RetellSignatureVerifier(apiKey: "key_test")) }
    }

    func post(_ client: TestApp.Client, _ signer: RetellSignatureVerifier?, _ body: String) async throws -> APIResult {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let signer { headers[HTTPField.Name("x-retell-signature")!] = signer.sign(body: Array(body.utf8), at: client.clock.now) }
        return try await client.call(.post, "/api/retell/webhook", rawBody: ByteBuffer(string: body), headers: headers)
    }

    @Test("call_started then call_ended: the call is recorded with its transcript, summary and cause; the lead is scored")
    func callRecorded() async throws {
        try await withRetell { client, signer in
            let started = #"{"event":"call_started","call":{"call_id":"ret_1","agent_id":"ag","call_type":"phone_call","from_number":"+15557654321","to_number":"+15550100123","direction":"inbound","call_status":"ongoing","start_timestamp":1795446000000,"metadata":{}}}"#
            #expect(try await post(client, signer, started).status == .ok)
            let ended = #"{"event":"call_ended","call":{"call_id":"ret_1","from_number":"+15557654321","to_number":"+15550100123","start_timestamp":1795446000000,"end_timestamp":1795446095000,"duration_ms":95000,"disconnection_reason":"user_hangup","recording_url":"https://example.com/r.wav","transcript":"Agent: Hi!\nUser: I need a cleaning this week, it's urgent","transcript_object":[{"role":"agent","content":"Thanks for calling Bright Smile Dental!","words":[]},{"role":"user","content":"I need a cleaning tomorrow, I have a toothache and it's urgent","words":[]},{"role":"agent","content":"Let me check.","words":[]}],"call_analysis":{"call_summary":"The caller wants an urgent cleaning.","user_sentiment":"Neutral","call_successful":true},"unknown":null}}"#
            let first = try await post(client, signer, ended)
            #expect(first.status == .ok)
            #expect(try await post(client, signer, ended)["duplicate"] as? Bool == true, "a redelivery")

            let (token, business) = try await TelnyxWebhookTests.login(client)
            try await eventually("call closed") {
                let calls = try await client.call(.get, "/api/calls?business_id=\(business)", token: token)
                return calls.list("calls").first?["status"] as? String == "completed"
            }
            let calls = try await client.call(.get, "/api/calls?business_id=\(business)", token: token)
            #expect(calls.list("calls").count == 1, "one record for both events")
            let id = try #require(calls.list("calls").first?["id"] as? String)
            let call = try await client.call(.get, "/api/calls/\(id)", token: token)
            #expect(call["provider"] as? String == "retell")
            #expect(call["duration"] as? Int == 95)
            #expect(call["hangup_cause"] as? String == "user_hangup")
            #expect(call["summary"] as? String == "The caller wants an urgent cleaning.")
            #expect(call["recording_url"] as? String == "https://example.com/r.wav")
            let turns = (call["turns"] as? [[String: Any]]) ?? []
            #expect(turns.map { $0["speaker"] as? String } == ["agent", "caller", "agent"], "only once, despite the redelivery")
            #expect((call["lead_score"] as? Int ?? 0) >= 50, "service + urgency + timeline: \(call["lead_score"] ?? "none")")
        }
    }

    @Test("times and lengths no call can have (1e300 ms, negative) are ignored: the call is recorded and the server keeps answering")
    func hostileNumbers() async throws {
        // Found by review after the fuzzer's media finding: Int(1e300 / 1000) trapped the whole server.
        try await withRetell { client, signer in
            let ended = #"{"event":"call_ended","call":{"call_id":"ret_x","from_number":"+15557654321","to_number":"+15550100123","start_timestamp":-1e300,"end_timestamp":1e300,"duration_ms":1e300,"disconnection_reason":"user_hangup"}}"#
            #expect(try await post(client, signer, ended).status == .ok)
            let (token, business) = try await TelnyxWebhookTests.login(client)
            try await eventually("call closed") {
                let calls = try await client.call(.get, "/api/calls?business_id=\(business)", token: token)
                return calls.list("calls").first?["status"] as? String == "completed"
            }
            let calls = try await client.call(.get, "/api/calls?business_id=\(business)", token: token)
            let id = try #require(calls.list("calls").first?["id"] as? String)
            let call = try await client.call(.get, "/api/calls/\(id)", token: token)
            #expect(call.status == .ok)
            #expect((call["duration"] as? Int).map { (0...86_400).contains($0) } ?? true, "\(call["duration"] ?? "none")")
            #expect(try await client.call(.get, "/api/health").status == .ok)
        }
    }

    @Test("the seed's conversation.ended shape is accepted; unsigned and wrongly signed events are 401")
    func seedShapeAndSignatures() async throws {
        try await withRetell { client, signer in
            let seed = #"{"event_type":"conversation.ended","data":{"conversation_id":"conv_9","transcript":"User: hello\nAgent: hi","outcome":"information_only","to_number":"+15550100123","from_number":"+15551112222"}}"#
            #expect(try await post(client, nil, seed).status == .unauthorized)
            #expect(try await post(client, RetellSignatureVerifier(apiKey: "other"), seed).status == .unauthorized)
            let accepted = try await post(client, signer, seed)
            #expect(accepted.status == .ok)
            #expect(accepted["event_id"] as? String == "conversation.ended|conv_9")
            #expect(try await post(client, signer, "[1,2]").status == .badRequest)
            #expect(try await post(client, signer, #"{"call":{}}"#).status == .unprocessableContent)
            let (token, business) = try await TelnyxWebhookTests.login(client)
            try await eventually("recorded") {
                let calls = try await client.call(.get, "/api/calls?business_id=\(business)", token: token)
                return calls.list("calls").first?["outcome"] as? String == "information_only"
            }
        }
    }
}
