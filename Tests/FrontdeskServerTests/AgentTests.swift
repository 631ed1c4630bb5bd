import Foundation
import FrontdeskCore
import FrontdeskServer
import HTTPTypes
import Testing

@Suite("Agents")
struct AgentTests {
    @Test("an agent is created active, stopped and started, with live status")
    func lifecycle() async throws {
        let clock = TestClock()
        try await TestApp(clock: clock).run { client in
            let tenant = try await client.register()
            let created = try await client.call(
                .post, "/api/agents", token: tenant.token,
                json: """
                    {"business_id":"\(tenant.businessId)","name":"Sales Agent","phone_number":"+1 (555) 010-7777",
                     "voice_settings":{"voice_id":"voice_123","speed":1.0,"pitch":1.0},
                     "behavior_settings":{"personality":"professional","conversation_style":"friendly","escalation_triggers":["angry","confused"]},
                     "working_hours":{"monday":{"open":"09:00","close":"17:00"}}}
                    """)
            #expect(created.status == .created)
            #expect(created["is_active"] as? Bool == true)
            #expect(created["phone_number"] as? String == "+15550107777")
            #expect(created["behavior_settings.escalation_triggers"] as? [String] == ["angry", "confused"])
            let id = created["id"] as! String
            clock.advance(seconds: 90)
            let status = try await client.call(.get, "/api/agents/\(id)/status", token: tenant.token)
            #expect(status["status"] as? String == "active")
            #expect(status["uptime"] as? Int == 90_000)
            #expect(status["active_calls"] as? Int == 0)
            #expect(status["total_calls_today"] as? Int == 0)
            let stopped = try await client.call(.post, "/api/agents/\(id)/stop", token: tenant.token)
            #expect(stopped["status"] as? String == "inactive")
            #expect(stopped["uptime"] as? Int == 0)
            let inactive = try await client.call(.get, "/api/agents?business_id=\(tenant.businessId)&status=inactive", token: tenant.token)
            #expect(inactive.list("agents").count == 1)
            _ = try await client.call(.post, "/api/agents/\(id)/start", token: tenant.token)
            let renamed = try await client.call(.put, "/api/agents/\(id)", token: tenant.token, json: #"{"name":"Riley","phone_number":null}"#)
            #expect(renamed["name"] as? String == "Riley")
            #expect(renamed["phone_number"] == nil)
            #expect(renamed["is_active"] as? Bool == true)
        }
    }

    @Test("one phone number answers for one agent only, across businesses; bad settings are 422")
    func phoneConflictAndValidation() async throws {
        try await TestApp().run { client in
            let a = try await client.register("A")
            let b = try await client.register("B")
            let first = try await client.call(
                .post, "/api/agents", token: a.token, json: #"{"business_id":"\#(a.businessId)","name":"One","phone_number":"+15550108888"}"#)
            #expect(first.status == .created)
            let second = try await client.call(
                .post, "/api/agents", token: b.token, json: #"{"business_id":"\#(b.businessId)","name":"Two","phone_number":"+15550108888"}"#)
            #expect(second.status == .conflict)
            #expect(second.details["phone_number"] != nil)
            let speed = try await client.call(
                .post, "/api/agents", token: a.token,
                json: #"{"business_id":"\#(a.businessId)","name":"Fast","voice_settings":{"speed":9}}"#)
            #expect(speed.status == .unprocessableContent)
            #expect(speed.details["voice_settings.speed"] != nil)
            let trigger = try await client.call(
                .post, "/api/agents", token: a.token,
                json: #"{"business_id":"\#(a.businessId)","name":"X","behavior_settings":{"escalation_triggers":["sleepy"]}}"#)
            #expect(trigger.status == .unprocessableContent)
        }
    }
}
