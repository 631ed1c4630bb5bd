import Foundation
import FrontdeskCore
import FrontdeskServer
import FrontdeskSimulator
import FrontdeskWire
import HTTPTypes
import Synchronization
import Testing

/// `POST /api/calls`: the receptionist calls out through Telnyx (played by the local stand-in), and the
/// carrier's events for that call — answer, machine detection, the beep, hang-up — drive it.
@Suite("Outbound calls")
struct OutboundCallTests {
    static let mondayMorning = try! Date("2026-11-23T15:00:00Z", strategy: .iso8601)  // 10:00 in New York

    func withDialer(
        at start: Date = OutboundCallTests.mondayMorning, connection: String? = "conn-frontdesk",
        _ body: @Sendable (TelnyxSender, TelnyxTestServer, TestApp.Client, _ token: String, _ agent: String) async throws -> Void
    ) async throws {
        let telnyx = try await TelnyxTestServer.start()
        defer { telnyx.stop() }
        let signer = TelnyxSigner()
        var app = TestApp(seedDemo: true, clock: TestClock(start), telnyx: telnyx.client(), telnyxPublicKey: signer.publicKeyBase64)
        app.configuration.telnyxConnectionId = connection
        try await app.run(live: true) { client in
            let (token, business) = try await TelnyxWebhookTests.login(client)
            let agents = try await client.call(.get, "/api/agents?business_id=\(business)", token: token)
            let agent = try #require(agents.list("agents").first { $0["phone_number"] as? String == TelnyxSender.agentNumber }?["id"] as? String)
            try await body(TelnyxSender(signer: signer, client: client), telnyx, client, token, agent)
        }
    }

    /// A Telnyx event payload for the outbound call `id`, with the client state the dial set.
    static func leg(_ id: String, _ extra: String = "", state: String?) -> String {
        let clientState = state.map { "\"\(Data($0.utf8).base64EncodedString())\"" } ?? "null"
        return #"{"call_control_id":"\#(id)","call_leg_id":"leg-\#(id)","call_session_id":"s-\#(id)","connection_id":"conn-frontdesk","client_state":\#(clientState),"from":"\#(TelnyxSender.agentNumber)","to":"\#(TelnyxSender.caller)","direction":"outgoing"\#(extra.isEmpty ? "" : "," + extra)}"#
    }

