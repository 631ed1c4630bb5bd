import Foundation
import FrontdeskCore
import FrontdeskServer
import FrontdeskSimulator
import FrontdeskWire
import HTTPTypes
import Testing

/// The CRM seed's analytics, integrations and achievements, from calls and texts that really happened.
@Suite("CRM analytics: the dashboard, each agent's performance, integrations and achievements")
struct CRMAnalyticsTests {
    @Test("a booked call, a call a member took over and a text thread a member took: counted per agent, on the dashboard and as milestones")
    func fromRealWork() async throws {
        try await InboxTests().withInbox { telnyx, server, client, owner, helper in
            // Call 1 books.
            let first = "v3:analytics-1"
            try await telnyx.post("call.initiated", TelnyxSender.call(first, state: nil))
            try await eventually("answer") { server.commands("answer").count == 1 }
            try await telnyx.post("call.answered", TelnyxSender.call(first))
            try await eventually("greeting") { server.spoken.count == 1 }
            try await telnyx.post("call.speak.ended", TelnyxSender.call(first, state: "speak"))
            try await telnyx.post("call.transcription", TelnyxSender.said(first, "Hi, I'm Maria, can I get a cleaning next Tuesday at 10?"))
            try await eventually("confirmation question") { server.spoken.count == 2 }
            try await telnyx.post("call.speak.ended", TelnyxSender.call(first, state: "speak"))
            try await telnyx.post("call.transcription", TelnyxSender.said(first, "yes"))
            try await eventually("booked") { server.spoken.count == 3 }
            try await telnyx.post("call.speak.ended", TelnyxSender.call(first, state: "speak"))
            try await telnyx.post("call.hangup", TelnyxSender.call(first, #""hangup_cause":"normal_clearing""#))

            // Call 2, from someone else, is taken over by Pat.
            let second = "v3:analytics-2"
            let other = "+15557650002"
            try await telnyx.post("call.initiated", TelnyxSender.call(second, state: nil, caller: other))
            try await eventually("answer") { server.commands("answer").count == 2 }
            try await telnyx.post("call.answered", TelnyxSender.call(second, caller: other))
            try await eventually("greeting") { server.spoken.count == 4 }
            try await telnyx.post("call.speak.ended", TelnyxSender.call(second, state: "speak", caller: other))
            _ = try await client.call(.put, "/api/notifications/preferences", token: helper.token, json: #"{"business_id":"\#(owner.business)","phone":"+15550109876"}"#)
            let live = try await client.call(.get, "/api/calls?business_id=\(owner.business)&status=in_progress", token: owner.token)
            let liveId = try #require(live.list("calls").first?["id"] as? String)
            #expect(try await client.call(.post, "/api/calls/\(liveId)/takeover", token: helper.token).status == .ok)
            try await eventually("told") { server.spoken.count == 5 }
            try await telnyx.post("call.speak.ended", TelnyxSender.call(second, state: "speak", caller: other))
            try await eventually("transferred") { server.commands("transfer").count == 1 }
            try await telnyx.post("call.hangup", TelnyxSender.call(second, #""hangup_cause":"normal_clearing""#, caller: other))
            try await eventually("both calls closed") {
                try await client.call(.get, "/api/calls?business_id=\(owner.business)&status=in_progress", token: owner.token).list("calls").isEmpty
            }

            // A text whose thread Pat takes.
            try await telnyx.post("message.received", TelnyxWebhookTests.text("Do you take my insurance?"), path: "/api/sms/webhook")
            try await eventually("reply") { server.commands("messages").count == 2 }  // the booking confirmation, then this reply
            let thread = try #require(try await client.call(.get, "/api/conversations?business_id=\(owner.business)&channel=sms", token: owner.token)
                .list("conversations").first?["id"] as? String)
            #expect(try await client.call(.post, "/api/conversations/\(thread)/assign", token: helper.token).status == .ok)

            // Per agent.
            let performance = try await client.call(.get, "/api/analytics/ai-performance?business_id=\(owner.business)&hourly_rate=30", token: owner.token)
            #expect(performance.status == .ok, "\(performance.json)")
            let agent = try #require(performance.list("agents").first)
            #expect(agent["name"] as? String == "Riley")
            let metrics = try #require(agent["metrics"] as? [String: Any])
            #expect(metrics["calls"] as? Int == 2)
            #expect(metrics["text_conversations"] as? Int == 1)
            #expect(metrics["total_interactions"] as? Int == 3)
            #expect(metrics["escalations"] as? Int == 2, "the call taken over and the text thread taken")
            #expect(metrics["successful_interactions"] as? Int == 1)
            #expect(metrics["booking_conversion"] as? Double == 0.5)
            #expect((metrics["average_turns"] as? Double ?? 0) >= 3)
            let latency = try #require(metrics["turn_latency"] as? [String: Any])
            #expect(latency["turns"] as? Int == 2, "the booked call's two answers (a greeting and a hand-over answer nobody's words)")
            #expect((latency["p95_ms"] as? Int ?? -1) >= (latency["p50_ms"] as? Int ?? 0))
            let overall = try #require(performance.data["overall"] as? [String: Any])
            #expect(overall["automation_rate"] as? Double == 0.333)
            #expect(overall["total_savings"] is Double)
            #expect(try await client.call(.get, "/api/analytics/ai-performance?business_id=\(owner.business)", token: owner.token)["overall.total_savings"] is NSNull)
            #expect(try await client.call(.get, "/api/analytics/ai-performance?business_id=\(owner.business)&hourly_rate=-1", token: owner.token).status == .unprocessableContent)
            // A period with nothing in it.
            let empty = try await client.call(.get, "/api/analytics/ai-performance?business_id=\(owner.business)&start_date=2026-01-01&end_date=2026-01-31", token: owner.token)
            #expect((empty.list("agents").first?["metrics"] as? [String: Any])?["total_interactions"] as? Int == 0)

            // The dashboard.
            let dashboard = try await client.call(.get, "/api/analytics/dashboard?business_id=\(owner.business)", token: owner.token)
            #expect(dashboard["summary.total_leads"] as? Int == 2)
            #expect(dashboard["source_breakdown.call"] as? Int == 2)
            #expect(dashboard["receptionist.calls"] as? Int == 2)
            #expect(dashboard["receptionist.booked"] as? Int == 1)
            #expect(dashboard["trends.leads_this_month"] as? Int == 2)

            // Achievements: the first call and booking unlocked at the time they were made; 2 of 100 calls.
            let achievements = try await client.call(.get, "/api/achievements?business_id=\(owner.business)", token: owner.token)
            let byId = Dictionary(uniqueKeysWithValues: achievements.list("achievements").map { ($0["id"] as? String ?? "", $0) })
            #expect(byId["first_call"]?["unlocked_at"] is String)
            #expect(byId["first_booking"]?["unlocked_at"] is String)
            #expect(byId["first_text"]?["unlocked_at"] is String)
            #expect(byId["calls_100"]?["unlocked_at"] is NSNull)
            #expect((byId["calls_100"]?["progress"] as? [String: Any])?["percentage"] as? Int == 2)
            #expect(achievements["progress.total_unlocked"] as? Int == 3)

            // Integrations: Telnyx connected, the rest the operator's; the business connects its webhooks.
            let integrations = try await client.call(.get, "/api/integrations?business_id=\(owner.business)", token: owner.token).list("integrations")
            let status = Dictionary(uniqueKeysWithValues: integrations.map { ($0["id"] as? String ?? "", $0["status"] as? String ?? "") })
            #expect(status["telnyx"] == "connected" && status["twilio"] == "not_configured" && status["webhooks"] == "not_configured")
            #expect(status["llm"] == "embedded" && status["email"] == "embedded")
            let connectBody = #"{"credentials":{"webhookUrl":"http://127.0.0.1:9/hook"},"config":{"dataTypes":["leads","appointments"]}}"#
            #expect(try await client.call(.post, "/api/integrations/twilio/connect?business_id=\(owner.business)", token: owner.token, json: connectBody).status == .unprocessableContent)
            #expect(try await client.call(.post, "/api/integrations/webhooks/connect?business_id=\(owner.business)", token: helper.token, json: connectBody).status == .forbidden)
            #expect(try await client.call(
                .post, "/api/integrations/webhooks/connect?business_id=\(owner.business)", token: owner.token,
                json: #"{"credentials":{"webhookUrl":"http://127.0.0.1:9/hook"},"config":{"dataTypes":["gossip"]}}"#).status == .unprocessableContent)
            let connected = try await client.call(.post, "/api/integrations/webhooks/connect?business_id=\(owner.business)", token: owner.token, json: connectBody)
            #expect(connected.status == .created, "\(connected.json)")
            #expect((connected["webhook.secret"] as? String)?.hasPrefix("whsec_") == true)
            #expect(Set(connected["webhook.events"] as? [String] ?? []) == ["lead.created", "lead.updated", "lead.qualified", "appointment.booked", "appointment.moved", "appointment.cancelled"])
            #expect(connected["integration.status"] as? String == "connected")

            // Another tenant sees none of it.
            let stranger = try await client.register("Stranger")
            for path in ["/api/analytics/ai-performance", "/api/analytics/dashboard", "/api/achievements", "/api/integrations"] {
                #expect(try await client.call(.get, "\(path)?business_id=\(owner.business)", token: stranger.token).status == .notFound)
            }
        }
    }
}
