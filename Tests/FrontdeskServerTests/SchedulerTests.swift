import Foundation
import FrontdeskCore
@testable import FrontdeskServer
import FrontdeskStore
import HTTPTypes
import Logging
import Testing

@Suite("Scheduler: reminders and follow-up texts, planned from events and run once even across a crash")
struct SchedulerTests {
    /// A tenant open on weekdays with a lead (phone and email) and its appointment next Wednesday at 10:00 New York time.
    func booked(_ client: TestApp.ServedClient, settings: String = "") async throws -> (Tenant, leadId: String, appointmentId: String, start: Date) {
        let owner = try await client.register("Owner")
        try await client.openWeekdays(owner)
        if !settings.isEmpty {
            #expect(try await client.call(.put, "/api/businesses/\(owner.businessId)", token: owner.token, json: #"{"settings":\#(settings)}"#).status == .ok)
        }
        let lead = try await client.createLead(owner, phone: "+15551239876", name: "Maria Lopez")
        let leadId = try #require(lead["id"] as? String)
        let when = nextWeekday(after: client.clock.now.addingTimeInterval(2 * 86_400), hour: 10)
        let appointment = try await client.call(
            .post, "/api/appointments", token: owner.token,
            json: #"{"business_id":"\#(owner.businessId)","lead_id":"\#(leadId)","scheduled_date":"\#(when)","type":"Cleaning"}"#)
        #expect(appointment.status == .created, "\(appointment.json)")
        return (owner, leadId, try #require(appointment["id"] as? String), try #require(ISO8601DateFormatter().date(from: when)))
    }

    /// A token good at the test clock's time (the clock jumps days; access tokens last minutes).
    func token(_ client: TestApp.ServedClient, _ owner: Tenant) async throws -> String {
        let login = try await client.call(.post, "/api/auth/login", json: #"{"email":"\#(owner.email)","password":"correct horse"}"#)
        return try #require(login["token"] as? String, "login: \(login.json)")
    }

    func jobs(_ client: TestApp.ServedClient, _ owner: Tenant, _ query: String = "") async throws -> [[String: Any]] {
        try await client.call(.get, "/api/jobs?business_id=\(owner.businessId)\(query)", token: try await token(client, owner)).list("jobs")
    }

    func texts(_ client: TestApp.ServedClient, _ owner: Tenant) async throws -> [[String: Any]] {
        try await client.call(.get, "/api/sms?business_id=\(owner.businessId)", token: try await token(client, owner)).list("messages")
    }

    /// Moves the test clock to `instant` (only forward).
    func move(_ client: TestApp.ServedClient, to instant: Date) {
        client.clock.advance(seconds: max(0, instant.timeIntervalSince(client.clock.now)))
    }

    @Test("a booked appointment gets its day-before and hour-before reminders when they come due, and no sooner")
    func remindersComeDue() async throws {
        try await TestApp().serve { client in
            let (owner, _, appointmentId, start) = try await booked(client)
            try await eventually("two reminders planned") { try await jobs(client, owner).count == 2 }
            let planned = try await jobs(client, owner)
            let dues = Set(planned.compactMap { ($0["due_at"] as? String).flatMap(ISO8601DateFormatter().date) })
            #expect(dues == [start.addingTimeInterval(-86_400), start.addingTimeInterval(-3_600)])
            #expect(planned.allSatisfy { $0["kind"] as? String == "appointment_reminder" && $0["status"] as? String == "pending" })
            #expect(planned.allSatisfy { ($0["payload"] as? [String: Any])?["appointment_id"] as? String == appointmentId })

            // A minute before the first is due: nothing sent.
            move(client, to: start.addingTimeInterval(-86_400 - 60))
            try await Task.sleep(for: .milliseconds(600))
            #expect(try await texts(client, owner).isEmpty)

            move(client, to: start.addingTimeInterval(-86_400 + 5))
            try await eventually("the day-before reminder") { try await texts(client, owner).count == 1 }
            let first = try #require(try await texts(client, owner).first)
            #expect(first["to"] as? String == "+15551239876")
            let body = try #require(first["body"] as? String)
            #expect(body.contains("Reminder: your Cleaning at") && body.contains("at 10:00 AM") && body.contains("Reply C to confirm, R to reschedule"))
            let firstId = first["id"] as? String ?? "?"
            try await eventually("the job done, naming its message") {
                try await jobs(client, owner, "&status=done").first?["result"] as? String == "sms \(firstId) outbox"
            }

            move(client, to: start.addingTimeInterval(-3_600 + 5))
            try await eventually("the hour-before reminder") { try await texts(client, owner).count == 2 }
            try await eventually("both jobs done") { try await jobs(client, owner, "&status=done").count == 2 }
            #expect(try await jobs(client, owner, "&status=pending").isEmpty)
            // Nothing more, however long the clock runs.
            move(client, to: start.addingTimeInterval(86_400))
            try await Task.sleep(for: .milliseconds(600))
            #expect(try await texts(client, owner).count == 2)
        }
    }

    @Test("a moved appointment is reminded at its new time only; a cancelled one not at all; a no-show gets a follow-up")
    func movedCancelledNoShow() async throws {
        try await TestApp().serve { client in
            let (owner, _, appointmentId, start) = try await booked(client)
            try await eventually("two reminders planned") { try await jobs(client, owner).count == 2 }
            let later = start.addingTimeInterval(2 * 3_600)
            let moved = try await client.call(
                .put, "/api/appointments/\(appointmentId)", token: try await token(client, owner),
                json: #"{"scheduled_date":"\#(later.formatted(Date.ISO8601FormatStyle(timeZone: .gmt)))"}"#)
            #expect(moved.status == .ok, "\(moved.json)")
            try await eventually("four reminders planned") { try await jobs(client, owner).count == 4 }

            move(client, to: later.addingTimeInterval(-3_600 + 5))
            try await eventually("old reminders skipped, new ones sent") {
                let skipped = try await jobs(client, owner, "&status=skipped").count
                let done = try await jobs(client, owner, "&status=done").count
                return skipped == 3 && done == 1
            }
            let skipped = try await jobs(client, owner, "&status=skipped").compactMap { $0["result"] as? String }
            #expect(skipped.filter { $0.contains("was moved") }.count == 2)
            // The new time's day-before reminder came due 23 hours late (the clock jumped): too late to be useful.
            #expect(skipped.filter { $0.hasPrefix("too late to remind") }.count == 1)
            let sent = try await texts(client, owner)
            #expect(sent.count == 1)
            #expect((sent.first?["body"] as? String)?.contains("at 12:00 PM") == true)

            // Marked a no-show: a follow-up text (its reminders are over).
            move(client, to: later.addingTimeInterval(3_600))
            #expect(try await client.call(.put, "/api/appointments/\(appointmentId)", token: try await token(client, owner), json: #"{"status":"no_show"}"#).status == .ok)
            try await eventually("the no-show follow-up") {
                try await texts(client, owner).contains { ($0["body"] as? String)?.contains("We missed you at your Cleaning") == true }
            }
            // The text is stored before its job records the outcome: wait for the record too.
            try await eventually("the no-show job done") { try await jobs(client, owner, "&kind=no_show_follow_up&status=done").count == 1 }

            // Another booking, cancelled: its reminders are skipped when they come due, and nothing is sent.
            let lead = try #require(try await client.call(.get, "/api/appointments/\(appointmentId)", token: try await token(client, owner))["lead_id"] as? String)
            let when = nextWeekday(after: client.clock.now.addingTimeInterval(2 * 86_400), hour: 11)
            let second = try await client.call(
                .post, "/api/appointments", token: try await token(client, owner),
                json: #"{"business_id":"\#(owner.businessId)","lead_id":"\#(lead)","scheduled_date":"\#(when)","type":"Cleaning"}"#)
            #expect(second.status == .created, "\(second.json)")
            let secondId = try #require(second["id"] as? String)
            try await eventually("its two reminders planned") { try await jobs(client, owner, "&status=pending").count == 2 }
            #expect(try await client.call(.put, "/api/appointments/\(secondId)", token: try await token(client, owner), json: #"{"status":"cancelled"}"#).status == .ok)
            let before = try await texts(client, owner).count
            move(client, to: try #require(ISO8601DateFormatter().date(from: when)).addingTimeInterval(-3_600 + 5))
            try await eventually("both skipped as cancelled") {
                try await jobs(client, owner, "&status=skipped").filter { ($0["result"] as? String) == "the appointment is cancelled" }.count == 2
            }
            #expect(try await texts(client, owner).count == before)
        }
    }

    @Test("reminders inside the quiet hours are left out, and a client who texted STOP gets none")
    func quietHoursAndOptOut() async throws {
        let app = TestApp()
        try await app.serve { client in
            // 90 minutes before 10:00 is 08:30 (sent); 150 minutes before is 07:30, inside 21:00–08:00 (left out).
            let (owner, _, _, start) = try await booked(client, settings: #"{"follow_ups":{"reminder_offsets_minutes":[150, 90]}}"#)
            try await eventually("one reminder planned") { try await jobs(client, owner).count == 1 }
            let planned = try #require(try await jobs(client, owner).first)
            #expect(planned["due_at"] as? String == start.addingTimeInterval(-5_400).formatted(Date.ISO8601FormatStyle(timeZone: .gmt)))
            #expect(try await client.call(.get, "/api/businesses/\(owner.businessId)", token: try await token(client, owner))["settings"]
                .flatMap { ($0 as? [String: Any])?["follow_ups"] as? [String: Any] }?["reminder_offsets_minutes"] as? [Int] == [150, 90])

            // Opted out (STOP) before it is due: skipped, nothing sent.
            let store = try await app.openStore()
            try await store.messages.optOut(business: BusinessID(rawValue: owner.businessId), phone: "+15551239876", at: client.clock.now)
            await store.close()
            move(client, to: start.addingTimeInterval(-5_400 + 1))
            try await eventually("skipped for the opt-out") {
                try await jobs(client, owner, "&status=skipped").first?["result"] as? String == "the client opted out of texts (STOP)"
            }
            #expect(try await texts(client, owner).isEmpty)

            // Bad settings are refused with the field named.
            for bad in [#"{"reminder_offsets_minutes":[5]}"#, #"{"reminder_offsets_minutes":[60,60]}"#, #"{"quiet_hours":{"start":"21:00","end":"21:00"}}"#] {
                let refused = try await client.call(.put, "/api/businesses/\(owner.businessId)", token: try await token(client, owner), json: #"{"settings":{"follow_ups":\#(bad)}}"#)
                #expect(refused.status == .unprocessableContent, "\(bad): \(refused.json)")
            }
            #expect(try await client.call(.get, "/api/jobs?business_id=\(owner.businessId)&status=sideways", token: try await token(client, owner)).status == .unprocessableContent)
            let stranger = try await client.register("Stranger")
            #expect(try await client.call(.get, "/api/jobs?business_id=\(owner.businessId)", token: try await token(client, stranger)).status == .notFound)
            #expect(try await client.call(.get, "/api/jobs/\(planned["id"] as? String ?? "")", token: try await token(client, stranger)).status == .notFound)
            #expect(try await client.call(.get, "/api/jobs/\(planned["id"] as? String ?? "")", token: try await token(client, owner))["key"] as? String != nil)
        }
    }

    @Test("a job leased by a process that died runs again after its lease; a send it left half-done is never repeated")
    func crashedRunner() async throws {
        let app = TestApp()
        try await app.serve { client in
            let (owner, _, _, start) = try await booked(client, settings: #"{"follow_ups":{"reminder_offsets_minutes":[1440, 60]}}"#)
            try await eventually("two reminders planned") { try await jobs(client, owner).count == 2 }
            // Another process claims both when the first is due and dies: leased for 60 s, never finished.
            let other = try await app.openStore()
            let dayBefore = start.addingTimeInterval(-86_400)
            let claimed = try await other.jobs.claimDue(now: dayBefore.addingTimeInterval(1), lease: .seconds(60), limit: 10)
            #expect(claimed.count == 1)
            let job = try #require(claimed.first)
            #expect(job.attempts == 1 && job.status == .running)
            // It had stored the text under the job's key and was sending it when it died.
            let time = dayBefore.addingTimeInterval(1)
            let halfSent = Message(
                id: .generate(), businessId: job.businessId, leadId: nil, channel: .sms, direction: .outbound, to: "+15551239876", from: nil,
                subject: nil, body: "Reminder (interrupted)", status: .queued, provider: "outbox", providerMessageId: nil, error: nil,
                createdAt: time, updatedAt: time)
            #expect(try await other.messages.claim(halfSent, key: job.effectKey).id == halfSent.id)
            await other.close()

            // Inside the lease: this process leaves it alone.
            move(client, to: dayBefore.addingTimeInterval(30))
            try await Task.sleep(for: .milliseconds(600))
            #expect(try await jobs(client, owner, "&status=running").count == 1)

            // After the lease: taken over (attempt 2); the half-sent text becomes unconfirmed and is not sent again.
            move(client, to: dayBefore.addingTimeInterval(62))
            try await eventually("the job taken over and done") { try await jobs(client, owner, "&status=done").count == 1 }
            let done = try #require(try await jobs(client, owner, "&status=done").first)
            #expect(done["attempts"] as? Int == 2)
            #expect((done["result"] as? String)?.contains("may have been sent") == true)
            let sent = try await texts(client, owner)
            #expect(sent.count == 1)
            #expect(sent.first?["status"] as? String == "unconfirmed")
            // The process that died comes back and records its outcome late: refused (the attempt is not its own).
            let returning = try await app.openStore()
            #expect(try await returning.jobs.finish(job.id, attempt: 1, status: .done, result: "late", now: client.clock.now) == false)
            await returning.close()
        }
    }
}