    @Test("an answering machine: nothing is said over its greeting, the voicemail is left after the beep, then the call is hung up and recorded as a voicemail")
    func voicemail() async throws {
        try await withDialer { telnyx, server, client, token, agent in
            let placed = try await client.call(
                .post, "/api/calls", token: token,
                json: #"{"agent_id":"\#(agent)","to":"\#(TelnyxSender.caller)","purpose":"about your cleaning tomorrow"}"#)
            #expect(placed.status == .created, "\(placed.json)")
            #expect(placed["direction"] as? String == "outbound")
            #expect(placed["status"] as? String == "in_progress")
            #expect(placed["purpose"] as? String == "about your cleaning tomorrow")
            let callId = try #require(placed["id"] as? String)
            let controlId = try #require(placed["provider_call_id"] as? String)

            // The dial, as Telnyx's API wants it: the agent's number as caller id, machine detection on.
            let dial = try #require(server.dials.first)
            #expect(server.dials.count == 1)
            #expect(dial.path == "/v2/calls")
            #expect(dial.body["connection_id"]?.text == "conn-frontdesk")
            #expect(dial.body["from"]?.text == TelnyxSender.agentNumber)
            #expect(dial.body["to"]?.text == TelnyxSender.caller)
            #expect(dial.body["answering_machine_detection"]?.text == "greeting_end")
            #expect(dial.clientState == "outbound:\(callId):amd")

            try await telnyx.post("call.initiated", Self.leg(controlId, state: dial.clientState))
            try await telnyx.post("call.answered", Self.leg(controlId, state: dial.clientState))
            try await eventually("transcription") { server.commands("transcription_start").count == 1 }
            try await telnyx.post("call.machine.detection.ended", Self.leg(controlId, #""result":"machine""#, state: "agent"))
            // The machine's greeting plays: the receptionist does not talk over it.
            try await telnyx.post("call.transcription", Self.leg(controlId, #""transcription_data":{"transcript":"You have reached Maria, leave a message","is_final":true,"transcription_track":"inbound"}"#, state: "agent"))
            try await Task.sleep(for: .milliseconds(200))
            #expect(server.spoken.isEmpty, "nothing is said before the beep: \(server.spoken)")

            let beep = UUID().uuidString
            try await telnyx.post("call.machine.greeting.ended", Self.leg(controlId, #""result":"beep_detected""#, state: "agent"), id: beep)
            try await eventually("voicemail") { server.spoken.count == 1 }
            // A replayed beep, a second beep report and a late "human" decision change nothing.
            try await telnyx.post("call.machine.greeting.ended", Self.leg(controlId, #""result":"beep_detected""#, state: "agent"), id: beep)
            try await telnyx.post("call.machine.greeting.ended", Self.leg(controlId, #""result":"ended""#, state: "agent"))
            try await telnyx.post("call.machine.detection.ended", Self.leg(controlId, #""result":"human""#, state: "agent"))
            try await Task.sleep(for: .milliseconds(200))
            #expect(server.spoken.count == 1, "the voicemail is left once: \(server.spoken)")
            let message = try #require(server.spoken.first)
            #expect(message.contains("Bright Smile Dental"))
            #expect(message.contains("about your cleaning tomorrow"))
            #expect(message.contains("555, 010, 0 1 2 3") || message.contains("5 5 5, 0 1 0, 0 1 2 3"), "the callback number is read out: \(message)")
            try await telnyx.post("call.speak.ended", Self.leg(controlId, #""status":"completed""#, state: "speak"))
            try await eventually("hang-up") { server.commands("hangup").count == 1 }
            try await telnyx.post("call.hangup", Self.leg(controlId, #""hangup_cause":"normal_clearing""#, state: "hangup"))

            try await eventually("the call is closed") {
                try await client.call(.get, "/api/calls/\(callId)", token: token)["status"] as? String == "completed"
            }
            let stored = try await client.call(.get, "/api/calls/\(callId)", token: token)
            #expect(stored["outcome"] as? String == "voicemail")
            #expect(stored["direction"] as? String == "outbound")
            let turns = stored.list("turns").compactMap { $0["text"] as? String }
            #expect(turns.contains { $0.contains("voicemail was left") })
            #expect(turns.contains(message))
            #expect(!turns.contains { $0.contains("You have reached Maria") }, "the machine's greeting is not a caller turn")
        }
    }

    @Test("a person answers: greeted with who calls and why, then the conversation goes on as on any call")
    func personAnswers() async throws {
        try await withDialer { telnyx, server, client, token, agent in
            let placed = try await client.call(
                .post, "/api/calls", token: token,
                json: #"{"agent_id":"\#(agent)","to":"\#(TelnyxSender.caller)","purpose":"to book your six-month checkup"}"#)
            #expect(placed.status == .created)
            let controlId = try #require(placed["provider_call_id"] as? String)
            let state = try #require(server.dials.first?.clientState)
            try await telnyx.post("call.answered", Self.leg(controlId, state: state))
            try await telnyx.post("call.machine.detection.ended", Self.leg(controlId, #""result":"human""#, state: "agent"))
            try await eventually("greeting") { server.spoken.count == 1 }
            let greeting = server.spoken[0]
            #expect(greeting.contains("Bright Smile Dental") && greeting.contains("to book your six-month checkup") && greeting.contains("good time"))
            try await telnyx.post("call.speak.ended", Self.leg(controlId, #""status":"completed""#, state: "speak"))
            try await telnyx.post("call.transcription", Self.leg(controlId, #""transcription_data":{"transcript":"Yes, I'd like to book a cleaning","is_final":true,"transcription_track":"inbound"}"#, state: "agent"))
            try await eventually("reply") { server.spoken.count == 2 }
            #expect(server.spoken[1].contains("What day"), "\(server.spoken)")
            try await telnyx.post("call.hangup", Self.leg(controlId, #""hangup_cause":"normal_clearing""#, state: "agent"))
            let callId = try #require(placed["id"] as? String)
            try await eventually("closed") {
                try await client.call(.get, "/api/calls/\(callId)", token: token)["status"] as? String == "completed"
            }
        }
    }

    @Test("a call nobody answers is recorded as no answer; a dial Telnyx refuses is a 502 with the call stored as failed, and is not retried")
    func unansweredAndRefused() async throws {
        try await withDialer { telnyx, server, client, token, agent in
            let placed = try await client.call(.post, "/api/calls", token: token, json: #"{"agent_id":"\#(agent)","to":"+15557654000","machine_detection":false}"#)
            #expect(placed.status == .created)
            #expect(server.dials.first?.body["answering_machine_detection"] == nil)
            let controlId = try #require(placed["provider_call_id"] as? String)
            try await telnyx.post("call.hangup", Self.leg(controlId, #""hangup_cause":"timeout""#, state: server.dials.first?.clientState))
            let callId = try #require(placed["id"] as? String)
            try await eventually("closed") {
                try await client.call(.get, "/api/calls/\(callId)", token: token)["outcome"] as? String == "no_answer"
            }

            server.failuresToGive.withLock { $0 = 1 }
            let refused = try await client.call(.post, "/api/calls", token: token, json: #"{"agent_id":"\#(agent)","to":"+15557654001"}"#)
            #expect(refused.status == .badGateway)
            #expect(refused.code == "EXTERNAL_SERVICE_ERROR")
            #expect(server.dials.count == 2, "a 500 after sending may have rung the phone: not dialled again")
            let calls = try await client.call(.get, "/api/calls?business_id=\(try #require(placed["business_id"] as? String))", token: token)
            let failed = calls.list("calls").first { $0["phone"] as? String == "+15557654001" }
            #expect(failed?["status"] as? String == "failed")
            #expect(failed?["hangup_cause"] as? String == "dial_failed")
        }
    }

    @Test("bad requests are refused before anything is dialled: missing or foreign agent, bad number, the agent's own number, a foreign lead, a stopped agent")
    func refusals() async throws {
        try await withDialer { _, server, client, token, agent in
            func place(_ json: String, _ as: String = "") async throws -> APIResult {
                try await client.call(.post, "/api/calls", token: `as`.isEmpty ? token : `as`, json: json)
            }
            #expect(try await place(#"{"to":"+15557654321"}"#).details["agent_id"] != nil)
            #expect(try await place(#"{"agent_id":"\#(agent)","to":"555-1234"}"#).status == .unprocessableContent)
            #expect(try await place(#"{"agent_id":"\#(agent)"}"#).details["to"] != nil)
            #expect(try await place(#"{"agent_id":"\#(agent)","to":"\#(TelnyxSender.agentNumber)"}"#).details["to"] != nil)
            #expect(try await place(#"{"agent_id":"\#(agent)","to":"+15557654321","purpose":""}"#).details["purpose"] != nil)
            let other = try await client.register("Other")
            #expect(try await place(#"{"agent_id":"\#(agent)","to":"+15557654321"}"#, other.token).status == .notFound)
            let foreignLead = try await client.call(
                .post, "/api/leads", token: other.token, json: #"{"business_id":"\#(other.businessId)","phone":"+15557654321"}"#)
            let leadId = try #require(foreignLead["id"] as? String)
            #expect(try await place(#"{"agent_id":"\#(agent)","lead_id":"\#(leadId)"}"#).details["lead_id"] != nil)
            _ = try await client.call(.post, "/api/agents/\(agent)/stop", token: token)
            #expect(try await place(#"{"agent_id":"\#(agent)","to":"+15557654321"}"#).details["agent_id"] != nil)
            #expect(server.dials.isEmpty)
        }
    }

    @Test("no one is called at night in the business's zone (409), and without a Call Control connection the route says what to set (409, not a server fault)")
    func hoursAndConfiguration() async throws {
        let night = try Date("2026-11-24T03:30:00Z", strategy: .iso8601)  // 22:30 in New York
        try await withDialer(at: night) { _, server, client, token, agent in
            let refused = try await client.call(.post, "/api/calls", token: token, json: #"{"agent_id":"\#(agent)","to":"+15557654321"}"#)
            #expect(refused.status == .conflict)
            #expect(refused.code == "OUTSIDE_CALLING_HOURS")
            #expect(server.dials.isEmpty)
        }
        try await withDialer(connection: nil) { _, server, client, token, agent in
            let refused = try await client.call(.post, "/api/calls", token: token, json: #"{"agent_id":"\#(agent)","to":"+15557654321"}"#)
            #expect(refused.status == .conflict)
            #expect(refused.code == "OUTBOUND_CALLS_NOT_CONFIGURED")
            #expect((refused.json["error"] as? String)?.contains("TELNYX_CONNECTION_ID") == true, "\(refused.json)")
            #expect(server.dials.isEmpty)
        }
    }

    /// An inbound call answered and greeted; the caller then asks for a person and hears the hand-over line.
    static func callerAsksForAPerson(_ id: String, _ telnyx: TelnyxSender, _ server: TelnyxTestServer) async throws {
        try await telnyx.post("call.initiated", TelnyxSender.call(id, state: nil))
        try await eventually("answer") { server.commands("answer").count == 1 }
        try await telnyx.post("call.answered", TelnyxSender.call(id))
        try await eventually("greeting") { server.spoken.count == 1 }
        try await telnyx.post("call.speak.ended", TelnyxSender.call(id, #""status":"completed""#, state: "speak"))
        try await telnyx.post("call.transcription", TelnyxSender.said(id, "Can I speak to a real person please? It's about my crown."))
        try await eventually("hand-over line") { server.spoken.count == 2 }
        try await telnyx.post("call.speak.ended", TelnyxSender.call(id, #""status":"completed""#, state: "speak"))
    }

    @Test("a warm transfer: the caller hears hold music while the team member is called and told who is waiting and why, then the two are bridged")
    func warmTransfer() async throws {
        try await withDialer { telnyx, server, client, token, _ in
            let caller = "v3:warm-caller"
            try await Self.callerAsksForAPerson(caller, telnyx, server)
            try await eventually("hold and dial") { server.commands("playback_start").count == 1 && server.dials.count == 1 }
            #expect(server.commands("transfer").isEmpty, "not a cold transfer")
            let hold = try #require(server.commands("playback_start").first)
            #expect(hold.callControlId == caller)
            #expect(hold.body["audio_url"]?.text?.hasSuffix("/api/media/hold.wav") == true)
            #expect(hold.body["loop"]?.text == "infinity")
            let dial = try #require(server.dials.first)
            #expect(dial.clientState == "warm:\(caller)")
            #expect(dial.body["from"]?.text == TelnyxSender.agentNumber)
            let person = "v3:warm-person"
            let warmState = Data("warm:\(caller)".utf8).base64EncodedString()
            let to = dial.body["to"]?.text ?? ""
            let personLeg = { (extra: String) in
                #"{"call_control_id":"\#(person)","client_state":"\#(warmState)","from":"\#(TelnyxSender.agentNumber)","to":"\#(to)","direction":"outgoing"\#(extra)}"#
            }
            try await telnyx.post("call.answered", personLeg(""))
            try await eventually("summary") { server.commands("speak").contains { $0.callControlId == person } }
            let summary = try #require(server.commands("speak").first { $0.callControlId == person }?.body["payload"]?.text)
            #expect(summary.contains("Bright Smile Dental") && summary.contains("with a caller for you"))
            #expect(summary.contains("5 5 5, 7 6 5, 4 3 2 1"), "the caller's number: \(summary)")
            #expect(summary.contains("It's about my crown"), "what the caller said: \(summary)")
            #expect(server.commands("bridge").isEmpty, "not bridged before the summary is said")
            try await telnyx.post("call.speak.ended", personLeg(#","status":"completed""#))
            try await eventually("bridge") { server.commands("bridge").count == 1 }
            let bridge = try #require(server.commands("bridge").first)
            #expect(bridge.callControlId == caller)
            #expect(bridge.body["call_control_id"]?.text == person)
            #expect(server.commands("playback_stop").first?.callControlId == caller)
            try await telnyx.post("call.bridged", TelnyxSender.call(caller))
            let (_, business) = try await TelnyxWebhookTests.login(client)
            try await eventually("transferred") {
                let calls = try await client.call(.get, "/api/calls?business_id=\(business)", token: token)
                return calls.list("calls").first { $0["provider_call_id"] as? String == caller }?["outcome"] as? String == "transferred"
            }
        }
    }

    @Test("a warm transfer nobody answers: the caller comes off hold and is offered to leave a message")
    func warmTransferUnanswered() async throws {
        try await withDialer { telnyx, server, _, _, _ in
            let caller = "v3:warm-busy"
            try await Self.callerAsksForAPerson(caller, telnyx, server)
            try await eventually("dial") { server.dials.count == 1 }
            let state = Data("warm:\(caller)".utf8).base64EncodedString()
            try await telnyx.post("call.hangup", #"{"call_control_id":"v3:warm-nobody","client_state":"\#(state)","hangup_cause":"busy","direction":"outgoing"}"#)
            try await eventually("message offered") { server.spoken.count == 3 }
            #expect(server.spoken[2].contains("couldn't reach anyone") && server.spoken[2].contains("message"), "\(server.spoken)")
            #expect(server.commands("playback_stop").first?.callControlId == caller)
            #expect(server.commands("bridge").isEmpty)
        }
    }

    @Test("a workflow's place_call step calls the new lead from the business's agent, with the purpose rendered, once")
    func workflowPlacesACall() async throws {
        let server = try await TelnyxTestServer.start()
        defer { server.stop() }
        // The whole service, scheduler included.
        var app = TestApp(seedDemo: true, clock: TestClock(Self.mondayMorning), telnyx: server.client())
        app.configuration.telnyxConnectionId = "conn-frontdesk"
        try await app.serve { client in
            let login = try await client.call(.post, "/api/auth/login", json: #"{"email":"demo@frontdesk.local","password":"frontdesk-demo"}"#)
            let token = try #require(login["token"] as? String)
            let business = try #require(login["user.business_id"] as? String)
            let created = try await client.call(
                .post, "/api/workflows", token: token,
                json: #"{"business_id":"\#(business)","name":"Call new leads","status":"active","trigger":{"type":"lead.created"},"actions":[{"type":"place_call","purpose":"about your enquiry, {{contact.first_name}}"}]}"#)
            #expect(created.status == .created, "\(created.json)")
            let workflow = try #require(created["id"] as? String)
            let lead = try await client.call(
                .post, "/api/leads", token: token, json: #"{"business_id":"\#(business)","phone":"+15557650042","name":"Ruth Park"}"#)
            #expect(lead.status == .created)
            try await eventually("dialled") { server.dials.count == 1 }
            #expect(server.dials[0].body["to"]?.text == "+15557650042")
            #expect(server.dials[0].body["from"]?.text == TelnyxSender.agentNumber)
            try await eventually("step logged") {
                let enrollments = try await client.call(.get, "/api/workflows/\(workflow)/enrollments", token: token).list("enrollments")
                return (enrollments.first?["log"] as? [[String: Any]])?.contains { $0["action"] as? String == "place_call" && $0["status"] as? String == "done" } == true
            }
            let calls = try await client.call(.get, "/api/calls?business_id=\(business)", token: token).list("calls")
            let call = try #require(calls.first { $0["phone"] as? String == "+15557650042" })
            #expect(call["purpose"] as? String == "about your enquiry, Ruth")
            #expect(call["direction"] as? String == "outbound")
            try await Task.sleep(for: .milliseconds(300))
            #expect(server.dials.count == 1, "dialled once")
        }
    }
}
