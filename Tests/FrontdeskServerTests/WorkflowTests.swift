import Foundation
import FrontdeskCore
@testable import FrontdeskServer
import FrontdeskSimulator
import FrontdeskStore
import FrontdeskWire
import HTTPTypes
import Synchronization
import Testing

@Suite("Workflows: a trigger, conditions and actions, run on the scheduler with an execution log")
struct WorkflowTests {
    func token(_ client: TestApp.ServedClient, _ owner: Tenant) async throws -> String {
        let login = try await client.call(.post, "/api/auth/login", json: #"{"email":"\#(owner.email)","password":"correct horse"}"#)
        return try #require(login["token"] as? String, "login: \(login.json)")
    }

    func texts(_ client: TestApp.ServedClient, _ owner: Tenant, _ channel: String = "sms") async throws -> [[String: Any]] {
        try await client.call(.get, "/api/\(channel)?business_id=\(owner.businessId)", token: try await token(client, owner)).list("messages")
    }

    func enrollments(_ client: TestApp.ServedClient, _ owner: Tenant, _ workflow: String) async throws -> [[String: Any]] {
        try await client.call(.get, "/api/workflows/\(workflow)/enrollments", token: try await token(client, owner)).list("enrollments")
    }

    func qualify(_ client: TestApp.ServedClient, _ owner: Tenant, _ lead: String) async throws {
        let qualified = try await client.call(
            .post, "/api/leads/\(lead)/qualify", token: try await token(client, owner),
            json: #"{"criteria":{"budget":"high","timeline":"immediate","decision_maker":true,"need":"teeth cleaning"}}"#)
        #expect(qualified.status == .ok, "\(qualified.json)")
    }

    @Test("lead qualified → wait 1 hour → SMS + email + signed webhook: nothing before the hour, each once after it, logged step by step")
    func qualifiedLeadFollowUp() async throws {
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        // A weekday morning in the business's zone: the texts' quiet hours (21:00–08:00) are not in the way.
        try await TestApp(clock: TestClock(try Date("2026-11-23T15:00:00Z", strategy: .iso8601))).serve { client in
            let owner = try await client.register("Owner")
            try await client.openWeekdays(owner)
            let created = try await client.call(
                .post, "/api/workflows", token: owner.token,
                json: """
                    {"business_id":"\(owner.businessId)","name":"Qualified lead follow-up","status":"active",
                     "trigger":{"type":"lead.qualified"},
                     "conditions":[{"field":"lead.score","op":"gte","value":70},{"any":[{"field":"lead.source","op":"in","value":["web","other","website"]},{"field":"lead.source","op":"eq","value":"call"}]}],
                     "actions":[{"type":"wait","minutes":60},
                                {"type":"send_sms","text":"Hi {{contact.first_name}}, thanks for your interest in {{business.name}}! Reply to book."},
                                {"type":"send_email","subject":"Welcome, {{contact.first_name}}","body":"Your score: {{lead.score}}"},
                                {"type":"webhook","url":"\(receiver.url)"},
                                {"type":"add_tag","tag":"nurtured"}]}
                    """)
            #expect(created.status == .created, "\(created.json)")
            let workflowId = try #require(created["id"] as? String)
            let secret = try #require(created["secret"] as? String)
            #expect(try await client.call(.get, "/api/workflows/\(workflowId)", token: owner.token)["secret"] == nil, "the secret is shown once")

            let lead = try #require(try await client.createLead(owner, phone: "+15551230077", name: "Maria Lopez")["id"] as? String)
            try await qualify(client, owner, lead)
            try await eventually("enrolled and waiting") {
                try await enrollments(client, owner, workflowId).first?["step"] as? Int == 1
            }
            let enrollment = try #require(try await enrollments(client, owner, workflowId).first)
            #expect(enrollment["lead_id"] as? String == lead && enrollment["status"] as? String == "active")
            #expect((enrollment["context"] as? [String: Any])?["contact.first_name"] as? String == "Maria")
            // 59 minutes: nothing yet.
            client.clock.advance(seconds: 59 * 60)
            try await Task.sleep(for: .milliseconds(600))
            #expect(try await texts(client, owner).isEmpty)
            #expect(receiver.deliveries.isEmpty)

            client.clock.advance(seconds: 61)
            try await eventually("completed") { try await enrollments(client, owner, workflowId).first?["status"] as? String == "completed" }
            let sms = try await texts(client, owner)
            #expect(sms.count == 1)
            #expect(sms.first?["body"] as? String == "Hi Maria, thanks for your interest in Owner Plumbing! Reply to book.")
            let emails = try await texts(client, owner, "emails").filter { $0["subject"] as? String == "Welcome, Maria" }
            #expect(emails.count == 1)
            #expect((emails.first?["body"] as? String)?.hasPrefix("Your score: ") == true)
            #expect(receiver.deliveries.count == 1)
            let hook = try #require(receiver.deliveries.first)
            // Signed as Standard Webhooks at the server's (virtual) time, with the job's key as the id.
            let expected = WebhookSigning.standardSignature(
                secret: secret, id: try #require(hook.webhookId), timestamp: try #require(hook.timestamp.flatMap { Int($0) }), body: hook.body)
            #expect(hook.signature == expected && expected != nil)
            #expect(hook.webhookId?.hasPrefix("job:") == true)
            #expect(hook.seedSignature == WebhookSigning.seedSignature(secret: secret, body: hook.body))
            #expect(hook.json["workflow_id"]?.text == workflowId && hook.json["lead_id"]?.text == lead)
            #expect(hook.json["variables"]?["contact.first_name"]?.text == "Maria")
            let log = try #require(try await enrollments(client, owner, workflowId).first?["log"] as? [[String: Any]])
            #expect(log.map { $0["action"] as? String } == ["wait", "send_sms", "send_email", "webhook", "add_tag"])
            #expect(log.allSatisfy { ["done", "waiting"].contains($0["status"] as? String) })
            let contacts = try await client.call(.get, "/api/contacts?business_id=\(owner.businessId)&tags=nurtured", token: try await token(client, owner))
            #expect(contacts.list("contacts").count == 1)

            // The same lead qualified again: enrolled once (no re-entry by default).
            try await qualify(client, owner, lead)
            try await Task.sleep(for: .milliseconds(600))
            #expect(try await enrollments(client, owner, workflowId).count == 1)
        }
    }

    @Test("conditions that do not hold enroll nobody; a paused workflow stops its enrollment at the next step; bad definitions are refused field by field")
    func conditionsPauseAndValidation() async throws {
        try await TestApp().serve { client in
            let owner = try await client.register("Owner")
            let create = { (json: String) in
                try await client.call(.post, "/api/workflows", token: try await token(client, owner), json: json)
            }
            let cold = try await create(
                #"{"business_id":"\#(owner.businessId)","name":"VIP","trigger":{"type":"lead.created"},"conditions":[{"field":"lead.company","op":"eq","value":"Acme"}],"actions":[{"type":"send_sms","text":"Hi"}]}"#)
            #expect(cold.status == .created)
            let drip = try await create(
                #"{"business_id":"\#(owner.businessId)","name":"Drip","trigger":{"type":"lead.created"},"actions":[{"type":"wait","minutes":30},{"type":"send_sms","text":"Day two"}]}"#)
            let dripId = try #require(drip["id"] as? String)
            let coldId = try #require(cold["id"] as? String)
            _ = try await client.createLead(owner, phone: "+15551230078", name: "Sam Lee")
            try await eventually("enrolled in the drip") { try await enrollments(client, owner, dripId).count == 1 }
            #expect(try await enrollments(client, owner, coldId).isEmpty)

            // Paused while waiting: the next step ends the enrollment, nothing is sent.
            #expect(try await client.call(.put, "/api/workflows/\(dripId)", token: try await token(client, owner), json: #"{"status":"paused"}"#)["status"] as? String == "paused")
            client.clock.advance(seconds: 31 * 60)
            try await eventually("exited") { try await enrollments(client, owner, dripId).first?["status"] as? String == "exited" }
            #expect(try await texts(client, owner).isEmpty)

            for (json, field) in [
                (#"{"business_id":"\#(owner.businessId)","name":"x","trigger":{"type":"lead.exploded"},"actions":[{"type":"exit"}]}"#, "trigger"),
                (#"{"business_id":"\#(owner.businessId)","name":"x","trigger":{"type":"lead.created"},"actions":[]}"#, "actions"),
                (#"{"business_id":"\#(owner.businessId)","name":"x","trigger":{"type":"lead.created"},"actions":[{"type":"teleport"}]}"#, "actions"),
                (#"{"business_id":"\#(owner.businessId)","name":"x","trigger":{"type":"lead.created"},"actions":[{"type":"wait","minutes":0}]}"#, "actions"),
                (#"{"business_id":"\#(owner.businessId)","name":"x","trigger":{"type":"lead.created"},"conditions":[{"field":"lead.shoe_size","op":"eq","value":9}],"actions":[{"type":"exit"}]}"#, "conditions"),
                (#"{"business_id":"\#(owner.businessId)","name":"x","trigger":{"type":"lead.created","outcome":"booked"},"actions":[{"type":"exit"}]}"#, "trigger"),
                (#"{"business_id":"\#(owner.businessId)","trigger":{"type":"lead.created"},"actions":[{"type":"exit"}]}"#, "name"),
                (#"{"business_id":"\#(owner.businessId)","name":"x","trigger":{"type":"lead.created"},"actions":[{"type":"webhook","url":"ftp://example.com"}]}"#, "actions"),
            ] {
                let refused = try await create(json)
                #expect(refused.status == .unprocessableContent || refused.status == .badRequest, "\(json): \(refused.json)")
                #expect(refused.details.keys.contains { $0.hasPrefix(field) } || (refused.json["message"] as? String)?.contains(field) == true, "\(json): \(refused.json)")
            }
            let stranger = try await client.register("Stranger")
            #expect(try await client.call(.get, "/api/workflows/\(dripId)", token: try await token(client, stranger)).status == .notFound)
            #expect(try await client.call(.get, "/api/workflows/\(dripId)/enrollments", token: try await token(client, stranger)).status == .notFound)
            #expect(try await client.call(.get, "/api/workflows?business_id=\(owner.businessId)", token: try await token(client, stranger)).status == .notFound)
            #expect(try await client.call(.get, "/api/workflows?business_id=\(owner.businessId)", token: try await token(client, owner)).list("workflows").count == 2)
            #expect(try await client.call(.delete, "/api/workflows/\(dripId)", token: try await token(client, owner)).status == .ok)
            #expect(try await client.call(.get, "/api/workflows/\(dripId)", token: try await token(client, owner)).status == .notFound)
        }
    }

    @Test("a webhook step answered 500 is tried again; one cut off mid-delivery by a crash is logged unconfirmed and not sent again")
    func webhookRetryAndCrash() async throws {
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        let app = TestApp()
        try await app.serve { client in
            let owner = try await client.register("Owner")
            let created = try await client.call(
                .post, "/api/workflows", token: owner.token,
                json: #"{"business_id":"\#(owner.businessId)","name":"Hook","trigger":{"type":"lead.created"},"actions":[{"type":"wait","minutes":10},{"type":"webhook","url":"\#(receiver.url)"},{"type":"add_tag","tag":"hooked"}]}"#)
            let workflow = try #require(created["id"] as? String, "\(created.json)")

            // A receiver that fails once: the step is logged `retrying`, then delivered once after the scheduler's 30 s.
            receiver.failuresToGive.withLock { $0 = 1 }
            let first = try #require(try await client.createLead(owner, phone: "+15551230091", name: "Ana One")["id"] as? String)
            try await eventually("waiting") { try await enrollments(client, owner, workflow).first?["step"] as? Int == 1 }
            client.clock.advance(seconds: 10 * 60 + 1)
            try await eventually("refused once, and the step put back for a retry") {
                let pending = try await client.call(.get, "/api/jobs?business_id=\(owner.businessId)&status=pending", token: try await token(client, owner))
                return receiver.deliveries.count == 1 && pending.list("jobs").contains { $0["attempts"] as? Int == 1 }
            }
            client.clock.advance(seconds: 31)
            try await eventually("completed") { try await enrollments(client, owner, workflow).first?["status"] as? String == "completed" }
            #expect(receiver.deliveries.count == 2)
            #expect(Set(receiver.deliveries.compactMap(\.webhookId)).count == 1, "the retry carries the same webhook-id")
            let log = try #require(try await enrollments(client, owner, workflow).first?["log"] as? [[String: Any]])
            #expect(log.map { "\($0["action"] ?? "")/\($0["status"] ?? "")" } == ["wait/waiting", "webhook/retrying", "webhook/done", "add_tag/done"])

            // A process died while posting the second lead's webhook: its marker is in the log.
            let second = try #require(try await client.createLead(owner, phone: "+15551230092", name: "Bo Two")["id"] as? String)
            #expect(first != second)
            try await eventually("second waiting") {
                try await enrollments(client, owner, workflow).contains { $0["lead_id"] as? String == second && $0["step"] as? Int == 1 }
            }
            let store = try await app.openStore()
            let page = try await store.workflows.enrollments(workflow: WorkflowID(rawValue: workflow), status: .active, page: PageRequest(page: 1, limit: 10))
            var cutOff = try #require(page.items.first)
            cutOff.log.append(EnrollmentLogEntry(step: 2, action: "webhook", status: "sending", detail: receiver.url, at: client.clock.now))
            try await store.workflows.save(cutOff)
            await store.close()
            client.clock.advance(seconds: 10 * 60 + 1)
            try await eventually("second completed") {
                try await enrollments(client, owner, workflow).allSatisfy { $0["status"] as? String == "completed" }
            }
            #expect(receiver.deliveries.count == 2, "not posted again")
            let secondLog = try #require(try await enrollments(client, owner, workflow).first { $0["lead_id"] as? String == second }?["log"] as? [[String: Any]])
            #expect(secondLog.map { "\($0["action"] ?? "")/\($0["status"] ?? "")" } == ["wait/waiting", "webhook/unconfirmed", "add_tag/done"])
        }
    }

    @Test("a goal reached before a step ends the enrollment there: the converted lead gets no nudge, the other does")
    func goalEndsEnrollment() async throws {
        try await TestApp().serve { client in
            let owner = try await client.register("Owner")
            _ = try await client.call(
                .put, "/api/businesses/\(owner.businessId)", token: owner.token, json: #"{"settings":{"follow_ups":{"quiet_hours":null}}}"#)
            let created = try await client.call(
                .post, "/api/workflows", token: owner.token,
                json: #"{"business_id":"\#(owner.businessId)","name":"Nudge","trigger":{"type":"lead.created"},"goal":[{"field":"lead.status","op":"eq","value":"converted"}],"actions":[{"type":"wait","minutes":60},{"type":"send_sms","text":"Still interested, {{contact.first_name}}?"}]}"#)
            #expect(created.status == .created, "\(created.json)")
            #expect((created["goal"] as? [[String: Any]])?.count == 1)
            let workflow = try #require(created["id"] as? String)
            let converted = try #require(try await client.createLead(owner, phone: "+15551230901", name: "Cara Won")["id"] as? String)
            _ = try await client.createLead(owner, phone: "+15551230902", name: "Dan Open")
            try await eventually("both waiting") { try await enrollments(client, owner, workflow).filter { $0["step"] as? Int == 1 }.count == 2 }
            #expect(try await client.call(.put, "/api/leads/\(converted)", token: owner.token, json: #"{"status":"converted"}"#).status == .ok)
            client.clock.advance(seconds: 61 * 60)
            try await eventually("both finished") {
                try await enrollments(client, owner, workflow).allSatisfy { $0["status"] as? String == "completed" }
            }
            #expect(try await texts(client, owner).compactMap { $0["body"] as? String } == ["Still interested, Dan?"])
            let log = try #require(try await enrollments(client, owner, workflow).first { $0["lead_id"] as? String == converted }?["log"] as? [[String: Any]])
            #expect(log.map { $0["action"] as? String } == ["wait", "goal"])
        }
    }

    @Test("contact.tagged: a tag a member adds (or a workflow adds) starts the workflow for that tag only, with the contact's lead")
    func tagTrigger() async throws {
        try await TestApp().serve { client in
            let owner = try await client.register("Owner")
            _ = try await client.call(
                .put, "/api/businesses/\(owner.businessId)", token: owner.token, json: #"{"settings":{"follow_ups":{"quiet_hours":null}}}"#)
            let vip = try await client.call(
                .post, "/api/workflows", token: owner.token,
                json: #"{"business_id":"\#(owner.businessId)","name":"VIP welcome","trigger":{"type":"contact.tagged","tag":"vip"},"actions":[{"type":"send_sms","text":"Welcome to the club, {{contact.first_name}} ({{event.tag}})"}]}"#)
            #expect(vip.status == .created, "\(vip.json)")
            let tagger = try await client.call(
                .post, "/api/workflows", token: owner.token,
                json: #"{"business_id":"\#(owner.businessId)","name":"Big spenders","trigger":{"type":"lead.updated"},"conditions":[{"field":"lead.company","op":"eq","value":"Acme"}],"actions":[{"type":"add_tag","tag":"vip"}]}"#)
            #expect(tagger.status == .created, "\(tagger.json)")

            let ana = try #require(try await client.createLead(owner, phone: "+15551231101", name: "Ana Tag")["id"] as? String)
            _ = try await client.createLead(owner, phone: "+15551231102", name: "Bo Tag")
            try await eventually("contacts made") {
                try await client.call(.get, "/api/contacts?business_id=\(owner.businessId)", token: owner.token).list("contacts").count == 2
            }
            // A member tags Bo "vip" (and "late", which starts nothing).
            let bo = try #require(
                try await client.call(.get, "/api/contacts?business_id=\(owner.businessId)&search=Bo", token: owner.token).list("contacts").first?["id"] as? String)
            #expect(try await client.call(.put, "/api/contacts/\(bo)", token: owner.token, json: #"{"tags":["vip","late"]}"#).status == .ok)
            try await eventually("Bo's welcome") { try await texts(client, owner).contains { $0["body"] as? String == "Welcome to the club, Bo (vip)" } }
            // A workflow tags Ana (her company became Acme): the same welcome.
            #expect(try await client.call(.put, "/api/leads/\(ana)", token: owner.token, json: #"{"company":"Acme"}"#).status == .ok)
            try await eventually("Ana's welcome") { try await texts(client, owner).contains { $0["body"] as? String == "Welcome to the club, Ana (vip)" } }
            // Tagged again: no second welcome (enrolled once).
            #expect(try await client.call(.put, "/api/contacts/\(bo)", token: owner.token, json: #"{"tags":[]}"#).status == .ok)
            #expect(try await client.call(.put, "/api/contacts/\(bo)", token: owner.token, json: #"{"tags":["vip"]}"#).status == .ok)
            try await Task.sleep(for: .milliseconds(600))
            #expect(try await texts(client, owner).count == 2)
            let refused = try await client.call(
                .post, "/api/workflows", token: owner.token,
                json: #"{"business_id":"\#(owner.businessId)","name":"x","trigger":{"type":"lead.created","tag":"vip"},"actions":[{"type":"exit"}]}"#)
            #expect(refused.status == .unprocessableContent, "\(refused.json)")
        }
    }

    @Test("assign hands the lead's conversations to a member (published as conversation.assigned); an assignee outside the business is refused")
    func assignConversations() async throws {
        try await TestApp().serve { client in
            let owner = try await client.register("Owner")
            let lead = try #require(try await client.createLead(owner, phone: "+15551231201", name: "Eve Hand")["id"] as? String)
            let sent = try await client.call(
                .post, "/api/sms", token: owner.token, json: #"{"business_id":"\#(owner.businessId)","lead_id":"\#(lead)","message":"Hi Eve"}"#)
            #expect(sent.status == .created, "\(sent.json)")
            let created = try await client.call(
                .post, "/api/workflows", token: owner.token,
                json: #"{"business_id":"\#(owner.businessId)","name":"Hot lead to the owner","trigger":{"type":"lead.updated"},"conditions":[{"field":"lead.status","op":"eq","value":"contacted"}],"actions":[{"type":"assign","user_id":"\#(owner.userId)"}]}"#)
            #expect(created.status == .created, "\(created.json)")
            #expect(try await client.call(.put, "/api/leads/\(lead)", token: owner.token, json: #"{"status":"contacted"}"#).status == .ok)
            try await eventually("assigned") {
                try await client.call(.get, "/api/conversations?business_id=\(owner.businessId)", token: owner.token).list("conversations")
                    .contains { $0["assignee_id"] as? String == owner.userId }
            }
            let stranger = try await client.register("Stranger")
            let refused = try await client.call(
                .post, "/api/workflows", token: owner.token,
                json: #"{"business_id":"\#(owner.businessId)","name":"x","trigger":{"type":"lead.created"},"actions":[{"type":"assign","user_id":"\#(stranger.userId)"}]}"#)
            #expect(refused.status == .unprocessableContent && refused.details["actions"]?.first?.contains("not a member") == true, "\(refused.json)")
        }
    }

    @Test("a workflow that re-triggers itself with allow_reentry does not loop: a lead re-enters only after its last run finished and ten minutes passed")
    func reentryLoopGuard() async throws {
        try await TestApp().serve { client in
            let owner = try await client.register("Owner")
            let created = try await client.call(
                .post, "/api/workflows", token: owner.token,
                json: #"{"business_id":"\#(owner.businessId)","name":"Flip","allow_reentry":true,"trigger":{"type":"lead.updated"},"actions":[{"type":"update_lead_status","status":"contacted"},{"type":"update_lead_status","status":"new"}]}"#)
            let workflow = try #require(created["id"] as? String, "\(created.json)")
            let lead = try #require(try await client.createLead(owner, phone: "+15551231301", name: "Lu Loop")["id"] as? String)
            #expect(try await client.call(.put, "/api/leads/\(lead)", token: owner.token, json: #"{"company":"Loop Inc"}"#).status == .ok)
            try await eventually("the first run finished") { try await enrollments(client, owner, workflow).first?["status"] as? String == "completed" }
            // Its own status changes set off lead.updated four times: none enrolled it again.
            try await Task.sleep(for: .milliseconds(800))
            #expect(try await enrollments(client, owner, workflow).count == 1)
            client.clock.advance(seconds: 11 * 60)
            #expect(try await client.call(.put, "/api/leads/\(lead)", token: try await token(client, owner), json: #"{"company":"Loop Two"}"#).status == .ok)
            try await eventually("enrolled again after the cooldown") { try await enrollments(client, owner, workflow).count == 2 }
            try await Task.sleep(for: .milliseconds(800))
            #expect(try await enrollments(client, owner, workflow).count == 2)
        }
    }
}
