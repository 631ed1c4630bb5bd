import Foundation
import FrontdeskCore
import FrontdeskMedia
import FrontdeskProviders
import FrontdeskServer
import FrontdeskSimulator
import FrontdeskStore
import FrontdeskWire
import HTTPTypes
import NIOCore
import Synchronization
import Testing

/// Signs and posts Telnyx events as Telnyx does.
struct TelnyxSender {
    let signer: TelnyxSigner
    let client: any APICaller

    static let agentNumber = "+15550100123"
    static let caller = "+15557654321"

    static func envelope(_ type: String, _ payload: String, id: String) -> String {
        #"{"data":{"record_type":"event","event_type":"\#(type)","id":"\#(id)","occurred_at":"2026-11-23T15:00:00.000000Z","payload":\#(payload)},"meta":{"attempt":1,"delivered_to":"http://example.com/api/webrtc/webhook"}}"#
    }

    @discardableResult
    func post(
        _ type: String, _ payload: String, id: String = UUID().uuidString, path: String = "/api/webrtc/webhook"
    ) async throws -> APIResult {
        try await postRaw(Self.envelope(type, payload, id: id), path: path)
    }

    func postRaw(_ body: String, path: String = "/api/webrtc/webhook", at time: Date? = nil) async throws -> APIResult {
        let signed = try signer.headers(for: Array(body.utf8), at: time ?? client.clock.now)
        return try await client.call(
            .post, path, rawBody: ByteBuffer(string: body),
            headers: [HTTPField.Name("telnyx-signature-ed25519")!: signed.signature,
                      HTTPField.Name("telnyx-timestamp")!: signed.timestamp, .contentType: "application/json"])
    }

    /// A call event's payload for call `id` (from `caller`).
    static func call(_ id: String, _ extra: String = "", state: String? = "agent", caller: String = TelnyxSender.caller) -> String {
        let clientState = state.map { "\"\(Data($0.utf8).base64EncodedString())\"" } ?? "null"
        return #"{"call_control_id":"\#(id)","call_leg_id":"leg-\#(id)","call_session_id":"s-\#(id)","connection_id":"77","client_state":\#(clientState),"from":"\#(caller)","to":"\#(agentNumber)","direction":"incoming"\#(extra.isEmpty ? "" : "," + extra)}"#
    }

    static func said(_ id: String, _ words: String) -> String {
        call(id, #""transcription_data":{"transcript":"\#(words)","confidence":0.93,"is_final":true,"transcription_track":"inbound"}"#)
    }
}

@Suite("Telnyx webhook signatures")
struct TelnyxSignatureTests {
    static let publicKey = "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg="
    static let body = #"{"data":{"event_type":"call.hangup","id":"x"}}"#
    static let signature = "vm4QnVZtALVo82h177R0KyVZ/mS5CbQ63RObqXe6xeJuia3OIBghMWvaeGe3vZZH+LmJGUy86Z30cVH3Afi/Bg=="
    static let signedAt = Date(timeIntervalSince1970: 1_700_000_000)

