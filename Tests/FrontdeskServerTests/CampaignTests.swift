import Foundation
import FrontdeskCore
@testable import FrontdeskServer
import FrontdeskStore
import HTTPTypes
import Testing

@Suite("Bulk enrollment and campaigns: a workflow run over an audience, at a rate, from a start time")
struct CampaignTests {
    func token(_ client: TestApp.ServedClient, _ owner: Tenant) async throws -> String {
        let login = try await client.call(.post, "/api/auth/login", json: #"{"email":"\#(owner.email)","password":"correct horse"}"#)
        return try #require(login["token"] as? String, "login: \(login.json)")
    }

    func texts(_ client: TestApp.ServedClient, _ owner: Tenant) async throws -> [String] {
        try await client.call(.get, "/api/sms?business_id=\(owner.businessId)&limit=100", token: try await token(client, owner)).list("messages")
            .compactMap { $0["to"] as? String }
    }

    func iso(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt)) }

    /// An owner whose texts may go out at any hour, a manual workflow that texts, and three new leads.
    func setUp(_ client: TestApp.ServedClient) async throws -> (Tenant, workflow: String, leads: [String]) {
        let owner = try await client.register("Owner")
        let settings = try await client.call(
            .put, "/api/businesses/\(owner.businessId)", token: owner.token, json: #"{"settings":{"follow_ups":{"quiet_hours":null}}}"#)
        #expect(settings.status == .ok, "\(settings.json)")
        let created = try await client.call(
            .post, "/api/workflows", token: owner.token,
            json: #"{"business_id":"\#(owner.businessId)","name":"Spring offer","trigger":{"type":"manual"},"actions":[{"type":"send_sms","text":"Hi {{contact.first_name}}, 20% off cleanings at {{business.name}} this month."}]}"#)
        #expect(created.status == .created, "\(created.json)")
        #expect((created["trigger"] as? [String: Any])?["type"] as? String == "manual")
        var leads: [String] = []
        for (index, name) in ["Ana Diaz", "Ben Okafor", "Cy Tran"].enumerated() {
            leads.append(try #require(try await client.createLead(owner, phone: "+1555123100\(index)", name: name)["id"] as? String))
        }
        return (owner, try #require(created["id"] as? String), leads)
    }

    @Test("bulk enrollment: the leads a filter picks are enrolled once, their texts paced at the rate; bad filters and draft workflows are refused")
    func bulkEnrollment() async throws {
        try await TestApp().serve { client in
            let (owner, workflow, leads) = try await setUp(client)
            // The third lead has been contacted: the filter (status new) leaves it out.
            #expect(try await client.call(.put, "/api/leads/\(leads[2])", token: owner.token, json: #"{"status":"contacted"}"#).status == .ok)

            let enrolled = try await client.call(
                .post, "/api/workflows/\(workflow)/enrollments", token: try await token(client, owner), json: #"{"filter":{"status":"new"},"per_minute":1}"#)
            #expect(enrolled.status == .created, "\(enrolled.json)")
            #expect(enrolled["matched"] as? Int == 2 && enrolled["enrolled"] as? Int == 2)
            #expect(enrolled["last_step_at"] as? String == iso(client.clock.now.addingTimeInterval(60)))
            // Leads made in the same instant go in id order: either of the two first.
            try await eventually("the first text") { try await texts(client, owner).count == 1 }
            #expect(["+15551231000", "+15551231001"].contains(try await texts(client, owner).first ?? ""))
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await texts(client, owner).count == 1, "the second waits its minute")
            client.clock.advance(seconds: 61)
            try await eventually("the second text") { try await texts(client, owner).count == 2 }
            #expect(Set(try await texts(client, owner)) == ["+15551231000", "+15551231001"])

            // The same audience again: nobody twice (the workflow runs once per lead).
            let again = try await client.call(
                .post, "/api/workflows/\(workflow)/enrollments", token: try await token(client, owner), json: #"{"filter":{"status":"new"}}"#)
            #expect(again["enrolled"] as? Int == 0 && again["already_enrolled"] as? Int == 2, "\(again.json)")
            // By id, with a tag filter no contact carries: nobody.
            let tagged = try await client.call(
                .post, "/api/workflows/\(workflow)/enrollments", token: try await token(client, owner),
                json: #"{"filter":{"lead_ids":["\#(leads[2])"],"tag":"vip"}}"#)
            #expect(tagged["matched"] as? Int == 0, "\(tagged.json)")

            for (json, field) in [
                (#"{}"#, "filter"), (#"{"filter":{"min_score":500}}"#, "filter"), (#"{"filter":{"min_score":80,"max_score":20}}"#, "filter"),
                (#"{"filter":{"lead_ids":[]}}"#, "filter"), (#"{"filter":{"status":"new"},"per_minute":0}"#, "per_minute"),
                (#"{"filter":{"status":"nonsense"}}"#, "filter"),
            ] {
                let refused = try await client.call(.post, "/api/workflows/\(workflow)/enrollments", token: try await token(client, owner), json: json)
                #expect(refused.status == .unprocessableContent || refused.status == .badRequest, "\(json): \(refused.json)")
                #expect(refused.details.keys.contains { $0.hasPrefix(field) } || (refused.json["message"] as? String)?.contains(field) == true, "\(json): \(refused.json)")
            }
            #expect(try await client.call(.put, "/api/workflows/\(workflow)", token: try await token(client, owner), json: #"{"status":"draft"}"#).status == .ok)
            let draft = try await client.call(
                .post, "/api/workflows/\(workflow)/enrollments", token: try await token(client, owner), json: #"{"filter":{"status":"contacted"}}"#)
            #expect(draft.status == .unprocessableContent && draft.details["workflow"] != nil, "\(draft.json)")

            let stranger = try await client.register("Stranger")
            #expect(try await client.call(.post, "/api/workflows/\(workflow)/enrollments", token: stranger.token, json: #"{"filter":{}}"#).status == .notFound)
        }
    }

    @Test("a campaign starts at its time, texts its audience at its rate, skips an opted-out number, completes; another is cancelled midway")
    func campaigns() async throws {
        let app = TestApp()
        try await app.serve { client in
            let (owner, workflow, _) = try await setUp(client)
            let store = try await app.openStore()
            try await store.messages.optOut(business: BusinessID(rawValue: owner.businessId), phone: "+15551231001", at: client.clock.now)
            await store.close()

            let start = client.clock.now.addingTimeInterval(3600)
            let created = try await client.call(
                .post, "/api/campaigns", token: try await token(client, owner),
                json: #"{"business_id":"\#(owner.businessId)","name":"Spring","workflow_id":"\#(workflow)","audience":{"status":"new"},"start_at":"\#(iso(start))","per_minute":60}"#)
            #expect(created.status == .created, "\(created.json)")
            let campaign = try #require(created["id"] as? String)
            #expect(created["status"] as? String == "scheduled")
            let jobs = try await client.call(.get, "/api/jobs?business_id=\(owner.businessId)&kind=campaign_start", token: try await token(client, owner))
            #expect(jobs.list("jobs").first?["due_at"] as? String == iso(start))

            // Nothing before its start.
            client.clock.advance(seconds: 59 * 60)
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await texts(client, owner).isEmpty)
            client.clock.advance(seconds: 61)
            try await eventually("started") {
                try await client.call(.get, "/api/campaigns/\(campaign)", token: try await token(client, owner))["status"] as? String != "scheduled"
            }
            // A second apart at 60 a minute: the clock moves on, and the opted-out number gets nothing.
            for _ in 0..<3 {
                client.clock.advance(seconds: 1)
                try await Task.sleep(for: .milliseconds(300))
            }
            try await eventually("completed") {
                try await client.call(.get, "/api/campaigns/\(campaign)", token: try await token(client, owner))["status"] as? String == "completed"
            }
            #expect(Set(try await texts(client, owner)) == ["+15551231000", "+15551231002"])
            let done = try await client.call(.get, "/api/campaigns/\(campaign)", token: try await token(client, owner))
            #expect(done["matched"] as? Int == 3 && done["enrolled"] as? Int == 3, "\(done.json)")
            #expect((done["progress"] as? [String: Any])?["completed"] as? Int == 3)
            let refused = try await client.call(.put, "/api/campaigns/\(campaign)", token: try await token(client, owner), json: #"{"per_minute":5}"#)
            #expect(refused.status == .unprocessableContent, "\(refused.json)")

            // A slow campaign (one a minute) to the contacted leads, cancelled after its first text.
            for index in 0..<3 {
                let lead = try await client.call(
                    .post, "/api/leads", token: try await token(client, owner),
                    json: #"{"business_id":"\#(owner.businessId)","phone":"+1555123200\#(index)","name":"Late \#(index)"}"#)
                let id = try #require(lead["id"] as? String, "\(lead.json)")
                _ = try await client.call(.put, "/api/leads/\(id)", token: try await token(client, owner), json: #"{"status":"contacted"}"#)
            }
            let slow = try await client.call(
                .post, "/api/campaigns", token: try await token(client, owner),
                json: #"{"business_id":"\#(owner.businessId)","name":"Slow","workflow_id":"\#(workflow)","audience":{"status":"contacted"},"start_at":"\#(iso(client.clock.now))","per_minute":1}"#)
            let slowId = try #require(slow["id"] as? String, "\(slow.json)")
            try await eventually("its first text") { try await texts(client, owner).count == 3 }
            let cancelled = try await client.call(.put, "/api/campaigns/\(slowId)", token: try await token(client, owner), json: #"{"status":"cancelled"}"#)
            #expect(cancelled["status"] as? String == "cancelled", "\(cancelled.json)")
            #expect((cancelled["progress"] as? [String: Any])?["exited"] as? Int == 2)
            client.clock.advance(seconds: 5 * 60)
            try await Task.sleep(for: .milliseconds(600))
            #expect(try await texts(client, owner).count == 3, "nothing after the cancel")
            #expect(try await client.call(.delete, "/api/campaigns/\(slowId)", token: try await token(client, owner)).status == .ok)

            // Validation, and another tenant.
            let missing = try await client.call(.post, "/api/campaigns", token: try await token(client, owner), json: #"{"business_id":"\#(owner.businessId)"}"#)
            #expect(Set(missing.details.keys).isSuperset(of: ["name", "workflow_id", "audience", "start_at"]), "\(missing.json)")
            let stranger = try await client.register("Stranger")
            let foreign = try await client.call(
                .post, "/api/campaigns", token: stranger.token,
                json: #"{"business_id":"\#(stranger.businessId)","name":"x","workflow_id":"\#(workflow)","audience":{},"start_at":"\#(iso(client.clock.now))"}"#)
            #expect(foreign.status == .unprocessableContent && foreign.details["workflow_id"] != nil, "\(foreign.json)")
            #expect(try await client.call(.get, "/api/campaigns/\(campaign)", token: stranger.token).status == .notFound)
            #expect(try await client.call(.get, "/api/campaigns?business_id=\(owner.businessId)", token: try await token(client, owner)).list("campaigns").count == 1)
        }
    }
}
