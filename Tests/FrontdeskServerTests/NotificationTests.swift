import Foundation
import FrontdeskCore
@testable import FrontdeskServer
import FrontdeskSimulator
import FrontdeskWire
import Synchronization
import HTTPTypes
import Testing

@Suite("Notifications: the team hears of qualified leads, bookings, transfers, failures and stopped agents")
struct NotificationTests {
    @Test("a qualified lead and a booking notify every member; admins also get an email; each reads and marks their own")
    func teamIsTold() async throws {
        let app = TestApp()
        try await app.serve { client in
            let owner = try await client.register("Owner")
            let helper = try await client.register("Helper")
            let other = try await client.register("Other")
            let added = try await client.call(
                .post, "/api/businesses/\(owner.businessId)/members", token: owner.token, json: #"{"email":"\#(helper.email)","role":"agent"}"#)
            #expect(added.status == .created)
            try await client.openWeekdays(owner)
            let socket = try #require(await EventStreamClient.connect(
                base: "http://127.0.0.1:\(client.port)", token: owner.token, query: "business_id=\(owner.businessId)"))
            defer { Task { await socket.close() } }

            let lead = try await client.createLead(owner, name: "Maria Lopez")
            let leadId = try #require(lead["id"] as? String)
            #expect(try await client.call(
                .post, "/api/leads/\(leadId)/qualify", token: owner.token,
                json: #"{"criteria":{"budget":"high","timeline":"immediate","decision_maker":true,"need":"teeth cleaning"}}"#).status == .ok)
            #expect(try await client.call(
                .post, "/api/appointments", token: owner.token,
                json: #"{"business_id":"\#(owner.businessId)","lead_id":"\#(leadId)","scheduled_date":"\#(nextWeekday(after: client.clock.now, hour: 10))","type":"Cleaning"}"#
            ).status == .created)
            try await eventually("both notifications for both members") {
                try await client.call(.get, "/api/notifications", token: helper.token).list("notifications").count == 2
            }
            let list = try await client.call(.get, "/api/notifications?status=unread", token: owner.token)
            #expect(list["unread"] as? Int == 2)
            let qualified = try #require(list.list("notifications").first { $0["reason"] as? String == "lead.qualified" })
            #expect(qualified["type"] as? String == "lead")
            #expect(qualified["title"] as? String == "New qualified lead")
            #expect((qualified["message"] as? String)?.contains("Maria Lopez") == true)
            #expect((qualified["data"] as? [String: Any])?["lead_id"] as? String == leadId)
            #expect(list.list("notifications").contains { $0["reason"] as? String == "appointment.booked" && $0["type"] as? String == "appointment" })
            #expect(try await client.call(.get, "/api/notifications?type=lead", token: owner.token).list("notifications").count == 1)
            #expect(try await client.call(.get, "/api/notifications", token: other.token).list("notifications").isEmpty)
            #expect(try await client.call(.get, "/api/notifications?status=nope", token: owner.token).status == .unprocessableContent)

            // The admin's email is in the outbox; the agent-role member gets none; appointments send none.
            try await eventually("the owner's email") {
                try await client.call(.get, "/api/emails?business_id=\(owner.businessId)", token: owner.token).list("messages")
                    .contains { $0["to"] as? String == owner.email && ($0["subject"] as? String)?.contains("New qualified lead") == true }
            }
            let emails = try await client.call(.get, "/api/emails?business_id=\(owner.businessId)", token: owner.token).list("messages")
            #expect(!emails.contains { $0["to"] as? String == helper.email })
            #expect(!emails.contains { ($0["subject"] as? String)?.contains("Appointment") == true })
            // notification.created on the socket.
            #expect(await socket.wait { $0.contains { $0.type == "notification.created" && $0.data["title"]?.text == "New qualified lead" } })

            // Marked read: one, then the rest; another's notification is not found.
            let id = try #require(qualified["id"] as? String)
            #expect(try await client.call(.put, "/api/notifications/\(id)/read", token: helper.token).status == .notFound)
            let marked = try await client.call(.put, "/api/notifications/\(id)/read", token: owner.token)
            #expect(marked["status"] as? String == "read" && marked["read_at"] is String)
            #expect(try await client.call(.get, "/api/notifications", token: owner.token)["unread"] as? Int == 1)
            #expect(try await client.call(.put, "/api/notifications/read", token: owner.token)["marked"] as? Int == 1)
            #expect(try await client.call(.get, "/api/notifications", token: owner.token)["unread"] as? Int == 0)
            #expect(try await client.call(.put, "/api/notifications/read?business_id=\(other.businessId)", token: owner.token).status == .notFound)
        }
    }

    @Test("an agent stopped, and a webhook endpoint Frontdesk turned off, reach the admins")
    func agentAndWebhook() async throws {
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        var app = TestApp()
        app.webhookRetries = WebhookRetrySchedule(waits: [])
        try await app.serve { client in
            let owner = try await client.register("Owner")
            let agent = try await client.call(
                .post, "/api/agents", token: owner.token, json: #"{"business_id":"\#(owner.businessId)","name":"Riley","phone_number":"+15550100777"}"#)
            let agentId = try #require(agent["id"] as? String)
            #expect(try await client.call(.post, "/api/agents/\(agentId)/stop", token: owner.token).status == .ok)
            receiver.failing.withLock { $0 = true }
            let endpoint = try await client.call(
                .post, "/api/webhooks", token: owner.token,
                json: #"{"business_id":"\#(owner.businessId)","url":"\#(receiver.url)","events":["lead.created"]}"#)
            #expect(endpoint.status == .created)
            #expect(try await client.createLead(owner).status == .created)
            try await eventually("both notifications") {
                let reasons = try await client.call(.get, "/api/notifications", token: owner.token).list("notifications").compactMap { $0["reason"] as? String }
                return Set(reasons) == ["agent.status", "webhook.disabled"]
            }
            let notes = try await client.call(.get, "/api/notifications", token: owner.token).list("notifications")
            #expect(notes.first { $0["reason"] as? String == "agent.status" }?["title"] as? String == "Agent stopped")
            let disabled = try #require(notes.first { $0["reason"] as? String == "webhook.disabled" })
            #expect(disabled["type"] as? String == "system")
            #expect((disabled["data"] as? [String: Any])?["webhook_id"] as? String == endpoint["id"] as? String)
            try await eventually("the email about the endpoint") {
                try await client.call(.get, "/api/emails?business_id=\(owner.businessId)", token: owner.token).list("messages")
                    .contains { ($0["subject"] as? String)?.contains("webhook endpoint was turned off") == true }
            }
        }
    }
}
