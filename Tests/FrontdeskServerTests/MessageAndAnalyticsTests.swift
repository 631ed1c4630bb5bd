import Foundation
import FrontdeskCore
@testable import FrontdeskServer
import FrontdeskWire
import HTTPTypes
import Testing

@Suite("Messages, analytics, health, OpenAPI, demo")
struct MessageAndAnalyticsTests {
    @Test("SMS and email go to the outbox and are listed per channel with filters")
    func outbox() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register()
            let lead = try await client.createLead(tenant, phone: "+15551112222")["id"] as! String
            let sms = try await client.call(
                .post, "/api/sms", token: tenant.token,
                json: #"{"business_id":"\#(tenant.businessId)","lead_id":"\#(lead)","message":"Thank you for your interest! We'll call you soon."}"#)
            #expect(sms.status == .created)
            #expect(sms["to"] as? String == "+15551112222", "the lead's phone is used")
            #expect(sms["provider"] as? String == "outbox")
            #expect((sms.json["message"] as? String)?.contains("outbox") == true)
            let email = try await client.call(
                .post, "/api/emails", token: tenant.token,
                json: #"{"business_id":"\#(tenant.businessId)","lead_id":"\#(lead)","subject":"Thank you","content":"Thanks!"}"#)
            #expect(email["to"] as? String == "john@example.com")
            let smsLog = try await client.call(.get, "/api/sms?business_id=\(tenant.businessId)", token: tenant.token)
            #expect(smsLog.list("messages").count == 1)
            let outboxOnly = try await client.call(.get, "/api/emails?business_id=\(tenant.businessId)&status=outbox", token: tenant.token)
            #expect(outboxOnly.list("messages").count == 1)
            let invalid = try await client.call(
                .post, "/api/sms", token: tenant.token, json: #"{"business_id":"\#(tenant.businessId)","message":""}"#)
            #expect(invalid.status == .unprocessableContent)
            #expect(Set(invalid.details.keys) == ["phone", "message"])
        }
    }

    @Test("the overview counts what is stored: leads, appointments, revenue")
    func overview() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register()
            try await client.openWeekdays(tenant)
            _ = try await client.createLead(tenant, phone: "+15550000001")
            let qualified = try await client.createLead(tenant, phone: "+15550000002")["id"] as! String
            _ = try await client.call(.put, "/api/leads/\(qualified)", token: tenant.token, json: #"{"status":"qualified"}"#)
            let appointment = try await client.call(
                .post, "/api/appointments", token: tenant.token,
                json: #"{"business_id":"\#(tenant.businessId)","scheduled_date":"\#(nextWeekday(after: client.clock.now, hour: 9))","type":"Cleaning"}"#)["id"] as! String
            _ = try await client.call(.put, "/api/appointments/\(appointment)", token: tenant.token, json: #"{"status":"completed"}"#)
            let overview = try await client.call(.get, "/api/analytics/overview?business_id=\(tenant.businessId)", token: tenant.token)
            #expect(overview.status == .ok)
            #expect(overview["leads.total"] as? Int == 2)
            #expect(overview["leads.new_today"] as? Int == 2)
            #expect(overview["leads.qualified"] as? Int == 1)
            #expect(overview["appointments.total"] as? Int == 1)
            #expect(overview["appointments.completed"] as? Int == 1)
            #expect(overview["revenue.total"] as? Double == 120)
            #expect(overview["calls.total"] as? Int == 0)
            let range = try await client.call(
                .get, "/api/analytics/overview?business_id=\(tenant.businessId)&start_date=2020-01-01&end_date=2020-12-31", token: tenant.token)
            #expect(range["leads.total"] as? Int == 0)
            let backwards = try await client.call(
                .get, "/api/analytics/overview?business_id=\(tenant.businessId)&start_date=2021-01-01&end_date=2020-12-31", token: tenant.token)
            #expect(backwards.status == .unprocessableContent)
        }
    }

    @Test("health answers with a real database check when detailed")
    func health() async throws {
        try await TestApp().run { client in
            let plain = try await client.call(.get, "/api/health")
            #expect(plain["overall"] as? String == "healthy")
            #expect(plain["version"] as? String != nil)
            #expect(plain["environment"] as? String == "test")
            #expect(plain.data["checks"] == nil)
            let detailed = try await client.call(.get, "/api/health?detailed=true&cache=false")
            let check = try #require((detailed.data["checks"] as? [[String: Any]])?.first)
            #expect(check["name"] as? String == "database")
            #expect(check["status"] as? String == "healthy")
            #expect((check["message"] as? String)?.contains("Query time") == true)
            #expect(check["duration"] as? Double != nil)
        }
    }

    @Test("the OpenAPI document describes every registered route")
    func openAPICoversRoutes() async throws {
        let app = TestApp()
        defer { try? FileManager.default.removeItem(at: app.folder) }
        let routes = try await registeredRoutes(configuration: app.configuration)
        #expect(routes.count > 40)
        try await app.run { client in
            let document = try await client.call(.get, "/api/openapi.json")
            #expect(document.json["openapi"] as? String == "3.1.0")
            // Paths start with /api/: the server URL is the bare public URL (else clients call /api/api/…).
            #expect((document.json["servers"] as? [[String: Any]])?.first?["url"] as? String == "http://localhost:3000")
            let paths = try #require(document.json["paths"] as? [String: [String: Any]])
            for route in routes {
                #expect(paths[route.path]?[route.method.lowercased()] != nil, "\(route.method) \(route.path) is not in openapi.json")
            }
            let schemas = (document.json["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
            for (_, operations) in paths {
                for (_, operation) in operations {
                    let text = String(describing: operation)
                    for match in text.matches(of: /#\/components\/schemas\/(\w+)/) {
                        #expect(schemas[String(match.1)] != nil, "missing schema \(match.1)")
                    }
                }
            }
        }
    }

    @Test("the document's limits are the validation's: times, zones and booking ranges agree with what the server accepts")
    func openAPIIsTheTruth() throws {
        let schemas = OpenAPISchemas.all
        // HH:mm: the pattern matches exactly the times WallClockTime accepts.
        let pattern = try Regex(try #require(OpenAPISchemas.wallClock["pattern"]?.text))
        for text in ["00:00", "09:30", "23:59", "24:00", "24:01", "9:30", "+9:30", "12:60", "25:00", "", "1200", "ab:cd"] {
            let documented = text.wholeMatch(of: pattern) != nil
            #expect(documented == (WallClockTime(text) != nil), "\(text)")
        }
        // Every zone offered is accepted, and the common ones are offered.
        #expect(OpenAPISchemas.zones.allSatisfy { BusinessTimeZone($0) != nil })
        #expect(OpenAPISchemas.zones.contains("America/New_York") && !OpenAPISchemas.zones.contains("EST"))
        // The booking ranges decode at their bounds and fail one past them.
        guard case .object(let booking)? = schemas["BusinessSettings"]?["properties"]?["booking"]?["properties"] else {
            Issue.record("no booking schema"); return
        }
        #expect(booking.count == 7)
        for (key, range) in booking {
            guard let low = range["minimum"]?.integer, let high = range["maximum"]?.integer else {
                Issue.record("\(key) has no range"); continue
            }
            func decodes(_ value: Int) -> Bool {
                (try? JSONDecoder().decode(BookingRules.self, from: Data(#"{"\#(key)":\#(value)}"#.utf8))) != nil
            }
            #expect(decodes(low) && decodes(high) && !decodes(low - 1) && !decodes(high + 1), "\(key)")
        }
    }

    @Test("an empty database gets the demo business, agent and login")
    func demo() async throws {
        try await TestApp(seedDemo: true).run { client in
            let login = try await client.call(
                .post, "/api/auth/login", json: #"{"email":"demo@frontdesk.local","password":"frontdesk-demo"}"#)
            #expect(login.status == .ok)
            let token = login["token"] as? String
            let business = try await client.call(.get, "/api/businesses/\(login["user.business_id"] as! String)", token: token)
            #expect(business["name"] as? String == "Bright Smile Dental")
            #expect(business["settings.timezone"] as? String == "America/New_York")
            #expect((business["settings.services"] as? [Any])?.count == 3)
            let agents = try await client.call(.get, "/api/agents?business_id=\(login["user.business_id"] as! String)", token: token)
            #expect(agents.list("agents").first?["phone_number"] as? String == "+15550100123")
            #expect(agents.list("agents").first?["is_active"] as? Bool == true)
        }
    }
}
