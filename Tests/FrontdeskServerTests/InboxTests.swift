import Foundation
import FrontdeskCore
import FrontdeskServer
import FrontdeskSimulator
import FrontdeskWire
import HTTPTypes
import Testing

/// The inbox end to end: the real server with its background services, Telnyx played by a local server.
@Suite("Inbox: contacts, threads across channels, a member taking a thread or a live call over")
struct InboxTests {
    /// The demo business on Telnyx, served with its services, and a second member (an agent-role helper).
    func withInbox(
        _ body: @Sendable (TelnyxSender, TelnyxTestServer, TestApp.ServedClient, _ owner: (token: String, business: String), _ helper: Tenant) async throws -> Void
    ) async throws {
        let telnyx = try await TelnyxTestServer.start()
        defer { telnyx.stop() }
        let signer = TelnyxSigner()
        let app = TestApp(
            seedDemo: true, clock: TestClock(TelnyxWebhookTests.mondayMorning), telnyx: telnyx.client(), telnyxPublicKey: signer.publicKeyBase64)
        try await app.serve { client in
            let login = try await client.call(.post, "/api/auth/login", json: #"{"email":"demo@frontdesk.local","password":"frontdesk-demo"}"#)
            let owner = (token: try #require(login["token"] as? String), business: try #require(login["user.business_id"] as? String))
            let helper = try await client.register("Dana")
            #expect(try await client.call(
                .post, "/api/businesses/\(owner.business)/members", token: owner.token, json: #"{"email":"\#(helper.email)","role":"agent"}"#
            ).status == .created)
            try await body(TelnyxSender(signer: signer, client: client), telnyx, client, owner, helper)
        }
    }

    @Test("a member takes an SMS thread: the receptionist stays quiet, the member is notified and replies, releasing gives it back")
    func takeOverTexts() async throws {
        try await withInbox { telnyx, server, client, owner, helper in
            let socket = try #require(await EventStreamClient.connect(
                base: "http://127.0.0.1:\(client.port)", token: owner.token, query: "business_id=\(owner.business)"))
            defer { Task { await socket.close() } }
            try await telnyx.post("message.received", TelnyxWebhookTests.text("Where are you located?"), path: "/api/sms/webhook")
            try await eventually("the receptionist's reply, stored on the thread") {
                let threads = try await client.call(.get, "/api/conversations?business_id=\(owner.business)&channel=sms", token: owner.token)
                return (threads.list("conversations").first?["last_message"] as? [String: Any])?["sender"] as? String == "agent"
            }
            #expect(server.commands("messages").count == 1)

            // One SMS thread for the caller's contact, unread, its lines in order.
            let list = try await client.call(.get, "/api/conversations?business_id=\(owner.business)&channel=sms", token: owner.token)
            let thread = try #require(list.list("conversations").first)
            let id = try #require(thread["id"] as? String)
            #expect(list.list("conversations").count == 1)
            #expect(thread["unread_count"] as? Int == 1)
            #expect((thread["contact"] as? [String: Any])?["phone"] as? String == TelnyxSender.caller)
            #expect((thread["last_message"] as? [String: Any])?["sender"] as? String == "agent")
            let lines = try await client.call(.get, "/api/conversations/\(id)/messages", token: owner.token).list("messages")
            #expect(lines.map { $0["sender"] as? String } == ["lead", "agent"])
            #expect((lines.last?["content"] as? String)?.contains("Harbor Street") == true)

