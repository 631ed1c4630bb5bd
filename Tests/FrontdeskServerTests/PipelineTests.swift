import Foundation
import FrontdeskCore
@testable import FrontdeskServer
import HTTPTypes
import Testing

@Suite("Pipelines: stages with probabilities, opportunities moved through them, won or lost, totals per stage")
struct PipelineTests {
    @Test("a pipeline with default stages; deals created from leads move, close and count in the totals; a stage holding deals cannot be removed")
    func pipelineAndOpportunities() async throws {
        try await TestApp().serve { client in
            let owner = try await client.register("Owner")
            let created = try await client.call(.post, "/api/pipelines", token: owner.token, json: #"{"business_id":"\#(owner.businessId)","name":"Sales"}"#)
            #expect(created.status == .created, "\(created.json)")
            let pipeline = try #require(created["id"] as? String)
            let stages = try #require(created["stages"] as? [[String: Any]])
            #expect(stages.map { $0["id"] as? String } == ["new", "qualified", "booked", "proposal"])

            let lead = try #require(try await client.createLead(owner, phone: "+15551230601", name: "Maria Lopez")["id"] as? String)
            let deal = try await client.call(
                .post, "/api/pipelines/\(pipeline)/opportunities", token: owner.token, json: #"{"lead_id":"\#(lead)","value":1200.5}"#)
            #expect(deal.status == .created, "\(deal.json)")
            #expect(deal["name"] as? String == "Maria Lopez" && deal["stage"] as? String == "new" && deal["value"] as? Double == 1200.5)
            let dealId = try #require(deal["id"] as? String)
            let other = try await client.call(
                .post, "/api/pipelines/\(pipeline)/opportunities", token: owner.token,
                json: #"{"name":"Office cleaning contract","stage":"proposal","value":800,"owner_id":"\#(owner.userId)"}"#)
            #expect(other.status == .created && other["owner_id"] as? String == owner.userId, "\(other.json)")
            let otherId = try #require(other["id"] as? String)

            // Totals: open value 2,000.50; weighted 1,200.50 × 10 % + 800 × 80 % = 760.05.
            var summary = try await client.call(.get, "/api/pipelines/\(pipeline)", token: owner.token)
            #expect(summary["open_value"] as? Double == 2000.5 && summary["weighted_value"] as? Double == 760.05, "\(summary.json)")

            let moved = try await client.call(.put, "/api/pipelines/\(pipeline)/opportunities/\(dealId)", token: owner.token, json: #"{"stage":"booked"}"#)
            #expect(moved["stage"] as? String == "booked")
            let won = try await client.call(.put, "/api/pipelines/\(pipeline)/opportunities/\(otherId)", token: owner.token, json: #"{"status":"won"}"#)
            #expect(won["status"] as? String == "won" && won["closed_at"] as? String != nil)
            summary = try await client.call(.get, "/api/pipelines/\(pipeline)", token: owner.token)
            #expect(summary["open_value"] as? Double == 1200.5, "a won deal is no longer open: \(summary.json)")
            let booked = (summary["stages"] as? [[String: Any]])?.first { $0["id"] as? String == "booked" }
            #expect(booked?["open_count"] as? Int == 1)
            #expect(try await client.call(.get, "/api/pipelines/\(pipeline)/opportunities?status=won", token: owner.token).list("opportunities").count == 1)
            #expect(try await client.call(.get, "/api/pipelines/\(pipeline)/opportunities?lead_id=\(lead)", token: owner.token).list("opportunities").count == 1)

            // Removing the stage that holds Maria's deal: refused; renaming the stages around it is fine.
            let removing = try await client.call(
                .put, "/api/pipelines/\(pipeline)", token: owner.token, json: #"{"stages":[{"name":"New"},{"name":"Proposal","probability":80}]}"#)
            #expect(removing.status == .unprocessableContent && removing.details["stages"]?.first?.contains("booked") == true, "\(removing.json)")
            let renamed = try await client.call(
                .put, "/api/pipelines/\(pipeline)", token: owner.token,
                json: #"{"stages":[{"id":"new","name":"Inbound"},{"id":"booked","name":"Visit booked","probability":50},{"id":"proposal","name":"Quote sent","probability":90}]}"#)
            #expect(renamed.status == .ok, "\(renamed.json)")
            #expect((renamed["stages"] as? [[String: Any]])?.map { $0["id"] as? String } == ["new", "booked", "proposal"])

            for (json, field) in [
                (#"{"stage":"nowhere","name":"x"}"#, "stage"), (#"{"value":-5,"name":"x"}"#, "value"), (#"{}"#, "name"),
                (#"{"lead_id":"lead_nope"}"#, "lead_id"), (#"{"name":"x","owner_id":"user_nope"}"#, "owner_id"),
                (#"{"name":"x","status":"maybe"}"#, "status"),
            ] {
                let refused = try await client.call(.post, "/api/pipelines/\(pipeline)/opportunities", token: owner.token, json: json)
                #expect(refused.status == .unprocessableContent || refused.status == .badRequest, "\(json): \(refused.json)")
                #expect(refused.details.keys.contains { $0.hasPrefix(field) } || (refused.json["message"] as? String)?.contains(field) == true, "\(json): \(refused.json)")
            }
            for json in [#"{"business_id":"\#(owner.businessId)"}"#, #"{"business_id":"\#(owner.businessId)","name":"x","stages":[]}"#,
                         #"{"business_id":"\#(owner.businessId)","name":"x","stages":[{"name":"A"},{"name":"a"}]}"#,
                         #"{"business_id":"\#(owner.businessId)","name":"x","stages":[{"name":"A","probability":101}]}"#] {
                let refused = try await client.call(.post, "/api/pipelines", token: owner.token, json: json)
                #expect(refused.status == .unprocessableContent || refused.status == .badRequest, "\(json): \(refused.json)")
            }

            let stranger = try await client.register("Stranger")
            #expect(try await client.call(.get, "/api/pipelines/\(pipeline)", token: stranger.token).status == .notFound)
            #expect(try await client.call(.get, "/api/pipelines/\(pipeline)/opportunities/\(dealId)", token: stranger.token).status == .notFound)
            #expect(try await client.call(.put, "/api/pipelines/\(pipeline)/opportunities/\(dealId)", token: stranger.token, json: #"{"stage":"new"}"#).status == .notFound)
            let strangers = try await client.call(.post, "/api/pipelines", token: stranger.token, json: #"{"business_id":"\#(stranger.businessId)","name":"Theirs"}"#)
            let theirs = try #require(strangers["id"] as? String)
            #expect(try await client.call(.get, "/api/pipelines/\(theirs)/opportunities/\(dealId)", token: stranger.token).status == .notFound)
            #expect(try await client.call(
                .post, "/api/pipelines/\(theirs)/opportunities", token: stranger.token, json: #"{"lead_id":"\#(lead)"}"#).status == .unprocessableContent)

            #expect(try await client.call(.delete, "/api/pipelines/\(pipeline)/opportunities/\(otherId)", token: owner.token).status == .ok)
            #expect(try await client.call(.delete, "/api/pipelines/\(pipeline)", token: owner.token).status == .ok)
            #expect(try await client.call(.get, "/api/pipelines/\(pipeline)/opportunities/\(dealId)", token: owner.token).status == .notFound)
            #expect(try await client.call(.get, "/api/pipelines?business_id=\(owner.businessId)", token: owner.token).list("pipelines").isEmpty)
        }
    }
}
