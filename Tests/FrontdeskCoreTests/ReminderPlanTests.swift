import Foundation
import FrontdeskCore
import Testing

@Suite("Reminder plans: when an appointment's reminders go out, in the business's zone")
struct ReminderPlanTests {
    let zone = BusinessTimeZone("America/New_York")!

    func instant(_ text: String) throws -> Date { try Date(text, strategy: .iso8601) }

    @Test("the day-before reminder keeps the appointment's wall-clock time across the spring-forward night; the hour-before is an hour")
    func acrossDaylightSaving() throws {
        var settings = FollowUpSettings()
        settings.quietHours = nil
        // Monday 2027-03-15 10:00 EDT (14:00 UTC); the clocks went forward on Sunday the 14th.
        let start = try instant("2027-03-15T14:00:00Z")
        let plan = ReminderPlan(appointmentStart: start, settings: settings, zone: zone, now: try instant("2027-03-01T12:00:00Z"))
        // Sunday 10:00 EDT is 14:00 UTC — not 13:00 (24 elapsed hours before, 09:00 on the wall).
        #expect(plan.reminders.map(\.due) == [try instant("2027-03-14T14:00:00Z"), try instant("2027-03-15T13:00:00Z")])
        // The day before that change: Saturday 10:00 EST is 15:00 UTC, 25 hours before.
        let saturday = ReminderPlan.due(start: try instant("2027-03-14T14:00:00Z"), offsetMinutes: 1440, zone: zone)
        #expect(saturday == (try instant("2027-03-13T15:00:00Z")))
        // Two days is two calendar days; 90 minutes is 90 minutes.
        #expect(ReminderPlan.due(start: start, offsetMinutes: 2880, zone: zone) == (try instant("2027-03-13T15:00:00Z")))
        #expect(ReminderPlan.due(start: start, offsetMinutes: 90, zone: zone) == start.addingTimeInterval(-5400))
    }
}
