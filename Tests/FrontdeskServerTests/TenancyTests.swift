import Foundation
import FrontdeskServer
import HTTPTypes
import Testing

@Suite("Tenant isolation")
struct TenancyTests {
    @Test("another tenant's business, agent, lead and appointment answer 404 for read, update and delete")
    func isolation() async throws {
        try await TestApp().run { client in
            let alice = try await client.register("Alice")
            let mallory = try await client.register("Mallory")
            try await client.openWeekdays(alice)
            let lead = try await client.createLead(alice)["id"] as! String
            let agent = try await client.call(
                .post, "/api/agents", token: alice.token,
                json: #"{"business_id":"\#(alice.businessId)","name":"Riley","phone_number":"+15550109999"}"#)["id"] as! String
            let appointment = try await client.call(
                .post, "/api/appointments", token: alice.token,
                json: #"{"business_id":"\#(alice.businessId)","lead_id":"\#(lead)","scheduled_date":"\#(nextWeekday(after: client.clock.now, hour: 10))"}"#)
            #expect(appointment.status == .created, "\(appointment.json)")
            let appointmentId = appointment["id"] as! String

            let attempts: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/api/businesses/\(alice.businessId)", nil),
                (.put, "/api/businesses/\(alice.businessId)", #"{"name":"Stolen"}"#),
                (.delete, "/api/businesses/\(alice.businessId)", nil),
                (.get, "/api/agents/\(agent)", nil),
                (.put, "/api/agents/\(agent)", #"{"name":"Stolen"}"#),
                (.delete, "/api/agents/\(agent)", nil),
                (.post, "/api/agents/\(agent)/stop", nil),
                (.get, "/api/agents/\(agent)/status", nil),
                (.get, "/api/leads/\(lead)", nil),
                (.put, "/api/leads/\(lead)", #"{"name":"Stolen"}"#),
                (.delete, "/api/leads/\(lead)", nil),
                (.post, "/api/leads/\(lead)/qualify", #"{"criteria":{"budget":"high"}}"#),
                (.get, "/api/appointments/\(appointmentId)", nil),
                (.put, "/api/appointments/\(appointmentId)", #"{"notes":"Stolen"}"#),
                (.delete, "/api/appointments/\(appointmentId)", nil),
                (.post, "/api/appointments/\(appointmentId)/remind", #"{"method":"sms"}"#),
                (.get, "/api/leads?business_id=\(alice.businessId)", nil),
                (.get, "/api/agents?business_id=\(alice.businessId)", nil),
                (.get, "/api/appointments?business_id=\(alice.businessId)", nil),
                (.get, "/api/calls?business_id=\(alice.businessId)", nil),
                (.get, "/api/sms?business_id=\(alice.businessId)", nil),
                (.get, "/api/emails?business_id=\(alice.businessId)", nil),
                (.get, "/api/analytics/overview?business_id=\(alice.businessId)", nil),
                (.get, "/api/analytics/leads/scored?business_id=\(alice.businessId)", nil),
                (.post, "/api/leads", #"{"business_id":"\#(alice.businessId)","phone":"+15550000001"}"#),
                (.post, "/api/sms", #"{"business_id":"\#(alice.businessId)","phone":"+15550000001","message":"hi"}"#),
            ]
            for (method, path, body) in attempts {
                let result = try await client.call(method, path, token: mallory.token, json: body)
                #expect(result.status == .notFound, "\(method) \(path) → \(result.status)")
                #expect(result.code == "RESOURCE_NOT_FOUND", "\(method) \(path)")
            }
            // Nothing changed for Alice.
            #expect(try await client.call(.get, "/api/leads/\(lead)", token: alice.token)["name"] as? String == "John Doe")
            #expect(try await client.call(.get, "/api/agents/\(agent)", token: alice.token)["is_active"] as? Bool == true)
            #expect(try await client.call(.get, "/api/appointments/\(appointmentId)", token: alice.token)["status"] as? String == "scheduled")
            let list = try await client.call(.get, "/api/businesses", token: mallory.token)
            #expect(list.list("businesses").map { $0["id"] as? String } == [mallory.businessId])
        }
    }
}
