import Foundation
import FrontdeskCore
import Testing

@Suite("Opening hours in the business's zone")
struct OpeningHoursTests {
    static func settings(_ json: String) throws -> BusinessSettings {
        try JSONDecoder().decode(BusinessSettings.self, from: Data(json.utf8))
    }

    static func utc(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    @Test("every seed shape of a day's hours is understood")
    func dayHourShapes() throws {
        let settings = try Self.settings(
            """
            {"timezone":"America/New_York","business_hours":{
              "monday":{"open":"09:00","close":"17:00"},
              "tuesday":[{"open":"09:00","close":"12:00"},{"open":"13:00","close":"17:00"}],
              "wednesday":null, "thursday":"closed", "friday":{"closed":true}, "saturday":[]}}
            """)
        let hours = settings.businessHours
        #expect(hours.hours(on: .monday).ranges.count == 1)
        #expect(hours.hours(on: .tuesday).ranges.count == 2)
        for day in [Weekday.wednesday, .thursday, .friday, .saturday, .sunday] {
            #expect(hours.hours(on: day).isClosed)
        }
    }

    @Test("overlapping ranges, backwards ranges and unknown days are refused")
    func invalidHours() {
        #expect(throws: DecodingError.self) {
            try Self.settings(#"{"business_hours":{"monday":[{"open":"09:00","close":"13:00"},{"open":"12:00","close":"17:00"}]}}"#)
        }
        #expect(throws: DecodingError.self) {
            try Self.settings(#"{"business_hours":{"monday":{"open":"17:00","close":"09:00"}}}"#)
        }
        #expect(throws: DecodingError.self) { try Self.settings(#"{"business_hours":{"funday":null}}"#) }
        #expect(throws: DecodingError.self) { try Self.settings(#"{"timezone":"Nowhere/Special"}"#) }
    }

    @Test("spring-forward day: morning and afternoon windows are at the new offset")
    func springForward() throws {
        // 2024-03-10, New York goes from UTC-5 to UTC-4 at 02:00.
        let hours = OpeningHours(settings: try Self.settings(
            #"{"timezone":"America/New_York","business_hours":{"sunday":[{"open":"01:00","close":"04:00"},{"open":"13:00","close":"17:00"}]}}"#))
        let windows = hours.windows(on: LocalDate("2024-03-10")!)
        #expect(windows.count == 2)
        #expect(windows[0].start == Self.utc("2024-03-10T06:00:00Z"))  // 01:00 EST
        #expect(windows[0].end == Self.utc("2024-03-10T08:00:00Z"))  // 04:00 EDT: only 2 real hours
        #expect(windows[1].start == Self.utc("2024-03-10T17:00:00Z"))  // 13:00 EDT
        #expect(windows[1].end == Self.utc("2024-03-10T21:00:00Z"))
    }

    @Test("fall-back day: morning and afternoon windows are at the right offsets")
    func fallBack() throws {
        // 2024-11-03, New York goes from UTC-4 back to UTC-5 at 02:00.
        let hours = OpeningHours(settings: try Self.settings(
            #"{"timezone":"America/New_York","business_hours":{"sunday":[{"open":"00:30","close":"03:00"},{"open":"13:00","close":"17:00"}]}}"#))
        let windows = hours.windows(on: LocalDate("2024-11-03")!)
        #expect(windows[0].start == Self.utc("2024-11-03T04:30:00Z"))  // 00:30 EDT
        #expect(windows[0].end == Self.utc("2024-11-03T08:00:00Z"))  // 03:00 EST: 3.5 real hours
        #expect(windows[1].start == Self.utc("2024-11-03T18:00:00Z"))  // 13:00 EST
        #expect(windows[1].end == Self.utc("2024-11-03T22:00:00Z"))
    }

    @Test("a holiday override closes a weekday; an override can open a closed day")
    func overrides() throws {
        let hours = OpeningHours(settings: try Self.settings(
            """
            {"timezone":"Europe/Berlin","business_hours":{"wednesday":{"open":"09:00","close":"17:00"}},
             "date_overrides":{"2025-12-24":[],"2025-12-27":{"open":"10:00","close":"12:00"}}}
            """))
        #expect(hours.windows(on: LocalDate("2025-12-24")!).isEmpty)
        #expect(hours.windows(on: LocalDate("2025-12-31")!).count == 1)
        #expect(hours.windows(on: LocalDate("2025-12-27")!).first?.start == Self.utc("2025-12-27T09:00:00Z"))
    }

    @Test("an appointment must fit inside one window of its local day")
    func isOpen() throws {
        let hours = OpeningHours(settings: try Self.settings(
            #"{"timezone":"America/Los_Angeles","business_hours":{"monday":[{"open":"09:00","close":"12:00"},{"open":"13:00","close":"17:00"}]}}"#))
        // Monday 2025-06-02, PDT (UTC-7).
        #expect(hours.isOpen(from: Self.utc("2025-06-02T16:00:00Z"), minutes: 30))  // 09:00
        #expect(hours.isOpen(from: Self.utc("2025-06-02T18:30:00Z"), minutes: 30))  // 11:30–12:00
        #expect(!hours.isOpen(from: Self.utc("2025-06-02T18:45:00Z"), minutes: 30), "runs into lunch")
        #expect(!hours.isOpen(from: Self.utc("2025-06-02T15:30:00Z"), minutes: 30), "before opening")
        #expect(!hours.isOpen(from: Self.utc("2025-06-03T16:00:00Z"), minutes: 30), "Tuesday is closed")
    }
}

@Suite("Hours errors say what is wrong")
struct HoursErrorTests {
    @Test("a backwards range inside a list is reported as such, not as a wrong type")
    func backwardsInList() {
        do {
            _ = try JSONDecoder().decode(
                BusinessSettings.self, from: Data(#"{"business_hours":{"monday":[{"open":"17:00","close":"09:00"}]}}"#.utf8))
            Issue.record("accepted a backwards range")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.debugDescription == "must be later than open")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
