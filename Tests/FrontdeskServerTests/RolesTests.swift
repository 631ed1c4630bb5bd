import Foundation
import FrontdeskServer
import HTTPTypes
import Testing

@Suite("Roles inside a business")
struct RolesTests {
    @Test("an agent-role member works leads but cannot change the business or its agents; a user may stop agents")
    func roles() async throws {
        try await TestApp().run { client in
            let owner = try await client.register("Owner")
            let staff = try await client.register("Staff")
            let manager = try await client.register("Manager")
            let add = try await client.call(
                .post, "/api/businesses/\(owner.businessId)/members", token: owner.token,
                json: #"{"email":"\#(staff.email)","role":"agent"}"#)
            #expect(add.status == .created)
            _ = try await client.call(
                .post, "/api/businesses/\(owner.businessId)/members", token: owner.token,
                json: #"{"email":"\#(manager.email)","role":"user"}"#)
            let agent = try await client.call(
                .post, "/api/agents", token: owner.token, json: #"{"business_id":"\#(owner.businessId)","name":"Riley"}"#)["id"] as! String

            #expect(try await client.call(.get, "/api/businesses/\(owner.businessId)", token: staff.token).status == .ok)
            let lead = try await client.createLead(Tenant(
                token: staff.token, refreshToken: "", businessId: owner.businessId, userId: staff.userId, email: staff.email))
            #expect(lead.status == .created)

            let rename = try await client.call(.put, "/api/businesses/\(owner.businessId)", token: staff.token, json: #"{"name":"Mine"}"#)
            #expect(rename.status == .forbidden)
            #expect(rename.code == "AUTH_INSUFFICIENT_PERMISSIONS")
            #expect(try await client.call(.post, "/api/agents/\(agent)/stop", token: staff.token).status == .forbidden)
            #expect(try await client.call(.delete, "/api/agents/\(agent)", token: manager.token).status == .forbidden)
            #expect(try await client.call(.post, "/api/agents/\(agent)/stop", token: manager.token).status == .ok)
            let invite = try await client.call(
                .post, "/api/businesses/\(owner.businessId)/members", token: manager.token,
                json: #"{"email":"\#(staff.email)","role":"admin"}"#)
            #expect(invite.status == .forbidden, "only admins hand out roles")
        }
    }
}
