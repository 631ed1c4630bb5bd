import Foundation
import FrontdeskCore
import Testing

@Suite("Availability")
struct AvailabilityTests {
    static func settings(_ json: String) throws -> BusinessSettings {
        try JSONDecoder().decode(BusinessSettings.self, from: Data(json.utf8))
    }

    static func utc(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    static func hhmm(_ slots: [Slot], _ zone: String) -> [String] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone)!
        return slots.map {
            let c = calendar.dateComponents([.hour, .minute], from: $0.start)
            return String(format: "%02d:%02d", c.hour!, c.minute!)
        }
    }

    @Test("slots step through each window and stop where the duration no longer fits")
    func stepping() throws {
        let calculator = AvailabilityCalculator(settings: try Self.settings(
            #"{"timezone":"America/Chicago","business_hours":{"monday":[{"open":"09:00","close":"11:00"},{"open":"13:00","close":"14:00"}]},"booking":{"slot_interval":30,"minimum_notice":0,"max_days_ahead":730}}"#))
        let day = LocalDate("2025-06-02")!
        let slots = calculator.slots(from: day, through: day, duration: 45, busy: [], now: Self.utc("2025-06-01T00:00:00Z"))
        #expect(Self.hhmm(slots, "America/Chicago") == ["09:00", "09:30", "10:00", "13:00"])
    }

    @Test("busy appointments and their buffers remove the slots they touch")
    func busyAndBuffers() throws {
        let calculator = AvailabilityCalculator(settings: try Self.settings(
            #"{"timezone":"UTC","business_hours":{"monday":{"open":"09:00","close":"13:00"}},"booking":{"slot_interval":30,"buffer_after":15,"minimum_notice":0,"max_days_ahead":730}}"#))
        let day = LocalDate("2025-06-02")!
        // Busy 10:00–10:30; with 15 min after it (and after each candidate) 09:30 and 10:30 are too close.
        let busy = [BusyInterval(start: Self.utc("2025-06-02T10:00:00Z"), end: Self.utc("2025-06-02T10:30:00Z"))]
        let slots = calculator.slots(from: day, through: day, duration: 30, busy: busy, now: Self.utc("2025-06-01T00:00:00Z"))
        #expect(Self.hhmm(slots, "UTC") == ["09:00", "11:00", "11:30", "12:00", "12:30"])
    }

    @Test("minimum notice, the booking horizon and the daily maximum are applied")
    func limits() throws {
        let calculator = AvailabilityCalculator(settings: try Self.settings(
            #"{"timezone":"UTC","business_hours":{"monday":{"open":"09:00","close":"12:00"},"tuesday":{"open":"09:00","close":"12:00"}},"booking":{"slot_interval":60,"minimum_notice":120,"max_per_day":1,"max_days_ahead":1}}"#))
        let now = Self.utc("2025-06-02T08:30:00Z")
        let monday = calculator.slots(from: LocalDate("2025-06-02")!, through: LocalDate("2025-06-03")!, duration: 60, busy: [], now: now)
        #expect(monday.map(\.start) == [Self.utc("2025-06-02T11:00:00Z")], "10:30 is the earliest; Tuesday 09:00 is past the 1-day horizon")
        let booked = [BusyInterval(start: Self.utc("2025-06-02T09:00:00Z"), end: Self.utc("2025-06-02T10:00:00Z"))]
        #expect(calculator.slots(from: LocalDate("2025-06-02")!, through: LocalDate("2025-06-02")!, duration: 60, busy: booked, now: now).isEmpty)
    }

    @Test("on both DST change days, morning and afternoon slots are at local wall-clock times",
          arguments: ["2024-03-10", "2024-11-03"])
    func dst(_ date: String) throws {
        let calculator = AvailabilityCalculator(settings: try Self.settings(
            #"{"timezone":"America/New_York","business_hours":{"sunday":[{"open":"08:00","close":"10:00"},{"open":"15:00","close":"16:00"}]},"booking":{"slot_interval":60,"minimum_notice":0,"max_days_ahead":730}}"#))
        let day = LocalDate(date)!
        let slots = calculator.slots(from: day, through: day, duration: 60, busy: [], now: Self.utc("\(date)T00:00:00Z").addingTimeInterval(-86_400))
        #expect(Self.hhmm(slots, "America/New_York") == ["08:00", "09:00", "15:00"])
        // The UTC offset differs from the day before for every slot (DST changed at 02:00).
        let offset = date == "2024-03-10" ? 4 : 5
        #expect(slots.first?.start == Self.utc("\(date)T\(String(format: "%02d", 8 + offset)):00:00Z"))
    }

    @Test("holidays and closed days have no slots")
    func holidays() throws {
        let calculator = AvailabilityCalculator(settings: try Self.settings(
            #"{"timezone":"UTC","business_hours":{"thursday":{"open":"09:00","close":"17:00"}},"date_overrides":{"2025-12-25":[]},"booking":{"max_days_ahead":730,"minimum_notice":0}}"#))
        let slots = calculator.slots(from: LocalDate("2025-12-22")!, through: LocalDate("2026-01-01")!, duration: 30, busy: [], now: Self.utc("2025-12-20T00:00:00Z"))
        #expect(Set(slots.map { LocalDate($0.start, in: calculator.hours.calendar) }) == [LocalDate("2026-01-01")!])
    }
}
