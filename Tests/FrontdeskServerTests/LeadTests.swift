import Foundation
import FrontdeskServer
import HTTPTypes
import Testing

@Suite("Leads")
struct LeadTests {
    @Test("a lead is created, found, filtered, updated and deleted")
    func crud() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register()
            let created = try await client.createLead(tenant, extra: #","notes":"Interested in premium package""#)
            #expect(created.status == .created)
            #expect(created["status"] as? String == "new")
            #expect(created["source"] as? String == "web")
            let id = created["id"] as! String
            _ = try await client.call(
                .post, "/api/leads", token: tenant.token,
                json: #"{"business_id":"\#(tenant.businessId)","phone":"+15559990000","source":"call"}"#)

            let bySource = try await client.call(.get, "/api/leads?business_id=\(tenant.businessId)&source=call", token: tenant.token)
            #expect(bySource.list("leads").count == 1)
            let updated = try await client.call(
                .put, "/api/leads/\(id)", token: tenant.token, json: #"{"name":"John Smith","status":"qualified","notes":"Updated notes"}"#)
            #expect(updated["name"] as? String == "John Smith")
            let byStatus = try await client.call(.get, "/api/leads?business_id=\(tenant.businessId)&status=qualified", token: tenant.token)
            #expect(byStatus.list("leads").map { $0["id"] as? String } == [id])
            #expect(try await client.call(.delete, "/api/leads/\(id)", token: tenant.token).status == .ok)
            #expect(try await client.call(.get, "/api/leads/\(id)", token: tenant.token).status == .notFound)
        }
    }

    @Test("the CRM seed's lead fields: company and value stored, listed and changed, the website and social sources filtered; bad values refused")
    func crmFields() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register()
            let created = try await client.call(
                .post, "/api/leads", token: tenant.token,
                json: #"{"business_id":"\#(tenant.businessId)","name":"Jane Doe","email":"jane@example.com","company":"  Tech Startup ","source":"referral","value":10000.5}"#)
            #expect(created.status == .created)
            #expect(created["company"] as? String == "Tech Startup")
            #expect(created["value"] as? Double == 10000.5)
            let id = try #require(created["id"] as? String)
            for (phone, source) in [("+15550003001", "website"), ("+15550003002", "social")] {
                let made = try await client.call(
                    .post, "/api/leads", token: tenant.token, json: #"{"business_id":"\#(tenant.businessId)","phone":"\#(phone)","source":"\#(source)"}"#)
                #expect(made["source"] as? String == source)
            }
            let social = try await client.call(.get, "/api/leads?business_id=\(tenant.businessId)&source=social", token: tenant.token)
            #expect(social.list("leads").map { $0["phone"] as? String } == ["+15550003002"])
            let listed = try await client.call(.get, "/api/leads?business_id=\(tenant.businessId)&source=referral", token: tenant.token)
            #expect(listed.list("leads").first?["company"] as? String == "Tech Startup")
            #expect(listed.list("leads").first?["value"] as? Double == 10000.5)

            // A change keeps what it does not name; an empty company clears it.
            let moved = try await client.call(.put, "/api/leads/\(id)", token: tenant.token, json: #"{"value":25000}"#)
            #expect(moved["value"] as? Double == 25000)
            #expect(moved["company"] as? String == "Tech Startup")
            let cleared = try await client.call(.put, "/api/leads/\(id)", token: tenant.token, json: #"{"company":""}"#)
            #expect(cleared["company"] == nil)
            let again = try await client.call(.get, "/api/leads/\(id)", token: tenant.token)
            #expect(again["company"] == nil && again["value"] as? Double == 25000)

            let negative = try await client.call(.put, "/api/leads/\(id)", token: tenant.token, json: #"{"value":-5}"#)
            #expect(negative.status == .unprocessableContent || negative.status == .badRequest)
            let long = try await client.call(
                .put, "/api/leads/\(id)", token: tenant.token, json: #"{"company":"\#(String(repeating: "x", count: 201))"}"#)
            #expect(long.status == .unprocessableContent)
            #expect(long.details["company"] != nil)
            let unknown = try await client.call(
                .post, "/api/leads", token: tenant.token, json: #"{"business_id":"\#(tenant.businessId)","phone":"+15550003003","source":"billboard"}"#)
            #expect(unknown.status == .unprocessableContent || unknown.status == .badRequest)
            #expect(try await client.call(.get, "/api/leads/\(id)", token: tenant.token)["value"] as? Double == 25000)
        }
    }

    @Test("a duplicate phone in one business is a conflict; a lead with nothing to reach is refused")
    func conflictsAndValidation() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register()
            _ = try await client.createLead(tenant, phone: "+15550001111")
            let again = try await client.createLead(tenant, phone: "+1 555 000 1111")
            #expect(again.status == .conflict)
            #expect(again.details["phone"] != nil)
            let empty = try await client.call(.post, "/api/leads", token: tenant.token, json: #"{"business_id":"\#(tenant.businessId)"}"#)
            #expect(empty.status == .unprocessableContent)
            let badEmail = try await client.call(
                .post, "/api/leads", token: tenant.token, json: #"{"business_id":"\#(tenant.businessId)","email":"nope"}"#)
            #expect(badEmail.details["email"] != nil)
        }
    }

    @Test("qualifying with the seed's criteria scores the lead and stores why")
    func qualify() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register()
            try await client.openWeekdays(tenant)
            let id = try await client.createLead(tenant)["id"] as! String
            let hot = try await client.call(
                .post, "/api/leads/\(id)/qualify", token: tenant.token,
                json: #"{"criteria":{"budget":"high","timeline":"immediate","decision_maker":true,"need":"teeth cleaning"}}"#)
            #expect(hot.status == .ok)
            #expect(hot["qualification_score"] as? Int == 20 + 25 + 15 + 15 + 5)
            #expect(hot["status"] as? String == "qualified")
            let signals = (hot["score_explanation.signals"] as? [[String: Any]])?.compactMap { $0["signal"] as? String } ?? []
            #expect(Set(signals) == ["accepts_price", "timeline_within_7_days", "decision_maker", "wants_offered_service", "contact_captured"])
            let cold = try await client.call(
                .post, "/api/leads/\(id)/qualify", token: tenant.token,
                json: #"{"criteria":{"budget":"low","timeline":"just_looking","decision_maker":false}}"#)
            #expect(cold["qualification_score"] as? Int == -10 + 8 + 5, "low budget −10, needs approval +8, contact +5")
            #expect(cold["score_explanation.band"] as? String == "cold")
            let scored = try await client.call(.get, "/api/analytics/leads/scored?business_id=\(tenant.businessId)", token: tenant.token)
            #expect(scored["total_scored"] as? Int == 1)
            #expect(scored["bands.cold"] as? Int == 1)
            let bad = try await client.call(.post, "/api/leads/\(id)/qualify", token: tenant.token, json: #"{"criteria":{"budget":"lots"}}"#)
            #expect(bad.status == .unprocessableContent)
            #expect(bad.details["criteria.budget"] != nil)
        }
    }
}