    @Test("the protocol's test vector verifies; a changed body, a stale timestamp or missing headers do not")
    func vector() throws {
        let verifier = try TelnyxSignatureVerifier(publicKey: Data(base64Encoded: Self.publicKey)!)
        try verifier.verify(body: Array(Self.body.utf8), signature: Self.signature, timestamp: "1700000000", now: Self.signedAt.addingTimeInterval(299))
        // Spaces around a header's value are not part of it.
        try verifier.verify(body: Array(Self.body.utf8), signature: " \(Self.signature)\t", timestamp: " 1700000000 ", now: Self.signedAt)
        #expect(throws: TelnyxSignatureVerifier.Failure.malformedSignature) {
            try verifier.verify(body: Array(Self.body.utf8), signature: Self.signature, timestamp: "  ", now: Self.signedAt)
        }
        #expect(throws: TelnyxSignatureVerifier.Failure.badSignature) {
            try verifier.verify(body: Array(Self.body.replacingOccurrences(of: "x", with: "y").utf8), signature: Self.signature, timestamp: "1700000000", now: Self.signedAt)
        }
        #expect(throws: TelnyxSignatureVerifier.Failure.badSignature, "the timestamp is part of what is signed") {
            try verifier.verify(body: Array(Self.body.utf8), signature: Self.signature, timestamp: "1700000001", now: Self.signedAt)
        }
        #expect(throws: TelnyxSignatureVerifier.Failure.staleTimestamp) {
            try verifier.verify(body: Array(Self.body.utf8), signature: Self.signature, timestamp: "1700000000", now: Self.signedAt.addingTimeInterval(301))
        }
        #expect(throws: TelnyxSignatureVerifier.Failure.missingHeaders) {
            try verifier.verify(body: Array(Self.body.utf8), signature: nil, timestamp: "1700000000", now: Self.signedAt)
        }
        #expect(throws: TelnyxSignatureVerifier.Failure.malformedSignature) {
            try verifier.verify(body: Array(Self.body.utf8), signature: "bm90IDY0IGJ5dGVz", timestamp: "1700000000", now: Self.signedAt)
        }
    }

    @Test("signatures from another implementation verify (swift-crypto signs, libsodium checks); one flipped bit does not")
    func crossImplementation() throws {
        let signer = TelnyxSigner()
        let verifier = try TelnyxSignatureVerifier(publicKey: Data(base64Encoded: signer.publicKeyBase64)!)
        for length in [0, 1, 63, 64, 65, 1_000, 70_000] {
            let body = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ length) }
            let headers = try signer.headers(for: body, at: Self.signedAt)
            try verifier.verify(body: body, signature: headers.signature, timestamp: headers.timestamp, now: Self.signedAt)
            var flipped = Array(Data(base64Encoded: headers.signature)!)
            flipped[length % 64] ^= 0x01
            #expect(throws: TelnyxSignatureVerifier.Failure.badSignature) {
                try verifier.verify(body: body, signature: Data(flipped).base64EncodedString(), timestamp: headers.timestamp, now: Self.signedAt)
            }
        }
        // Another account's key does not verify this account's events.
        let other = try TelnyxSignatureVerifier(publicKey: Data(base64Encoded: TelnyxSigner().publicKeyBase64)!)
        let headers = try signer.headers(for: Array(Self.body.utf8), at: Self.signedAt)
        #expect(throws: TelnyxSignatureVerifier.Failure.badSignature) {
            try other.verify(body: Array(Self.body.utf8), signature: headers.signature, timestamp: headers.timestamp, now: Self.signedAt)
        }
        #expect(throws: TelnyxSignatureVerifier.Failure.invalidPublicKey, "32 zero bytes are a small-order point") {
            try TelnyxSignatureVerifier(publicKey: Data(count: 32))
        }
        #expect(throws: TelnyxSignatureVerifier.Failure.invalidPublicKey) {
            try TelnyxSignatureVerifier(publicKey: Data(count: 31))
        }
    }

    @Test("the signer used by the simulator makes the vector's signature from the vector's seed")
    func signer() throws {
        let signer = try TelnyxSigner(seed: Data((0..<32).map { UInt8($0) }))
        #expect(signer.publicKeyBase64 == Self.publicKey)
        let headers = try signer.headers(for: Array(Self.body.utf8), at: Self.signedAt)
        #expect(headers.timestamp == "1700000000")
        #expect(headers.signature == Self.signature)
    }
}

@Suite("Telnyx voice and messaging webhooks, end to end against a local Telnyx REST server")
struct TelnyxWebhookTests {
    /// Monday 23 November 2026, 10:00 in New York.
    static let mondayMorning = try! Date("2026-11-23T15:00:00Z", strategy: .iso8601)

    /// The demo business, a signing key, and a local Telnyx REST server.
    func withTelnyx(
        clientFor: (TelnyxTestServer) -> TelnyxClient = { $0.client() },
        _ body: @Sendable (TelnyxSender, TelnyxTestServer, TestApp.Client) async throws -> Void
    ) async throws {
        let telnyx = try await TelnyxTestServer.start()
        defer { telnyx.stop() }
        let signer = TelnyxSigner()
        let app = TestApp(
            seedDemo: true, clock: TestClock(Self.mondayMorning), telnyx: clientFor(telnyx), telnyxPublicKey: signer.publicKeyBase64)
        // End to end: the real HTTP server, and Telnyx's REST API played by a local server.
        try await app.run(live: true) { client in
            try await body(TelnyxSender(signer: signer, client: client), telnyx, client)
        }
    }

