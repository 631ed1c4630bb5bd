import Foundation
import FrontdeskServer
import HTTPTypes
import Testing

@Suite("Availability and retry-safe creation")
struct AvailabilityAndIdempotencyTests {
    @Test("a booked time disappears from the free slots of its day; the range is checked")
    func availability() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register()
            try await client.openWeekdays(tenant)
            let ten = nextWeekday(after: client.clock.now, hour: 10)
            let day = String(ten.prefix(10))  // 10:00 New York is the same UTC date
            let path = "/api/appointments/availability?business_id=\(tenant.businessId)&start_date=\(day)&end_date=\(day)&duration=60"
            let before = try await client.call(.get, path, token: tenant.token)
            #expect(before.status == .ok, "\(before.json)")
            #expect(before["timezone"] as? String == "America/New_York")
            let times = before.list("slots").compactMap { $0["local_time"] as? String }
            #expect(times == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00", "12:30", "13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00"])
            _ = try await client.call(
                .post, "/api/appointments", token: tenant.token,
                json: #"{"business_id":"\#(tenant.businessId)","scheduled_date":"\#(ten)","duration":30}"#)
            let after = try await client.call(.get, path, token: tenant.token).list("slots").compactMap { $0["local_time"] as? String }
            #expect(!after.contains("09:30") && !after.contains("10:00"), "an hour starting 09:30 or 10:00 would overlap")
            #expect(after.contains("09:00") && after.contains("10:30"))
            let byService = try await client.call(
                .get, "/api/appointments/availability?business_id=\(tenant.businessId)&start_date=\(day)&end_date=\(day)&type=cleaning",
                token: tenant.token)
            #expect(byService["duration"] as? Int == 45)

            let backwards = try await client.call(
                .get, "/api/appointments/availability?business_id=\(tenant.businessId)&start_date=2026-02-01&end_date=2026-01-01", token: tenant.token)
            #expect(backwards.details["end_date"] != nil)
            let tooLong = try await client.call(
                .get, "/api/appointments/availability?business_id=\(tenant.businessId)&start_date=2026-01-01&end_date=2026-12-31", token: tenant.token)
            #expect(tooLong.status == .unprocessableContent)
            let missing = try await client.call(.get, "/api/appointments/availability?business_id=\(tenant.businessId)", token: tenant.token)
            #expect(Set(missing.details.keys) == ["start_date", "end_date"])
        }
    }

    @Test("the same Idempotency-Key and body replays the first response; another body is refused")
    func idempotentCreation() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register()
            try await client.openWeekdays(tenant)
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "booking-7f3a"]
            let body = #"{"business_id":"\#(tenant.businessId)","scheduled_date":"\#(nextWeekday(after: client.clock.now, hour: 11))"}"#
            let first = try await client.call(.post, "/api/appointments", token: tenant.token, json: body, headers: key)
            #expect(first.status == .created)
            let retry = try await client.call(.post, "/api/appointments", token: tenant.token, json: body, headers: key)
            #expect(retry.status == .created, "a retry is not a double booking")
            #expect(retry["id"] as? String == first["id"] as? String)
            #expect(retry.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            let list = try await client.call(.get, "/api/appointments?business_id=\(tenant.businessId)", token: tenant.token)
            #expect(list["pagination.total"] as? Int == 1)

            let other = try await client.call(
                .post, "/api/appointments", token: tenant.token,
                json: #"{"business_id":"\#(tenant.businessId)","scheduled_date":"\#(nextWeekday(after: client.clock.now, hour: 14))"}"#, headers: key)
            #expect(other.status == .unprocessableContent)
            #expect(other.details["Idempotency-Key"] != nil)

            // A failed request does not use up its key: fix the body and retry with the same key.
            let leadKey: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "lead-1"]
            let bad = try await client.call(.post, "/api/leads", token: tenant.token, json: #"{"business_id":"\#(tenant.businessId)"}"#, headers: leadKey)
            #expect(bad.status == .unprocessableContent)
            let leadBody = #"{"business_id":"\#(tenant.businessId)","phone":"+15550007777"}"#
            let good = try await client.call(.post, "/api/leads", token: tenant.token, json: leadBody, headers: leadKey)
            #expect(good.status == .created)
            let again = try await client.call(.post, "/api/leads", token: tenant.token, json: leadBody, headers: leadKey)
            #expect(again.status == .created)
            #expect(again["id"] as? String == good["id"] as? String)
            // Keys belong to their user: another tenant's same key is a different key.
            let stranger = try await client.register("Stranger")
            let theirs = try await client.call(
                .post, "/api/leads", token: stranger.token,
                json: #"{"business_id":"\#(stranger.businessId)","phone":"+15550007777"}"#, headers: leadKey)
            #expect(theirs.status == .created)
            #expect(theirs["id"] as? String != good["id"] as? String)
        }
    }
}
