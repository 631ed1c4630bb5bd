import Foundation
import Testing

@testable import FrontdeskCore

/// The owner's daily chart: calls counted on their local day in the business's zone.
@Suite("Calls per local day")
struct DailyActivityTests {
    static func instant(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    static let hours: OpeningHours = {
        let open = DayHours([TimeRange(open: WallClockTime("09:00")!, close: WallClockTime("17:00")!)!])!
        var days: [Weekday: DayHours] = [:]
        for day in [Weekday.monday, .tuesday, .wednesday, .thursday, .friday, .saturday, .sunday] { days[day] = open }
        var settings = BusinessSettings.default
        settings.timezone = BusinessTimeZone("America/New_York")!
        settings.businessHours = WeeklyHours(days)
        settings.dateOverrides = [LocalDate(year: 2026, month: 11, day: 2)!: .closed]
        return OpeningHours(settings: settings)
    }()

    @Test("across the autumn DST change: a call at 23:30 EDT is the day before, one at 00:30 the day after; closed days count after hours")
    func dstBoundaries() {
        let calls = [
            CallActivity(startedAt: Self.instant("2026-11-01T03:30:00Z"), status: .completed, outcome: .booked, cost: 0.01),  // Oct 31, 23:30 EDT
            CallActivity(startedAt: Self.instant("2026-11-01T04:30:00Z"), status: .completed, outcome: nil, cost: 0),  // Nov 1, 00:30 EDT
            CallActivity(startedAt: Self.instant("2026-11-02T04:59:00Z"), status: .completed, outcome: nil, cost: 0),  // Nov 1, 23:59 EST
            CallActivity(startedAt: Self.instant("2026-11-02T15:00:00Z"), status: .completed, outcome: .booked, cost: 0),  // Nov 2, 10:00, closed
            CallActivity(startedAt: Self.instant("2026-11-02T16:00:00Z"), status: .failed, outcome: .failed, cost: 0),
            CallActivity(startedAt: Self.instant("2026-10-29T15:00:00Z"), status: .completed, outcome: nil, cost: 0),  // before the window
        ]
        let days = DailyActivity.tally(calls, hours: Self.hours, last: LocalDate(year: 2026, month: 11, day: 2)!, days: 3)
        #expect(days.map(\.date.description) == ["2026-10-31", "2026-11-01", "2026-11-02"])
        #expect(days.map(\.calls) == [1, 2, 2])
        #expect(days.map(\.answered) == [1, 2, 1])
        #expect(days.map(\.booked) == [1, 0, 1])
        #expect(days.map(\.afterHours) == [1, 2, 1], "23:30, 00:30, 23:59 and a closed day are after hours; a failed call is not caught")
        #expect(days[0].cost == 0.01)
    }

    @Test("calls we placed: answered only when a person picked up (not a voicemail, not unanswered), never counted as after-hours calls caught")
    func outboundCalls() {
        let evening = Self.instant("2026-11-02T01:00:00Z")  // Nov 1, 20:00 EST: after hours
        let calls = [
            CallActivity(startedAt: evening, status: .completed, outcome: .voicemail, cost: 0, direction: .outbound),
            CallActivity(startedAt: evening, status: .completed, outcome: .noAnswer, cost: 0, direction: .outbound),
            CallActivity(startedAt: evening, status: .completed, outcome: .booked, cost: 0, direction: .outbound),
            CallActivity(startedAt: evening, status: .completed, outcome: nil, cost: 0),
        ]
        let day = DailyActivity.tally(calls, hours: Self.hours, last: LocalDate(year: 2026, month: 11, day: 1)!, days: 1)[0]
        #expect(day.calls == 4)
        #expect(day.answered == 2, "the booked outbound call and the inbound one")
        #expect(day.booked == 1)
        #expect(day.afterHours == 1, "only the inbound caller was caught after hours")
    }
}
