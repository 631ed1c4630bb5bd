import Foundation
import FrontdeskServer
import HTTPTypes
import Testing

@Suite("Appointments")
struct AppointmentTests {
    @Test("a booking inside hours succeeds, an overlapping one is 409, one outside hours is 422")
    func booking() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register()
            try await client.openWeekdays(tenant)
            let lead = try await client.createLead(tenant)["id"] as! String
            let ten = nextWeekday(after: client.clock.now, hour: 10)
            func book(_ start: String, duration: Int = 30) async throws -> APIResult {
                try await client.call(
                    .post, "/api/appointments", token: tenant.token,
                    json: #"{"business_id":"\#(tenant.businessId)","lead_id":"\#(lead)","scheduled_date":"\#(start)","duration":\#(duration),"type":"Cleaning"}"#)
            }
            let first = try await book(ten)
            #expect(first.status == .created)
            #expect(first["price"] as? Double == 120)
            let overlap = try await book(nextWeekday(after: client.clock.now, hour: 10).replacingOccurrences(of: ":00:00Z", with: ":15:00Z"))
            #expect(overlap.status == .conflict)
            #expect(overlap.code == "SLOT_TAKEN")
            let evening = try await book(nextWeekday(after: client.clock.now, hour: 18))
            #expect(evening.status == .unprocessableContent)
            #expect(evening.details["scheduled_date"]?.first?.contains("business hours") == true)
            let runsOver = try await book(nextWeekday(after: client.clock.now, hour: 16), duration: 90)
            #expect(runsOver.status == .unprocessableContent)
            let weekend = try await book(nextWeekday(after: client.clock.now, hour: 10, weekday: 7))
            #expect(weekend.status == .unprocessableContent)
            let past = try await book("2020-01-06T15:00:00Z")
            #expect(past.details["scheduled_date"] == ["must be in the future"])
            let badDate = try await client.call(
                .post, "/api/appointments", token: tenant.token,
                json: #"{"business_id":"\#(tenant.businessId)","scheduled_date":"tomorrow at 3"}"#)
            #expect(badDate.status == .unprocessableContent)
        }
    }

    @Test("dates at the calendar's edges are refused with a 422 naming the field, and the list keeps working")
    func calendarEdges() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register()
            try await client.openWeekdays(tenant)
            func book(_ start: String) async throws -> APIResult {
                try await client.call(
                    .post, "/api/appointments", token: tenant.token,
                    json: #"{"business_id":"\#(tenant.businessId)","scheduled_date":"\#(start)","duration":30}"#)
            }
            for edge in ["99999-01-05T15:00:00Z", "10000-01-05T15:00:00Z", "+10000-01-05T15:00:00Z", "0000-01-05T15:00:00Z",
                         "1899-12-31T15:00:00Z", "3000-01-06T15:00:00Z", "2999-12-31T23:00:00-05:00", "2027-02-30T15:00:00Z", "2027-13-01T15:00:00Z"] {
                let answer = try await book(edge)
                #expect(answer.status == .unprocessableContent, "\(edge): \(answer.json)")
                #expect(answer.details["scheduled_date"] != nil, "\(edge)")
            }
            // Inside the calendar but past how far ahead the business books (90 days by default).
            let tooFar = try await book(nextWeekday(after: client.clock.now.addingTimeInterval(100 * 86_400), hour: 10))
            #expect(tooFar.details["scheduled_date"]?.first?.contains("further ahead") == true)
            let list = try await client.call(.get, "/api/appointments?business_id=\(tenant.businessId)", token: tenant.token)
            #expect(list.status == .ok)
            for bound in ["99999-01-01", "0001-01-01", "2026-02-30"] {
                let filtered = try await client.call(.get, "/api/appointments?business_id=\(tenant.businessId)&start_date=\(bound)", token: tenant.token)
                #expect(filtered.status == .unprocessableContent, "\(bound)")
            }
        }
    }

    @Test("cancelling frees the slot; rescheduling is checked like a new booking; filters by date and status")
    func cancelRescheduleFilter() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register()
            try await client.openWeekdays(tenant)
            let ten = nextWeekday(after: client.clock.now, hour: 10)
            let eleven = nextWeekday(after: client.clock.now, hour: 11)
            func book(_ start: String) async throws -> APIResult {
                try await client.call(
                    .post, "/api/appointments", token: tenant.token,
                    json: #"{"business_id":"\#(tenant.businessId)","scheduled_date":"\#(start)"}"#)
            }
            let a = try await book(ten)["id"] as! String
            let b = try await book(eleven)["id"] as! String
            let clash = try await client.call(.put, "/api/appointments/\(b)", token: tenant.token, json: #"{"scheduled_date":"\#(ten)"}"#)
            #expect(clash.status == .conflict)
            let cancelled = try await client.call(.delete, "/api/appointments/\(a)", token: tenant.token)
            #expect(cancelled["status"] as? String == "cancelled")
            let moved = try await client.call(.put, "/api/appointments/\(b)", token: tenant.token, json: #"{"scheduled_date":"\#(ten)","status":"confirmed"}"#)
            #expect(moved.status == .ok)
            #expect(moved["scheduled_date"] as? String == ten)
            let day = String(ten.prefix(10))
            let list = try await client.call(
                .get, "/api/appointments?business_id=\(tenant.businessId)&start_date=\(day)&end_date=\(day)&status=confirmed",
                token: tenant.token)
            #expect(list.list("appointments").map { $0["id"] as? String } == [b])
            let none = try await client.call(
                .get, "/api/appointments?business_id=\(tenant.businessId)&start_date=2020-01-01&end_date=2020-01-02", token: tenant.token)
            #expect(none.list("appointments").isEmpty)
        }
    }

    @Test("a reminder goes to the lead's phone through the outbox; without a phone it is refused")
    func remind() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register()
            try await client.openWeekdays(tenant)
            let lead = try await client.createLead(tenant, phone: "+15557654321")["id"] as! String
            let appointment = try await client.call(
                .post, "/api/appointments", token: tenant.token,
                json: #"{"business_id":"\#(tenant.businessId)","lead_id":"\#(lead)","scheduled_date":"\#(nextWeekday(after: client.clock.now, hour: 14))","type":"Cleaning"}"#)["id"] as! String
            let sms = try await client.call(.post, "/api/appointments/\(appointment)/remind", token: tenant.token, json: #"{"method":"sms"}"#)
            #expect(sms.status == .created)
            #expect(sms["to"] as? String == "+15557654321")
            #expect(sms["status"] as? String == "outbox")
            #expect((sms["body"] as? String)?.contains("2:00") == true, "the time is in the business's zone")
            let log = try await client.call(.get, "/api/sms?business_id=\(tenant.businessId)&lead_id=\(lead)", token: tenant.token)
            #expect(log.list("messages").count == 1)
            let walkIn = try await client.call(
                .post, "/api/appointments", token: tenant.token,
                json: #"{"business_id":"\#(tenant.businessId)","scheduled_date":"\#(nextWeekday(after: client.clock.now, hour: 15))"}"#)["id"] as! String
            let noPhone = try await client.call(.post, "/api/appointments/\(walkIn)/remind", token: tenant.token, json: #"{"method":"sms"}"#)
            #expect(noPhone.status == .unprocessableContent)
        }
    }
}
