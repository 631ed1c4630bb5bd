import Foundation
import FrontdeskCore
@testable import FrontdeskServer
import HTTPTypes
import Testing

@Suite("Message templates and start_workflow: reusable wording, checked when saved, sent by workflows that start one another")
struct TemplateTests {
    func token(_ client: TestApp.ServedClient, _ owner: Tenant) async throws -> String {
        let login = try await client.call(.post, "/api/auth/login", json: #"{"email":"\#(owner.email)","password":"correct horse"}"#)
        return try #require(login["token"] as? String, "login: \(login.json)")
    }

    func bodies(_ client: TestApp.ServedClient, _ owner: Tenant) async throws -> [String] {
        try await client.call(.get, "/api/sms?business_id=\(owner.businessId)", token: try await token(client, owner)).list("messages")
            .compactMap { $0["body"] as? String }
    }

    @Test("a template with an unknown variable is refused; preview renders it for a lead; a workflow started by another sends it, with the wording as last edited; a used template cannot be deleted")
    func templatesAndStartWorkflow() async throws {
        try await TestApp().serve { client in
            let owner = try await client.register("Owner")
            _ = try await client.call(
                .put, "/api/businesses/\(owner.businessId)", token: owner.token, json: #"{"settings":{"follow_ups":{"quiet_hours":null}}}"#)
            let create = { (json: String) in try await client.call(.post, "/api/templates", token: try await token(client, owner), json: json) }

            let typo = try await create(#"{"business_id":"\#(owner.businessId)","name":"Offer","channel":"sms","body":"Hi {{contact.first_name}} from {{business.nme}}"}"#)
            #expect(typo.status == .unprocessableContent && (typo.details["body"]?.first?.contains("{{business.nme}}") == true), "\(typo.json)")
            let noSubject = try await create(#"{"business_id":"\#(owner.businessId)","name":"Mail","channel":"email","body":"Hello"}"#)
            #expect(noSubject.status == .unprocessableContent && noSubject.details["subject"] != nil, "\(noSubject.json)")
            let long = try await create(#"{"business_id":"\#(owner.businessId)","name":"Long","channel":"sms","body":"\#(String(repeating: "a", count: 1601))"}"#)
            #expect(long.status == .unprocessableContent && long.details["body"] != nil)

            let template = try await create(
                #"{"business_id":"\#(owner.businessId)","name":"Welcome","channel":"sms","body":"Hi {{contact.first_name}}, see you at {{business.name}}."}"#)
            #expect(template.status == .created, "\(template.json)")
            let templateId = try #require(template["id"] as? String)
            #expect(template["variables"] as? [String] == ["business.name", "contact.first_name"])

            let maria = try #require(try await client.createLead(owner, phone: "+15551230501", name: "Maria Lopez")["id"] as? String)
            let preview = try await client.call(
                .post, "/api/templates/\(templateId)/preview", token: try await token(client, owner), json: #"{"lead_id":"\#(maria)"}"#)
            #expect(preview["body"] as? String == "Hi Maria, see you at Owner Plumbing." && preview["to"] as? String == "+15551230501", "\(preview.json)")

            // "Welcome texts" (manual) is started by "New lead" (lead.created).
            let texts = try await client.call(
                .post, "/api/workflows", token: try await token(client, owner),
                json: #"{"business_id":"\#(owner.businessId)","name":"Welcome texts","trigger":{"type":"manual"},"actions":[{"type":"send_template","template_id":"\#(templateId)"}]}"#)
            let textsId = try #require(texts["id"] as? String, "\(texts.json)")
            for (actions, what) in [
                (#"[{"type":"send_template","template_id":"template_nope"}]"#, "template_nope"),
                (#"[{"type":"start_workflow","workflow_id":"workflow_nope"}]"#, "workflow_nope"),
            ] {
                let refused = try await client.call(
                    .post, "/api/workflows", token: try await token(client, owner),
                    json: #"{"business_id":"\#(owner.businessId)","name":"Bad","trigger":{"type":"lead.created"},"actions":\#(actions)}"#)
                #expect(refused.status == .unprocessableContent && refused.details["actions"]?.first?.contains(what) == true, "\(refused.json)")
            }
            let itself = try await client.call(
                .put, "/api/workflows/\(textsId)", token: try await token(client, owner),
                json: #"{"actions":[{"type":"start_workflow","workflow_id":"\#(textsId)"}]}"#)
            #expect(itself.status == .unprocessableContent, "\(itself.json)")
            let starter = try await client.call(
                .post, "/api/workflows", token: try await token(client, owner),
                json: #"{"business_id":"\#(owner.businessId)","name":"New lead","trigger":{"type":"lead.created"},"actions":[{"type":"add_tag","tag":"new"},{"type":"start_workflow","workflow_id":"\#(textsId)"}]}"#)
            #expect(starter.status == .created, "\(starter.json)")

            _ = try await client.call(
                .post, "/api/leads", token: try await token(client, owner),
                json: #"{"business_id":"\#(owner.businessId)","phone":"+15551230502","name":"Ana Ruiz"}"#)
            try await eventually("Ana's welcome") { try await bodies(client, owner).contains("Hi Ana, see you at Owner Plumbing.") }
            let started = try await client.call(.get, "/api/workflows/\(textsId)/enrollments", token: try await token(client, owner)).list("enrollments")
            #expect(started.count == 1 && (started.first?["source"] as? String)?.hasPrefix("workflow:") == true, "\(started)")

            // Edited: the next lead gets the new wording.
            let edited = try await client.call(
                .put, "/api/templates/\(templateId)", token: try await token(client, owner), json: #"{"body":"Hello {{contact.first_name}}!"}"#)
            #expect(edited.status == .ok, "\(edited.json)")
            _ = try await client.call(
                .post, "/api/leads", token: try await token(client, owner), json: #"{"business_id":"\#(owner.businessId)","phone":"+15551230503","name":"Bo Chen"}"#)
            try await eventually("Bo's welcome") { try await bodies(client, owner).contains("Hello Bo!") }
            #expect(try await bodies(client, owner).count == 2, "Maria came before the workflows and gets nothing")

            let used = try await client.call(.delete, "/api/templates/\(templateId)", token: try await token(client, owner))
            #expect(used.status == .unprocessableContent && used.details["id"]?.first?.contains("Welcome texts") == true, "\(used.json)")
            let stranger = try await client.register("Stranger")
            #expect(try await client.call(.get, "/api/templates/\(templateId)", token: stranger.token).status == .notFound)
            #expect(try await client.call(.get, "/api/templates?business_id=\(owner.businessId)", token: try await token(client, owner)).list("templates").count == 1)
        }
    }

    @Test("update_lead_field sets a lead's field from variables; notify tells the admins in the app, once")
    func leadFieldAndNotify() async throws {
        try await TestApp().serve { client in
            let owner = try await client.register("Owner")
            let created = try await client.call(
                .post, "/api/workflows", token: owner.token,
                json: #"{"business_id":"\#(owner.businessId)","name":"Tidy","trigger":{"type":"lead.created"},"actions":[{"type":"update_lead_field","field":"company","value":"Acme {{contact.first_name}}"},{"type":"update_lead_field","field":"value","value":"not money"},{"type":"notify","message":"New lead {{contact.name}} at {{lead.company}}","to":"admins"}]}"#)
            #expect(created.status == .created, "\(created.json)")
            let lead = try #require(try await client.createLead(owner, phone: "+15551230801", name: "Zed Park")["id"] as? String)
            try await eventually("notified", timeout: .seconds(15)) {
                try await client.call(.get, "/api/notifications?business_id=\(owner.businessId)", token: owner.token).list("notifications")
                    .contains { $0["message"] as? String == "New lead Zed Park at Acme Zed" }
            }
            #expect(try await client.call(.get, "/api/leads/\(lead)", token: owner.token)["company"] as? String == "Acme Zed")
            let log = try #require(try await client.call(.get, "/api/workflows/\(created["id"] as? String ?? "")/enrollments", token: owner.token)
                .list("enrollments").first?["log"] as? [[String: Any]])
            #expect(log.map { $0["status"] as? String } == ["done", "skipped", "done"], "\(log)")
            let refused = try await client.call(
                .post, "/api/workflows", token: owner.token,
                json: #"{"business_id":"\#(owner.businessId)","name":"x","trigger":{"type":"lead.created"},"actions":[{"type":"update_lead_field","field":"shoe_size","value":"9"}]}"#)
            #expect(refused.status == .unprocessableContent, "\(refused.json)")
        }
    }
}
