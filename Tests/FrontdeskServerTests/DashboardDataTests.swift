import Foundation
import FrontdeskCore
import FrontdeskStore
import HTTPTypes
import Testing

@testable import FrontdeskServer

/// What the dashboard added to the API, on each engine: calls per local day with after-hours calls
/// caught, leads filtered by score, and a business's members.
@Suite("Daily analytics, score filters and members")
struct DashboardDataTests {
    static func instant(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    @Test("calls per local day: answered, booked, after hours and LLM cost, today and over the period; days outside the window left out")
    func daily() async throws {
        // Wednesday 2026-12-09, 15:00 in New York.
        let app = TestApp(clock: TestClock(Self.instant("2026-12-09T20:00:00Z")))
        try await app.run { client in
            let tenant = try await client.register()
            try await client.openWeekdays(tenant)
            let store = try await app.openStore()
            defer { Task { await store.close() } }
            let business = BusinessID(rawValue: tenant.businessId)
            func call(_ start: String, _ status: CallStatus, _ outcome: CallOutcome?, cost: Double = 0) async throws {
                var call = Call(
                    id: .generate(), businessId: business, agentId: nil, leadId: nil, phone: PhoneNumber("+15553334444"), direction: .inbound,
                    provider: "telnyx", providerCallId: nil, status: status, duration: 60, recordingUrl: nil, outcome: outcome, summary: nil,
                    hangupCause: nil, startedAt: Self.instant(start), endedAt: nil, createdAt: Self.instant(start))
                call.cost = cost
                try await store.calls.save(call)
            }
            try await call("2026-12-09T15:00:00Z", .completed, .booked, cost: 0.0123)  // 10:00 local, open
            try await call("2026-12-09T23:30:00Z", .completed, .informationOnly)  // 18:30 local: after hours
            try await call("2026-12-09T16:00:00Z", .failed, .failed)
            try await call("2026-12-10T04:30:00Z", .completed, .booked)  // 23:30 local on the 9th: after hours
            try await call("2026-12-06T15:00:00Z", .completed, .booked)  // Sunday: closed all day
            try await call("2026-10-20T15:00:00Z", .completed, .booked)  // outside 30 days

            let answer = try await client.call(.get, "/api/analytics/daily?business_id=\(tenant.businessId)", token: tenant.token)
            #expect(answer.status == .ok)
            let days = answer.list("days")
            #expect(days.count == 30)
            #expect(days.last?["date"] as? String == "2026-12-09")
            #expect(answer["timezone"] as? String == "America/New_York")
            #expect(answer["today.calls"] as? Int == 4)
            #expect(answer["today.answered"] as? Int == 3)
            #expect(answer["today.booked"] as? Int == 2)
            #expect(answer["today.after_hours"] as? Int == 2)
            #expect(answer["today.llm_cost"] as? Double == 0.0123)
            let sunday = days.first { $0["date"] as? String == "2026-12-06" }
            #expect(sunday?["after_hours"] as? Int == 1)
            #expect(answer["period.calls"] as? Int == 5)
            #expect(answer["period.booked"] as? Int == 3)

            let week = try await client.call(.get, "/api/analytics/daily?business_id=\(tenant.businessId)&days=7", token: tenant.token)
            #expect(week.list("days").count == 7)
            #expect(week["period.calls"] as? Int == 5)
            for bad in ["0", "93", "", "ten"] {
                let refused = try await client.call(.get, "/api/analytics/daily?business_id=\(tenant.businessId)&days=\(bad)", token: tenant.token)
                #expect(refused.status == .unprocessableContent, "days=\(bad)")
            }
            let other = try await client.register("Other")
            let theirs = try await client.call(.get, "/api/analytics/daily?business_id=\(tenant.businessId)", token: other.token)
            #expect(theirs.status == .notFound)
        }
    }

    @Test("leads by score: a band's range, unscored leads left out, the total counted the same way")
    func scoreFilter() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register()
            try await client.openWeekdays(tenant)
            let hot = try await client.createLead(tenant, phone: "+15551230001")["id"] as! String
            let cold = try await client.createLead(tenant, phone: "+15551230002")["id"] as! String
            _ = try await client.createLead(tenant, phone: "+15551230003")
            _ = try await client.call(
                .post, "/api/leads/\(hot)/qualify", token: tenant.token,
                json: #"{"criteria":{"budget":"high","timeline":"immediate","decision_maker":true,"need":"teeth cleaning"}}"#)
            _ = try await client.call(
                .post, "/api/leads/\(cold)/qualify", token: tenant.token, json: #"{"criteria":{"budget":"low","timeline":"just_looking"}}"#)
            let base = "/api/leads?business_id=\(tenant.businessId)"
            let qualified = try await client.call(.get, base + "&min_score=70", token: tenant.token)
            #expect(qualified.list("leads").map { $0["id"] as? String } == [hot])
            #expect(qualified["pagination.total"] as? Int == 1)
            let coldBand = try await client.call(.get, base + "&min_score=0&max_score=39", token: tenant.token)
            #expect(coldBand.list("leads").map { $0["id"] as? String } == [cold])
            #expect(try await client.call(.get, base, token: tenant.token)["pagination.total"] as? Int == 3)
            let byPhone = try await client.call(.get, base + "&phone=%2B15551230002&min_score=70", token: tenant.token)
            #expect(byPhone.list("leads").isEmpty)
            #expect(try await client.call(.get, base + "&min_score=80&max_score=20", token: tenant.token).status == .unprocessableContent)
            #expect(try await client.call(.get, base + "&min_score=101", token: tenant.token).status == .unprocessableContent)
        }
    }

    @Test("a business's members with their roles, for members only")
    func members() async throws {
        try await TestApp().run { client in
            let owner = try await client.register("Owner")
            let helper = try await client.register("Helper")
            let added = try await client.call(
                .post, "/api/businesses/\(owner.businessId)/members", token: owner.token, json: #"{"email":"\#(helper.email)","role":"agent"}"#)
            #expect(added.status == .created)
            let list = try await client.call(.get, "/api/businesses/\(owner.businessId)/members", token: helper.token)
            #expect(list.status == .ok)
            let members = list.list("members")
            #expect(members.map { $0["email"] as? String } == [owner.email, helper.email])
            #expect(members.map { $0["role"] as? String } == ["admin", "agent"])
            let stranger = try await client.register("Stranger")
            #expect(try await client.call(.get, "/api/businesses/\(owner.businessId)/members", token: stranger.token).status == .notFound)
        }
    }
}
