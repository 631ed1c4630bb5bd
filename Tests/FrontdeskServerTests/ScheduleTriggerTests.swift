import Foundation
import FrontdeskCore
@testable import FrontdeskServer
import HTTPTypes
import Testing

@Suite("Schedule and date triggers: workflows that look for leads at a time of day, week or month")
struct ScheduleTriggerTests {
    func token(_ client: TestApp.ServedClient, _ owner: Tenant) async throws -> String {
        let login = try await client.call(.post, "/api/auth/login", json: #"{"email":"\#(owner.email)","password":"correct horse"}"#)
        return try #require(login["token"] as? String, "login: \(login.json)")
    }

    func texts(_ client: TestApp.ServedClient, _ owner: Tenant) async throws -> [String] {
        try await client.call(.get, "/api/sms?business_id=\(owner.businessId)", token: try await token(client, owner)).list("messages")
            .compactMap { $0["body"] as? String }
    }

    func iso(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt)) }

    func move(_ client: TestApp.ServedClient, to date: Date) { client.clock.advance(seconds: date.timeIntervalSince(client.clock.now)) }

    /// Tuesday 2027-01-12, 07:00 in New York.
    static let start = Date(timeIntervalSince1970: 1_799_766_000 - 3 * 3600)

    @Test("a daily 09:00 workflow enrolls the new leads it finds each morning, each once; a date trigger enrolls the leads that came in two days before; a paused one does not run")
    func scheduleAndDate() async throws {
        try await TestApp(clock: TestClock(Self.start)).serve { client in
            let owner = try await client.register("Owner")
            #expect(try await client.call(
                .put, "/api/businesses/\(owner.businessId)", token: owner.token, json: #"{"settings":{"timezone":"America/New_York","follow_ups":{"quiet_hours":null}}}"#
            ).status == .ok)
            let daily = try await client.call(
                .post, "/api/workflows", token: owner.token,
                json: #"{"business_id":"\#(owner.businessId)","name":"Morning nudge","trigger":{"type":"schedule","every":"day","at":"09:00","audience":{"status":"new"}},"actions":[{"type":"send_sms","text":"Morning {{contact.first_name}}!"}]}"#)
            #expect(daily.status == .created, "\(daily.json)")
            #expect((daily["trigger"] as? [String: Any])?["every"] as? String == "day")
            let dailyId = try #require(daily["id"] as? String)
            let nineAM = Self.start.addingTimeInterval(2 * 3600)
            let planned = try await client.call(.get, "/api/jobs?business_id=\(owner.businessId)&kind=workflow_schedule", token: owner.token).list("jobs")
            #expect(planned.map { $0["due_at"] as? String } == [iso(nineAM)], "\(planned)")

            let twoDays = try await client.call(
                .post, "/api/workflows", token: owner.token,
                json: #"{"business_id":"\#(owner.businessId)","name":"Two days in","trigger":{"type":"date","field":"lead.created_at","offset_days":2,"at":"10:00"},"actions":[{"type":"add_tag","tag":"two-days"}]}"#)
            let twoDaysId = try #require(twoDays["id"] as? String, "\(twoDays.json)")

            _ = try await client.createLead(owner, phone: "+15551230701", name: "Ana First")
            move(client, to: nineAM.addingTimeInterval(1))
            try await eventually("Ana's morning text") { try await texts(client, owner) == ["Morning Ana!"] }

            // The next day, before nine: a new lead; only she gets the text (Ana was enrolled once).
            move(client, to: nineAM.addingTimeInterval(86_400 - 3600))
            _ = try await client.call(
                .post, "/api/leads", token: try await token(client, owner),
                json: #"{"business_id":"\#(owner.businessId)","phone":"+15551230702","name":"Bo Second"}"#)
            move(client, to: nineAM.addingTimeInterval(86_400 + 1))
            try await eventually("Bo's morning text") { try await texts(client, owner).count == 2 }
            #expect(Set(try await texts(client, owner)) == ["Morning Ana!", "Morning Bo!"])

            // Two days after Ana came in, at 10:00: she alone is enrolled in "Two days in".
            move(client, to: nineAM.addingTimeInterval(2 * 86_400 + 3600 + 1))
            try await eventually("Ana two days in") {
                try await client.call(.get, "/api/workflows/\(twoDaysId)/enrollments", token: try await token(client, owner)).list("enrollments").count == 1
            }
            let enrolled = try await client.call(.get, "/api/workflows/\(twoDaysId)/enrollments", token: try await token(client, owner)).list("enrollments")
            #expect((enrolled.first?["context"] as? [String: Any])?["contact.first_name"] as? String == "Ana")

            // Paused: the next morning's run does nothing; active again, the run after is planned.
            #expect(try await client.call(.put, "/api/workflows/\(dailyId)", token: try await token(client, owner), json: #"{"status":"paused"}"#).status == .ok)
            _ = try await client.call(
                .post, "/api/leads", token: try await token(client, owner),
                json: #"{"business_id":"\#(owner.businessId)","phone":"+15551230703","name":"Cy Third"}"#)
            move(client, to: nineAM.addingTimeInterval(3 * 86_400 + 1))
            try await Task.sleep(for: .milliseconds(600))
            #expect(try await texts(client, owner).count == 2)
            #expect(try await client.call(.put, "/api/workflows/\(dailyId)", token: try await token(client, owner), json: #"{"status":"active"}"#).status == .ok)
            move(client, to: nineAM.addingTimeInterval(4 * 86_400 + 1))
            try await eventually("Cy's morning text") { try await texts(client, owner).contains("Morning Cy!") }

            for (trigger, field) in [
                (#"{"type":"schedule","at":"09:00"}"#, "trigger"), (#"{"type":"schedule","every":"day"}"#, "trigger"),
                (#"{"type":"schedule","every":"day","at":"09:00","weekday":2}"#, "trigger"), (#"{"type":"schedule","every":"month","at":"09:00","day":31}"#, "trigger"),
                (#"{"type":"date","at":"09:00"}"#, "trigger"), (#"{"type":"date","field":"lead.created_at","offset_days":400}"#, "trigger"),
                (#"{"type":"date","field":"lead.birthday"}"#, "trigger"), (#"{"type":"schedule","every":"day","at":"25:00"}"#, "trigger"),
            ] {
                let refused = try await client.call(
                    .post, "/api/workflows", token: try await token(client, owner),
                    json: #"{"business_id":"\#(owner.businessId)","name":"x","trigger":\#(trigger),"actions":[{"type":"exit"}]}"#)
                #expect(refused.status == .unprocessableContent || refused.status == .badRequest, "\(trigger): \(refused.json)")
                #expect(refused.details.keys.contains { $0.hasPrefix(field) } || (refused.json["message"] as? String)?.contains(field) == true, "\(trigger): \(refused.json)")
            }
        }
    }

    @Test("next runs: weekly on a weekday, monthly on a day, daily across New York's spring-forward night")
    func nextRuns() throws {
        let zone = try #require(BusinessTimeZone("America/New_York"))
        let weekly = WorkflowSchedule(every: .week, at: WallClockTime("09:30")!, weekday: 5)
        // Tuesday 07:00 → Friday 09:30 (14:30 UTC).
        #expect(weekly.next(after: Self.start, in: zone) == Self.start.addingTimeInterval(3 * 86_400 + 2.5 * 3600))
        let monthly = WorkflowSchedule(every: .month, at: WallClockTime("08:00")!, day: 1)
        #expect(monthly.next(after: Self.start, in: zone)?.formatted(Date.ISO8601FormatStyle(timeZone: .gmt)) == "2027-02-01T13:00:00Z")
        // 2027-03-14 is the spring-forward Sunday: 09:00 is 13:00 UTC from then on, 14:00 before.
        let daily = WorkflowSchedule(every: .day, at: WallClockTime("09:00")!)
        let saturday = try Date("2027-03-13T15:00:00Z", strategy: .iso8601)
        #expect(daily.next(after: saturday, in: zone)?.formatted(Date.ISO8601FormatStyle(timeZone: .gmt)) == "2027-03-14T13:00:00Z")
    }
}
