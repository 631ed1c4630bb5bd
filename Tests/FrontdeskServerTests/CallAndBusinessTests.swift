import Foundation
import FrontdeskCore
import FrontdeskServer
import FrontdeskStore
import HTTPTypes
import Testing

@Suite("Calls and businesses")
struct CallAndBusinessTests {
    @Test("a call recorded by the runtime shows in the log with its transcript, and in full with its turns")
    func callLog() async throws {
        let app = TestApp()
        try await app.run { client in
            let tenant = try await client.register()
            let other = try await client.register("Other")
            let lead = try await client.createLead(tenant, phone: "+15553334444")["id"] as! String
            // The call runtime (a later issue) writes calls through the store; do the same here, on the
            // same database file the server uses.
            let store = try await app.openStore()
            defer { Task { await store.close() } }
            let now = client.clock.now
            let call = Call(
                id: .generate(), businessId: BusinessID(rawValue: tenant.businessId), agentId: nil,
                leadId: LeadID(rawValue: lead), phone: PhoneNumber("+15553334444"), direction: .inbound,
                provider: "telnyx", providerCallId: "v3:test", status: .completed, duration: 95, recordingUrl: nil,
                outcome: .booked, summary: "Booked a cleaning", hangupCause: "normal_clearing", startedAt: now,
                endedAt: now.addingTimeInterval(95), createdAt: now)
            try await store.calls.save(call)
            for (index, (speaker, text)) in [(Speaker.agent, "Bright Smile, how can I help?"), (.caller, "A cleaning on Tuesday")].enumerated() {
                try await store.calls.append(TranscriptTurn(
                    callId: call.id, sequence: index, speaker: speaker, text: text, startedAt: now, endedAt: nil,
                    confidence: speaker == .caller ? 0.93 : nil, latencyMs: speaker == .agent ? 420 : nil))
            }

            let list = try await client.call(.get, "/api/calls?business_id=\(tenant.businessId)&status=completed", token: tenant.token)
            let row = try #require(list.list("calls").first)
            #expect(row["duration"] as? Int == 95)
            #expect(row["transcript"] as? String == "Agent: Bright Smile, how can I help?\nCaller: A cleaning on Tuesday")
            let byLead = try await client.call(.get, "/api/calls?business_id=\(tenant.businessId)&lead_id=\(lead)", token: tenant.token)
            #expect(byLead.list("calls").count == 1)
            let failed = try await client.call(.get, "/api/calls?business_id=\(tenant.businessId)&status=failed", token: tenant.token)
            #expect(failed.list("calls").isEmpty)

            let detail = try await client.call(.get, "/api/calls/\(call.id)", token: tenant.token)
            #expect(detail["outcome"] as? String == "booked")
            let turns = try #require(detail.data["turns"] as? [[String: Any]])
            #expect(turns.map { $0["speaker"] as? String } == ["agent", "caller"])
            #expect(turns[1]["confidence"] as? Double == 0.93)
            let hidden = try await client.call(.get, "/api/calls/\(call.id)", token: other.token)
            #expect(hidden.status == .notFound)
        }
    }

    @Test("businesses are searched by name, created with the caller as admin, and deleted with everything they own")
    func businesses() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register("Owner")
            let created = try await client.call(
                .post, "/api/businesses", token: tenant.token,
                json: #"{"name":"Second 100% Shop","settings":{"timezone":"Europe/Berlin","business_hours":{"monday":{"open":"08:00","close":"16:00"}}}}"#)
            #expect(created.status == .created)
            #expect(created["settings.timezone"] as? String == "Europe/Berlin")
            let second = created["id"] as! String
            let all = try await client.call(.get, "/api/businesses", token: tenant.token)
            #expect(all["pagination.total"] as? Int == 2)
            let found = try await client.call(.get, "/api/businesses?search=100%25", token: tenant.token)
            #expect(found.list("businesses").map { $0["id"] as? String } == [second])
            let none = try await client.call(.get, "/api/businesses?search=_", token: tenant.token)
            #expect(none.list("businesses").isEmpty, "LIKE wildcards in the search are literal")

            let lead = try await client.call(
                .post, "/api/leads", token: tenant.token, json: #"{"business_id":"\#(second)","phone":"+4930123456"}"#)["id"] as! String
            let deleted = try await client.call(.delete, "/api/businesses/\(second)", token: tenant.token)
            #expect(deleted.status == .ok)
            #expect(try await client.call(.get, "/api/businesses/\(second)", token: tenant.token).status == .notFound)
            #expect(try await client.call(.get, "/api/leads/\(lead)", token: tenant.token).status == .notFound)
            let zone = try await client.call(
                .post, "/api/businesses", token: tenant.token, json: #"{"name":"X","settings":{"timezone":"EST"}}"#)
            #expect(zone.details["settings.timezone"] != nil)
        }
    }
}
