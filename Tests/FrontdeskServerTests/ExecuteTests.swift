import Foundation
import FrontdeskServer
import HTTPTypes
import Testing

@Suite("POST /agents/{id}/execute: the receptionist over the API")
struct ExecuteTests {
    /// Sunday 22 November 2026, 10:00 in New York: "Tuesday" is the 24th.
    static func app() -> TestApp { TestApp(clock: TestClock(try! Date("2026-11-22T15:00:00Z", strategy: .iso8601))) }

    struct Setup {
        let tenant: Tenant
        let agent: String
        let lead: String
    }

    static func setUp(_ client: TestApp.Client) async throws -> Setup {
        let tenant = try await client.register()
        try await client.openWeekdays(tenant)
        let agent = try await client.call(
            .post, "/api/agents", token: tenant.token,
            json: #"{"business_id":"\#(tenant.businessId)","name":"Riley","phone_number":"+15550100123"}"#)["id"] as! String
        let lead = try await client.call(
            .post, "/api/leads", token: tenant.token,
            json: #"{"business_id":"\#(tenant.businessId)","phone":"+15551234567","source":"sms"}"#)["id"] as! String
        return Setup(tenant: tenant, agent: agent, lead: lead)
    }

    static func say(_ client: TestApp.Client, _ setup: Setup, _ message: String, lead: Bool = true) async throws -> APIResult {
        let leadPart = lead ? #""leadId":"\#(setup.lead)","# : ""
        return try await client.call(
            .post, "/api/agents/\(setup.agent)/execute", token: setup.tenant.token,
            json: #"{"input":{\#(leadPart)"message":"\#(message)","context":{"previousInteractions":0}}}"#)
    }

    @Test("a booking conversation over several requests books the slot, texts a confirmation and scores the lead")
    func booking() async throws {
        try await Self.app().run { client in
            let setup = try await Self.setUp(client)
            let day = "2026-11-24T15:00:00Z"
            let first = try await Self.say(client, setup, "Hi, I'm Maria, can I get a cleaning on Tuesday at 10am?")
            #expect(first.status == .ok, "\(first.json)")
            #expect((first["output.response"] as? String)?.hasPrefix("Just to confirm: a cleaning on Tuesday") == true)
            #expect(first["output.confidence"] as? Double == 1.0)
            #expect(first["usage.totalCost"] as? Double == 0)
            #expect(first["policy"] as? String == "scripted")

            let second = try await Self.say(client, setup, "yes please")
            let actions = (second["output.actions"] as? [[String: Any]]) ?? []
            let types = actions.compactMap { $0["type"] as? String }
            #expect(types.contains("book_appointment"))
            #expect(types.contains("send_sms"))
            let booked = try #require(actions.first { $0["type"] as? String == "book_appointment" }?["parameters"] as? [String: Any])
            #expect(booked["scheduled_date"] as? String == day)
            #expect(second["lead.name"] as? String == "Maria")
            #expect((second["lead.qualification_score"] as? Int ?? 0) >= 20 + 25 + 15 + 5 + 10 - 10, "\(second["lead.score_explanation"] ?? "")")
            #expect(second["conversation.turn"] as? Int == 2)

            let appointments = try await client.call(.get, "/api/appointments?business_id=\(setup.tenant.businessId)&lead_id=\(setup.lead)", token: setup.tenant.token)
            #expect(appointments.list("appointments").map { $0["scheduled_date"] as? String } == [day])
            let sms = try await client.call(.get, "/api/sms?business_id=\(setup.tenant.businessId)", token: setup.tenant.token)
            #expect((sms.list("messages").first?["body"] as? String)?.contains("10:00 AM") == true)
            #expect(sms.list("messages").first?["to"] as? String == "+15551234567")
        }
    }

    @Test("the conversation resumes per lead; without a lead each message starts fresh")
    func resume() async throws {
        try await Self.app().run { client in
            let setup = try await Self.setUp(client)
            _ = try await Self.say(client, setup, "I'd like a cleaning")
            let kept = try await Self.say(client, setup, "Thursday")
            #expect((kept["output.response"] as? String)?.hasPrefix("On Thursday") == true, "\(kept.json)")
            #expect(kept["conversation.kept"] as? Bool == true)
            _ = try await Self.say(client, setup, "I'd like a cleaning", lead: false)
            let fresh = try await Self.say(client, setup, "Thursday", lead: false)
            #expect(fresh["conversation.turn"] as? Int == 1)
            #expect(fresh["conversation.kept"] as? Bool == false)
        }
    }

    @Test("the caller cancels their appointment by conversation")
    func cancel() async throws {
        try await Self.app().run { client in
            let setup = try await Self.setUp(client)
            let appointment = try await client.call(
                .post, "/api/appointments", token: setup.tenant.token,
                json: #"{"business_id":"\#(setup.tenant.businessId)","lead_id":"\#(setup.lead)","scheduled_date":"\#(nextWeekday(after: client.clock.now, hour: 11))","type":"Cleaning"}"#)["id"] as! String
            let ask = try await Self.say(client, setup, "I need to cancel my appointment")
            #expect((ask["output.response"] as? String)?.contains("Shall I cancel it?") == true)
            let done = try await Self.say(client, setup, "yes")
            #expect(((done["output.actions"] as? [[String: Any]]) ?? []).contains { $0["type"] as? String == "cancel_appointment" })
            let stored = try await client.call(.get, "/api/appointments/\(appointment)", token: setup.tenant.token)
            #expect(stored["status"] as? String == "cancelled")
        }
    }

    @Test("a stopped agent does not converse; bad input and other tenants are refused")
    func refusals() async throws {
        try await Self.app().run { client in
            let setup = try await Self.setUp(client)
            let empty = try await Self.say(client, setup, " ")
            #expect(empty.details["input.message"] != nil)
            let missing = try await client.call(.post, "/api/agents/\(setup.agent)/execute", token: setup.tenant.token, json: #"{"message":"hi"}"#)
            #expect(missing.details["input"] == ["is required"])
            let other = try await client.register("Other")
            let foreign = try await client.call(
                .post, "/api/agents/\(setup.agent)/execute", token: other.token, json: #"{"input":{"message":"hi"}}"#)
            #expect(foreign.status == .notFound)
            let otherLead = try await client.createLead(other)["id"] as! String
            let wrongLead = try await client.call(
                .post, "/api/agents/\(setup.agent)/execute", token: setup.tenant.token,
                json: #"{"input":{"leadId":"\#(otherLead)","message":"hi"}}"#)
            #expect(wrongLead.details["input.leadId"] != nil)
            _ = try await client.call(.post, "/api/agents/\(setup.agent)/stop", token: setup.tenant.token)
            let stopped = try await Self.say(client, setup, "hello")
            #expect(stopped.status == .unprocessableContent)
            #expect(stopped.details["agent"] != nil)
        }
    }
}