            // The owner gives it to Dana: the receptionist goes quiet on it.
            let assigned = try await client.call(.post, "/api/conversations/\(id)/assign", token: owner.token, json: #"{"assignee_id":"\#(helper.userId)"}"#)
            #expect(assigned.status == .ok)
            #expect(assigned["assignee_id"] as? String == helper.userId)
            #expect(assigned.list("history").map { $0["kind"] as? String } == ["assigned"])
            #expect(await socket.wait { $0.contains { $0.type == "conversation.assigned" && $0.data["conversation"]?["assignee_id"]?.text == helper.userId } })
            #expect(try await client.call(.get, "/api/conversations?business_id=\(owner.business)&assignee=me", token: helper.token).list("conversations").count == 1)
            #expect(try await client.call(.get, "/api/conversations?business_id=\(owner.business)&assignee=none", token: owner.token).list("conversations").isEmpty)

            try await telnyx.post("message.received", TelnyxWebhookTests.text("Can I talk to someone about my bill?"), path: "/api/sms/webhook")
            try await eventually("Dana is told") {
                try await client.call(.get, "/api/notifications?type=message", token: helper.token).list("notifications")
                    .contains { ($0["message"] as? String)?.contains("my bill") == true && ($0["data"] as? [String: Any])?["conversation_id"] as? String == id }
            }
            #expect(try await client.call(.get, "/api/notifications?type=message", token: owner.token).list("notifications").isEmpty, "only the assignee")
            #expect(server.commands("messages").count == 1, "the receptionist did not answer on a held thread")
            #expect(try await client.call(.get, "/api/conversations/\(id)", token: owner.token)["unread_count"] as? Int == 2)

            // Dana answers from the inbox: sent through Telnyx, on the thread as hers.
            let sent = try await client.call(.post, "/api/messages", token: helper.token, json: #"{"conversation_id":"\#(id)","content":"Hi, Dana here: I'll call you in 5 minutes."}"#)
            #expect(sent.status == .created, "\(sent.json)")
            #expect(sent["message.sender"] as? String == "member" && sent["message.sender_id"] as? String == helper.userId)
            #expect(server.commands("messages").count == 2, "sent before the answer")
            #expect(server.commands("messages").last?.body["text"]?.text == "Hi, Dana here: I'll call you in 5 minutes.")
            let after = try await client.call(.get, "/api/conversations/\(id)/messages", token: owner.token).list("messages")
            #expect(after.map { $0["sender"] as? String } == ["lead", "agent", "lead", "member"])
            let leadId = try #require(thread["lead_id"] as? String)
            let seed = try await client.call(.get, "/api/messages/\(leadId)", token: owner.token).list("messages")
            #expect(seed.map { $0["content"] as? String }.last == "Hi, Dana here: I'll call you in 5 minutes.")
            #expect(seed.allSatisfy { $0["conversation_id"] as? String == id })

            // Read, then released: the receptionist answers again; the history has both changes.
            #expect(try await client.call(.put, "/api/conversations/\(id)/read", token: helper.token)["unread_count"] as? Int == 0)
            let released = try await client.call(.post, "/api/conversations/\(id)/release", token: helper.token)
            #expect(released["assignee_id"] == nil || released["assignee_id"] is NSNull)
            #expect(released.list("history").map { $0["kind"] as? String } == ["assigned", "released"])
            try await telnyx.post("message.received", TelnyxWebhookTests.text("What are your hours?"), path: "/api/sms/webhook")
            try await eventually("the receptionist answers again") { server.commands("messages").count == 3 }

            // Contacts: the caller is one contact with the thread; another business sees none of it.
            let contacts = try await client.call(.get, "/api/contacts?business_id=\(owner.business)&search=\(TelnyxSender.caller.dropFirst())", token: owner.token)
            #expect(contacts.list("contacts").count == 1)
            let contactId = try #require(contacts.list("contacts").first?["id"] as? String)
            let contact = try await client.call(.get, "/api/contacts/\(contactId)", token: owner.token)
            #expect(contact.list("conversations").map { $0["id"] as? String } == [id])
            let stranger = try await client.register("Stranger")
            #expect(try await client.call(.get, "/api/conversations/\(id)", token: stranger.token).status == .notFound)
            #expect(try await client.call(.get, "/api/contacts/\(contactId)", token: stranger.token).status == .notFound)
            #expect(try await client.call(.post, "/api/conversations/\(id)/assign", token: stranger.token).status == .notFound)
            #expect(try await client.call(.get, "/api/messages/\(leadId)", token: stranger.token).status == .notFound)
            #expect(try await client.call(.post, "/api/messages", token: stranger.token, json: #"{"conversation_id":"\#(id)","content":"hi"}"#).status == .notFound)
            #expect(try await client.call(.get, "/api/conversations?business_id=\(owner.business)", token: stranger.token).status == .notFound)
            // Assigning to someone outside the business is refused.
            let outsider = try await client.call(.post, "/api/conversations/\(id)/assign", token: owner.token, json: #"{"assignee_id":"\#(stranger.userId)"}"#)
            #expect(outsider.status == .unprocessableContent && outsider.details["assignee_id"] != nil)
        }
    }

    @Test("a member takes a live call over: the caller is told and transferred to the member's phone; the voice thread says so")
    func takeOverCall() async throws {
        try await withInbox { telnyx, server, client, owner, helper in
            let id = "v3:takeover"
            try await telnyx.post("call.initiated", TelnyxSender.call(id, state: nil))
            try await eventually("answer") { server.commands("answer").count == 1 }
            try await telnyx.post("call.answered", TelnyxSender.call(id))
            try await eventually("greeting") { server.spoken.count == 1 }
            try await telnyx.post("call.speak.ended", TelnyxSender.call(id, #""status":"completed""#, state: "speak"))
            try await telnyx.post("call.transcription", TelnyxSender.said(id, "What are your prices for a cleaning?"))
            try await eventually("answer to the caller") { server.spoken.count == 2 }
            try await telnyx.post("call.speak.ended", TelnyxSender.call(id, state: "speak"))

            let calls = try await client.call(.get, "/api/calls?business_id=\(owner.business)&status=in_progress", token: owner.token)
            let callId = try #require(calls.list("calls").first?["id"] as? String)
            // Dana has no phone yet: refused with what to do.
            let noPhone = try await client.call(.post, "/api/calls/\(callId)/takeover", token: helper.token)
            #expect(noPhone.status == .unprocessableContent && noPhone.details["user_id"]?.first?.contains("preferences") == true)
            #expect(try await client.call(
                .put, "/api/notifications/preferences", token: helper.token, json: #"{"business_id":"\#(owner.business)","phone":"+15550109876"}"#
            )["phone"] as? String == "+15550109876")

            let taken = try await client.call(.post, "/api/calls/\(callId)/takeover", token: helper.token)
            #expect(taken.status == .ok, "\(taken.json)")
            #expect(taken["transfer_to"] as? String == "+15550109876")
            try await eventually("the caller is told") { server.spoken.count == 3 }
            #expect(server.spoken.last?.contains("putting you through to Pat") == true)
            #expect(server.commands("transfer").isEmpty, "not before the words are said")
            try await telnyx.post("call.speak.ended", TelnyxSender.call(id, state: "speak"))
            try await eventually("transferred") { server.commands("transfer").count == 1 }
            #expect(server.commands("transfer").first?.body["to"]?.text == "+15550109876")
            // A second takeover of a call on its way to a person is refused.
            #expect(try await client.call(.post, "/api/calls/\(callId)/takeover", token: helper.token).code == "CALL_NOT_LIVE")

            let voice = try await client.call(.get, "/api/conversations?business_id=\(owner.business)&channel=voice", token: owner.token)
            let thread = try #require(voice.list("conversations").first)
            #expect(thread["assignee_id"] as? String == helper.userId)
            let threadId = try #require(thread["id"] as? String)
            let detail = try await client.call(.get, "/api/conversations/\(threadId)", token: owner.token)
            #expect(detail.list("history").map { $0["kind"] as? String } == ["call_taken_over"])
            let turns = try await client.call(.get, "/api/conversations/\(threadId)/messages", token: owner.token).list("messages")
            #expect(turns.contains { $0["sender"] as? String == "system" && ($0["content"] as? String)?.contains("took the call over") == true })
            #expect(turns.allSatisfy { $0["call_id"] as? String == callId })
        }
    }

    @Test("a member ends a live call: the caller hears a goodbye, then the call is hung up; the transcript and summary say who")
    func hangUpCall() async throws {
        try await withInbox { telnyx, server, client, owner, helper in
            let id = "v3:hangup"
            try await telnyx.post("call.initiated", TelnyxSender.call(id, state: nil))
            try await eventually("answer") { server.commands("answer").count == 1 }
            try await telnyx.post("call.answered", TelnyxSender.call(id))
            try await eventually("greeting") { server.spoken.count == 1 }
            try await telnyx.post("call.speak.ended", TelnyxSender.call(id, #""status":"completed""#, state: "speak"))
            let calls = try await client.call(.get, "/api/calls?business_id=\(owner.business)&status=in_progress", token: owner.token)
            let callId = try #require(calls.list("calls").first?["id"] as? String)
            let stranger = try await client.register("Stranger")
            #expect(try await client.call(.post, "/api/calls/\(callId)/hangup", token: stranger.token).status == .notFound)

            let ended = try await client.call(.post, "/api/calls/\(callId)/hangup", token: helper.token)
            #expect(ended.status == .ok, "\(ended.json)")
            try await eventually("the goodbye") { server.spoken.count == 2 }
            #expect(server.spoken.last == "Thank you for calling. Goodbye!")
            #expect(server.commands("hangup").isEmpty, "not before the goodbye is said")
            try await telnyx.post("call.speak.ended", TelnyxSender.call(id, state: "speak"))
            try await eventually("hung up") { server.commands("hangup").count == 1 }
            try await telnyx.post("call.hangup", TelnyxSender.call(id, #""hangup_cause":"normal_clearing","hangup_source":"callee""#))
            try await eventually("closed") {
                (try? await client.call(.get, "/api/calls/\(callId)", token: owner.token))?["status"] as? String == "completed"
            }
            let call = try await client.call(.get, "/api/calls/\(callId)", token: owner.token)
            #expect((call["summary"] as? String)?.contains("Ended by Pat") == true, "\(call.json)")
            #expect((call["turns"] as? [[String: Any]])?.contains { ($0["text"] as? String)?.contains("ended the call") == true } == true)
            #expect(try await client.call(.post, "/api/calls/\(callId)/hangup", token: helper.token).code == "CALL_NOT_LIVE")
        }
    }

    @Test("POST /agents/{id}/execute is a thread too: its words and answers are lines; held by a member, the receptionist does not answer")
    func executeThread() async throws {
        try await withInbox { _, _, client, owner, helper in
            let agents = try await client.call(.get, "/api/agents?business_id=\(owner.business)", token: owner.token)
            let agent = try #require(agents.list("agents").first?["id"] as? String)
            let lead = try await client.call(.post, "/api/leads", token: owner.token, json: #"{"business_id":"\#(owner.business)","name":"Ana","phone":"+15557650003"}"#)
            let leadId = try #require(lead["id"] as? String)
            let first = try await client.call(
                .post, "/api/agents/\(agent)/execute", token: owner.token, json: #"{"input":{"leadId":"\#(leadId)","message":"Where are you located?"}}"#)
            #expect((first["output.response"] as? String)?.contains("Harbor Street") == true)
            let thread = try #require(first["conversation.conversation_id"] as? String)
            let lines = try await client.call(.get, "/api/conversations/\(thread)/messages", token: owner.token).list("messages")
            #expect(lines.map { $0["sender"] as? String } == ["lead", "agent"])
            #expect(lines.first?["channel"] as? String == "api" && lines.first?["content"] as? String == "Where are you located?")

            #expect(try await client.call(.post, "/api/conversations/\(thread)/assign", token: helper.token).status == .ok)
            let held = try await client.call(
                .post, "/api/agents/\(agent)/execute", token: owner.token, json: #"{"input":{"leadId":"\#(leadId)","message":"Can a person help me?"}}"#)
            #expect(held["output.response"] as? String == "")
            #expect(held["conversation.held_by"] as? String == helper.userId)
            let after = try await client.call(.get, "/api/conversations/\(thread)/messages", token: owner.token).list("messages")
            #expect(after.map { $0["sender"] as? String } == ["lead", "agent", "lead"])
            #expect(try await client.call(.get, "/api/conversations?business_id=\(owner.business)&channel=api", token: owner.token)["conversations"] != nil)
        }
    }

    @Test("notifications by SMS as the member chose, held through their quiet hours in the business's zone")
    func smsAndQuietHours() async throws {
        try await withInbox { telnyx, server, client, owner, helper in
            // 10:00 in New York on the test clock: quiet until 11:00.
            let set = try await client.call(
                .put, "/api/notifications/preferences", token: helper.token,
                json: #"{"business_id":"\#(owner.business)","phone":"+15550109876","sms":true,"quiet_hours":{"start":"09:30","end":"11:00"}}"#)
            #expect(set.status == .ok, "\(set.json)")
            #expect(try await client.call(
                .put, "/api/notifications/preferences", token: helper.token, json: #"{"business_id":"\#(owner.business)","sms":true,"phone":null}"#
            ).details["sms"] != nil, "SMS needs a phone")
            #expect(try await client.call(
                .put, "/api/notifications/preferences", token: helper.token,
                json: #"{"business_id":"\#(owner.business)","quiet_hours":{"start":"25:00","end":"07:00"}}"#).status == .unprocessableContent)

            let lead = try await client.call(.post, "/api/leads", token: owner.token, json: #"{"business_id":"\#(owner.business)","name":"Maria Lopez","phone":"+15557650001"}"#)
            let leadId = try #require(lead["id"] as? String, "\(lead.json)")
            let qualified = try await client.call(
                .post, "/api/leads/\(leadId)/qualify", token: owner.token,
                json: #"{"criteria":{"budget":"high","timeline":"immediate","decision_maker":true,"need":"teeth cleaning"}}"#)
            #expect((qualified["qualification_score"] as? Int ?? 0) >= 70, "\(qualified.json)")
            try await eventually("in the app at once") {
                try await client.call(.get, "/api/notifications", token: helper.token).list("notifications").contains { $0["reason"] as? String == "lead.qualified" }
            }
            try await Task.sleep(for: .seconds(1.5))
            #expect(!server.commands("messages").contains { $0.body["to"]?.text == "+15550109876" }, "held in quiet hours")

            client.clock.advance(seconds: 3600)
            try await eventually("sent when quiet hours end") {
                server.commands("messages").contains { $0.body["to"]?.text == "+15550109876" && $0.body["text"]?.text?.contains("New qualified lead") == true }
            }
            #expect(server.commands("messages").filter { $0.body["to"]?.text == "+15550109876" }.count == 1)
        }
    }
}