    static func login(_ client: TestApp.Client) async throws -> (token: String, business: String) {
        let login = try await client.call(.post, "/api/auth/login", json: #"{"email":"demo@frontdesk.local","password":"frontdesk-demo"}"#)
        let token = try #require(login["token"] as? String)
        let business = try #require(login["user.business_id"] as? String)
        return (token, business)
    }

    @Test("a text is never sent twice by a retry: a 500 or a timeout after sending is recorded as unconfirmed; a 429 is tried again with the same Idempotency-Key and body")
    func messageRetriesAreSafe() async throws {
        let server = try await TelnyxTestServer.start()
        defer { server.stop() }
        // The timeout is well below the stand-in's 3 s stall, with room for three requests on a busy machine.
        let client = TelnyxClient(apiKey: "KEY_TEST", baseURL: server.baseURL, timeout: .milliseconds(1_500), backoff: [.milliseconds(20), .milliseconds(40)])
        server.failuresToGive.withLock { $0 = 1 }
        await #expect(throws: TelnyxClient.Failure.self) { _ = try await client.sendMessage(from: "+15550100123", to: "+15557654321", text: "one") }
        #expect(server.commands("messages").count == 1, "a 500 after sending is not repeated")
        server.stallsToGive.withLock { $0 = 1 }
        do {
            _ = try await client.sendMessage(from: "+15550100123", to: "+15557654321", text: "two")
            Issue.record("a timeout must not look like a success")
        } catch {
            guard case .uncertain = error else { Issue.record("\(error)"); return }
        }
        #expect(server.commands("messages").count == 2, "a timeout is not repeated")
        server.rateLimitsToGive.withLock { $0 = 2 }
        let id = try await client.sendMessage(from: "+15550100123", to: "+15557654321", text: "three")
        #expect(id != nil)
        let attempts = server.commands("messages").filter { $0.body["text"]?.text == "three" }
        #expect(attempts.count == 3)
        #expect(Set(attempts.compactMap(\.idempotencyKey)).count == 1, "one Idempotency-Key across the retries")
        #expect(Set(attempts.map(\.raw)).count == 1, "byte-identical bodies")
    }

    @Test("an SMS whose send was not confirmed is stored as unconfirmed with the reason, and sent once")
    func unconfirmedSMS() async throws {
        try await withTelnyx { _, server, client in
            let (token, business) = try await Self.login(client)
            server.failuresToGive.withLock { $0 = 1 }
            let sent = try await client.call(
                .post, "/api/sms", token: token, json: #"{"business_id":"\#(business)","phone":"+15557654321","message":"See you soon"}"#)
            #expect(sent.status == .created)
            #expect(sent["status"] as? String == "unconfirmed")
            #expect((sent["error"] as? String)?.contains("not sent again") == true)
            #expect(server.commands("messages").count == 1)
        }
    }

    @Test("a call: answered, greeted, transcribed, booked, confirmed by text, and closed with its transcript")
    func bookingCall() async throws {
        try await withTelnyx { telnyx, server, client in
            let id = "v3:call-booking"
            let accepted = try await telnyx.post("call.initiated", TelnyxSender.call(id, state: nil))
            #expect(accepted.status == .ok)
            #expect(accepted["received"] as? Bool == true)
            try await eventually("answer") { server.commands("answer").count == 1 }
            #expect(server.commands("answer").first?.path == "/v2/calls/v3:call-booking/actions/answer")
            #expect(server.commands("answer").first?.commandId?.isEmpty == false)

            try await telnyx.post("call.answered", TelnyxSender.call(id))
            try await eventually("greeting") { server.spoken.count == 1 }
            #expect(server.commands("transcription_start").count == 1)
            #expect(server.spoken.first?.contains("Thanks for calling Bright Smile Dental") == true)
            try await telnyx.post("call.speak.ended", TelnyxSender.call(id, #""status":"completed""#, state: "speak"))

            try await telnyx.post("call.transcription", TelnyxSender.said(id, "Hi, I'm Maria, can I get a cleaning next Tuesday at 10?"))
            try await eventually("confirmation question") { server.spoken.count == 2 }
            #expect(server.spoken.last?.contains("a cleaning on Tuesday, December 1 at 10:00 AM for Maria") == true)
            try await telnyx.post("call.speak.ended", TelnyxSender.call(id, state: "speak"))
            try await telnyx.post("call.transcription", TelnyxSender.said(id, "yes"))
            try await eventually("booked") { server.spoken.count == 3 }
            #expect(server.spoken.last?.contains("You're all set") == true)
            try await eventually("confirmation text") { server.commands("messages").count == 1 }
            let text = try #require(server.commands("messages").first?.body)
            #expect(text["to"]?.text == TelnyxSender.caller)
            #expect(text["from"]?.text == TelnyxSender.agentNumber)
            #expect(text["text"]?.text?.contains("December 1 at 10:00 AM") == true)

            try await telnyx.post("call.hangup", TelnyxSender.call(id, #""hangup_cause":"normal_clearing","hangup_source":"caller""#))
            let (token, business) = try await Self.login(client)
            try await eventually("call closed") {
                let calls = try await client.call(.get, "/api/calls?business_id=\(business)", token: token)
                return calls.list("calls").first?["status"] as? String == "completed"
            }
            let calls = try await client.call(.get, "/api/calls?business_id=\(business)", token: token)
            let callId = try #require(calls.list("calls").first?["id"] as? String)
            let detail = try await client.call(.get, "/api/calls/\(callId)", token: token)
            #expect(detail["provider"] as? String == "telnyx")
            #expect(detail["outcome"] as? String == "booked")
            #expect(detail["hangup_cause"] as? String == "normal_clearing")
            #expect((detail["turns"] as? [[String: Any]])?.count == 5)
            #expect((detail["lead_score"] as? Int ?? 0) > 0)
        }
    }

    @Test("a media-mode agent's call is answered with a stream URL and a token for that call; no provider speech")
    func mediaModeAnswer() async throws {
        try await withTelnyx { telnyx, server, client in
            let (token, business) = try await Self.login(client)
            let agents = try await client.call(.get, "/api/agents?business_id=\(business)", token: token)
            let agent = try #require(agents.list("agents").first?["id"] as? String)
            let updated = try await client.call(.put, "/api/agents/\(agent)", token: token, json: #"{"voice_settings":{"mode":"media"}}"#)
            #expect(updated.status == .ok)

            let id = "v3:call-media"
            try await telnyx.post("call.initiated", TelnyxSender.call(id, state: nil))
            try await eventually("answer") { server.commands("answer").count == 1 }
            let answer = try #require(server.commands("answer").first)
            #expect(answer.body["stream_url"]?.text == "ws://localhost:3000/api/media/telnyx")  // from FRONTDESK_PUBLIC_URL
            #expect(answer.body["stream_track"]?.text == "inbound_track")
            #expect(answer.body["stream_bidirectional_mode"]?.text == "rtp")
            #expect(answer.body["stream_bidirectional_codec"]?.text == "PCMU")
            #expect(answer.body["stream_auth_token"]?.text == MediaStreamTokens(secret: String(repeating: "s", count: 40)).token(for: id))
            #expect(answer.clientState == "media")

            // The conversation starts on the stream: call.answered starts no transcription and speaks nothing.
            try await telnyx.post("call.answered", TelnyxSender.call(id, state: "media"))
            try await telnyx.post("call.dtmf.received", TelnyxSender.call(id, #""digit":"1""#, state: "media"))
            try await Task.sleep(for: .milliseconds(100))
            #expect(server.commands("transcription_start").isEmpty)
            #expect(server.spoken.isEmpty)
        }
    }

    @Test("unsigned, wrongly signed and stale events are 401 and leave nothing behind")
    func rejected() async throws {
        try await withTelnyx { telnyx, server, client in
            let body = TelnyxSender.envelope("call.initiated", TelnyxSender.call("v3:bad"), id: "evt-bad")
            let unsigned = try await client.call(.post, "/api/webrtc/webhook", rawBody: ByteBuffer(string: body))
            #expect(unsigned.status == .unauthorized)
            #expect(unsigned.code == "WEBHOOK_SIGNATURE_INVALID")
            let other = TelnyxSender(signer: TelnyxSigner(), client: client)
            #expect(try await other.postRaw(body).status == .unauthorized, "signed with another key")
            let stale = try await telnyx.postRaw(body, at: client.clock.now.addingTimeInterval(-301))
            #expect(stale.status == .unauthorized)
            #expect((stale.json["error"] as? String)?.contains("300 seconds") == true)
            let tampered = try telnyx.signer.headers(for: Array(body.utf8), at: client.clock.now)
            let changed = try await client.call(
                .post, "/api/sms/webhook", rawBody: ByteBuffer(string: body.replacingOccurrences(of: "v3:bad", with: "v3:bae")),
                headers: [HTTPField.Name("telnyx-signature-ed25519")!: tampered.signature, HTTPField.Name("telnyx-timestamp")!: tampered.timestamp])
            #expect(changed.status == .unauthorized)
            try await Task.sleep(for: .milliseconds(50))
            #expect(server.received.withLock { $0.isEmpty }, "no command was sent")
            // Malformed but signed: a precise 400/422, never a 500.
            #expect(try await telnyx.postRaw("{not json").status == .badRequest)
            #expect(try await telnyx.postRaw(#"{"data":{"id":"e1"}}"#).status == .unprocessableContent)
        }
    }

    @Test("a replayed event id is acknowledged once more and has no second effect")
    func replay() async throws {
        try await withTelnyx { telnyx, server, _ in
            let first = try await telnyx.post("call.initiated", TelnyxSender.call("v3:dup"), id: "evt-1")
            let again = try await telnyx.post("call.initiated", TelnyxSender.call("v3:dup"), id: "evt-1")
            #expect(first["duplicate"] as? Bool == false)
            #expect(again.status == .ok)
            #expect(again["duplicate"] as? Bool == true)
            // The same call started again under a new event id (Telnyx retried after a timeout).
            try await telnyx.post("call.initiated", TelnyxSender.call("v3:dup"), id: "evt-2")
            try await eventually("answer") { server.commands("answer").count >= 1 }
            try await Task.sleep(for: .milliseconds(300))  // time for a second answer, were one coming
            #expect(server.commands("answer").count == 1)
        }
    }

    @Test("out of order, unknown types, null client_state and unknown fields: acknowledged, no crash")
    func outOfOrder() async throws {
        try await withTelnyx { telnyx, server, client in
            try await telnyx.post("call.initiated", TelnyxSender.call("v3:ooo", state: nil))
            try await eventually("answer") { server.commands("answer").count == 1 }
            // The hang-up overtakes the answer.
            try await telnyx.post("call.hangup", TelnyxSender.call("v3:ooo", #""hangup_cause":"originator_cancel","call_quality_stats":null"#, state: nil))
            let late = try await telnyx.post("call.answered", TelnyxSender.call("v3:ooo", #""offered_codecs":"PCMU,OPUS","sampling_rate":"8000""#, state: nil))
            #expect(late.status == .ok)
            #expect(try await telnyx.post("call.machine.detection.ended", TelnyxSender.call("v3:ooo", #""result":"human""#)).status == .ok)
            #expect(try await telnyx.post("call.speak.ended", TelnyxSender.call("v3:never-seen")).status == .ok)
            #expect(try await telnyx.post("something.new", #"{"whatever":[1,2,{"x":null}]}"#).status == .ok)
            try await Task.sleep(for: .milliseconds(200))
            #expect(server.spoken.isEmpty, "no greeting on a call that already ended")
            let (token, business) = try await Self.login(client)
            let calls = try await client.call(.get, "/api/calls?business_id=\(business)", token: token)
            #expect(calls.list("calls").first?["outcome"] as? String == "abandoned")
            #expect(calls.list("calls").first?["hangup_cause"] as? String == "originator_cancel")
        }
    }

    @Test("Telnyx answers 500 then 200: the command is retried with the same command_id")
    func retried() async throws {
        try await withTelnyx { telnyx, server, _ in
            try await telnyx.post("call.initiated", TelnyxSender.call("v3:retry"))
            try await eventually("answer") { server.commands("answer").count == 1 }
            server.failuresToGive.withLock { $0 = 1 }
            try await telnyx.post("call.answered", TelnyxSender.call("v3:retry"))
            try await eventually("speak") { server.commands("speak").count + server.commands("transcription_start").count == 3 }
            let attempts = server.commands().filter { $0.action == "transcription_start" || $0.action == "speak" }
            let first = try #require(attempts.first)
            #expect(attempts[1].action == first.action && attempts[1].commandId == first.commandId, "the retry keeps its command_id")
            #expect(Set(server.commands("speak").compactMap(\.commandId)).count == 1, "one greeting")
        }
    }

    @Test("a command reaches the call's own path, its id escaped once, with a fresh 128-bit command id each time")
    func commandPath() async throws {
        let server = try await TelnyxTestServer.start()
        defer { server.stop() }
        let client = server.client()
        try await client.command("hangup", callControlId: "v3:a/b c%d")
        try await client.command("hangup", callControlId: "v3:plain")
        let sent = server.commands("hangup")
        #expect(sent.map(\.path) == ["/v2/calls/v3:a%2Fb%20c%25d/actions/hangup", "/v2/calls/v3:plain/actions/hangup"])
        #expect(sent.first?.callControlId == "v3:a/b c%d")
        #expect(Set(sent.compactMap(\.commandId)).count == 2)
        #expect(sent.allSatisfy { ($0.commandId ?? "").count == 32 })
    }

    @Test("an unreachable Telnyx API: the call ends gracefully and its record is kept")
    func unreachable() async throws {
        let closed = URL(string: "http://127.0.0.1:9/v2")!
        try await withTelnyx(clientFor: { _ in TelnyxClient(apiKey: "KEY", baseURL: closed, timeout: .seconds(1), backoff: [.milliseconds(10)]) }) { telnyx, _, client in
            let accepted = try await telnyx.post("call.initiated", TelnyxSender.call("v3:down"))
            #expect(accepted.status == .ok, "the webhook is acknowledged; the failure is Frontdesk's to handle")
            let (token, business) = try await Self.login(client)
            try await eventually("call closed") {
                let calls = try await client.call(.get, "/api/calls?business_id=\(business)", token: token)
                return calls.list("calls").first?["status"] as? String == "completed"
            }
            let calls = try await client.call(.get, "/api/calls?business_id=\(business)", token: token)
            #expect(calls.list("calls").first?["hangup_cause"] as? String == "answer_failed")
        }
    }

    @Test("a call to a number no agent answers is answered, told, and hung up — never left ringing")
    func unassignedNumber() async throws {
        try await withTelnyx { telnyx, server, _ in
            let payload = TelnyxSender.call("v3:nobody", state: nil).replacingOccurrences(of: TelnyxSender.agentNumber, with: "+15550109999")
            try await telnyx.post("call.initiated", payload)
            try await eventually("answer") { server.commands("answer").count == 1 }
            #expect(server.commands("answer").first?.clientState == "unassigned")
            try await telnyx.post("call.answered", payload.replacingOccurrences(of: "\"client_state\":null", with: "\"client_state\":\"\(Data("unassigned".utf8).base64EncodedString())\""))
            try await eventually("message") { server.spoken.count == 1 }
            try await telnyx.post("call.speak.ended", payload.replacingOccurrences(of: "\"client_state\":null", with: "\"client_state\":\"\(Data("unassigned".utf8).base64EncodedString())\""))
            try await eventually("hang-up") { server.commands("hangup").count == 1 }
        }
    }

    static func text(_ words: String, id: String = UUID().uuidString) -> String {
        #"{"id":"\#(id)","record_type":"message","direction":"inbound","type":"SMS","text":"\#(words)","from":{"phone_number":"\#(TelnyxSender.caller)","carrier":"T-Mobile","line_type":"Wireless"},"to":[{"phone_number":"\#(TelnyxSender.agentNumber)","status":"delivered"}],"media":[],"encoding":"GSM-7","parts":1,"errors":[]}"#
    }

    @Test("texts: the receptionist answers through Telnyx; STOP opts out, HELP answers, START opts back in; delivery reports update the message")
    func messaging() async throws {
        try await withTelnyx { telnyx, server, client in
            try await telnyx.post("message.received", Self.text("Where are you located?"), path: "/api/sms/webhook")
            try await eventually("reply") { server.commands("messages").count == 1 }
            let reply = try #require(server.commands("messages").first?.body)
            #expect(reply["text"]?.text?.contains("Harbor Street") == true)
            #expect(reply["from"]?.text == TelnyxSender.agentNumber)

            try await telnyx.post("message.received", Self.text("STOP"), path: "/api/sms/webhook")
            try await eventually("opt-out confirmation") { server.commands("messages").count == 2 }
            #expect(server.commands("messages").last?.body["text"]?.text?.contains("unsubscribed") == true)
            try await telnyx.post("message.received", Self.text("What are your hours?"), path: "/api/sms/webhook")
            try await telnyx.post("message.received", Self.text("help"), path: "/api/sms/webhook")
            try await eventually("help") { server.commands("messages").count == 3 }
            #expect(server.commands("messages").last?.body["text"]?.text?.contains("Reply STOP to opt out") == true)

            let (token, business) = try await Self.login(client)
            let manual = try await client.call(
                .post, "/api/sms", token: token,
                json: #"{"business_id":"\#(business)","phone":"\#(TelnyxSender.caller)","message":"Special offer!"}"#)
            #expect(manual["status"] as? String == "failed", "\(manual.json)")
            #expect(server.commands("messages").count == 3, "nothing is sent to a number that opted out")

            try await telnyx.post("message.received", Self.text("START"), path: "/api/sms/webhook")
            try await eventually("resubscribed") { server.commands("messages").count == 4 }
            // Delivery reports for the first reply.
            let sms = try await client.call(.get, "/api/sms?business_id=\(business)", token: token)
            let first = try #require(sms.list("messages").first { ($0["body"] as? String)?.contains("Harbor Street") == true })
            let providerId = try #require(first["provider_message_id"] as? String)
            try await telnyx.post(
                "message.finalized",
                #"{"id":"\#(providerId)","record_type":"message","direction":"outbound","to":[{"phone_number":"\#(TelnyxSender.caller)","status":"delivered"}]}"#,
                path: "/api/sms/webhook")
            try await eventually("delivered") {
                let list = try await client.call(.get, "/api/sms?business_id=\(business)&status=delivered", token: token)
                return list.list("messages").count == 1
            }
        }
    }
}

@Suite("Nothing acknowledged is lost")
struct WebhookDurabilityTests {
    @Test("an event accepted (2xx) but not acted on before a crash is acted on at the next start")
    func replayedAfterCrash() async throws {
        let telnyx = try await TelnyxTestServer.start()
        defer { telnyx.stop() }
        let app = TestApp(seedDemo: true, clock: TestClock(TelnyxWebhookTests.mondayMorning), telnyx: telnyx.client(), telnyxPublicKey: TelnyxSigner().publicKeyBase64)
        // What a process killed right after its 2xx leaves behind: the event stored, not marked processed.
        do {
            let store = try await app.openStore()
            defer { Task { await store.close() } }
            let body = TelnyxSender.envelope("message.received", TelnyxWebhookTests.text("Where are you located?"), id: "evt-before-crash")
            #expect(try await store.events.accept(provider: "telnyx", eventId: "evt-before-crash", type: "message.received", payload: Data(body.utf8), at: Date()))
            #expect(try await store.events.progress(provider: "telnyx") == (1, 0))
        }
        try await app.run { _ in
            try await eventually("the reply") { telnyx.commands("messages").count == 1 }
            #expect(telnyx.commands("messages").first?.body["text"]?.text?.contains("Harbor Street") == true)
        }
    }
}
