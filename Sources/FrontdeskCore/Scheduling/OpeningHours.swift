import Foundation

/// Turns a business's wall-clock hours into UTC instants in its IANA zone.
///
/// Local dates and times are composed with `Calendar` in the zone — never by adding a fixed offset — so
/// the windows are right on both DST change days.
public struct OpeningHours: Sendable {
    public let settings: BusinessSettings
    public let calendar: Calendar

    public init(settings: BusinessSettings) {
        self.settings = settings
        self.calendar = settings.timezone.calendar
    }

    /// The hours of `date`: its override when there is one, else its weekday's hours.
    public func hours(on date: LocalDate) -> DayHours {
        settings.dateOverrides[date] ?? settings.businessHours.hours(on: date.weekday)
    }

    /// The open windows of `date` as UTC intervals.
    public func windows(on date: LocalDate) -> [DateInterval] {
        hours(on: date).ranges.compactMap { range in
            guard let start = instant(date, range.open), let end = instant(date, range.close), start < end
            else { return nil }
            return DateInterval(start: start, end: end)
        }
    }

    /// The UTC instant of wall-clock `time` on `date` in the business's zone. A time that a
    /// spring-forward skips maps to the first instant after the gap; `24:00` is the next midnight.
    public func instant(_ date: LocalDate, _ time: WallClockTime) -> Date? {
        let day = time.minutes == 1440 ? date.adding(days: 1) : date
        let minutes = time.minutes == 1440 ? 0 : time.minutes
        let components = DateComponents(
            year: day.year, month: day.month, day: day.day, hour: minutes / 60, minute: minutes % 60)
        return calendar.date(from: components)
    }

    public func localDate(of instant: Date) -> LocalDate { LocalDate(instant, in: calendar) }

    /// The wall-clock time of `instant` in the business's zone.
    public func localTime(of instant: Date) -> WallClockTime {
        let c = calendar.dateComponents([.hour, .minute], from: instant)
        return WallClockTime(minutes: c.hour! * 60 + c.minute!)!
    }

    /// The first instant of local `date` (midnight; on a day whose midnight a DST change skips, the
    /// first instant after it).
    public func startOfDay(_ date: LocalDate) -> Date {
        instant(date, WallClockTime(minutes: 0)!)!
    }

    /// Whether `[start, start + minutes)` lies inside one open window of its local date.
    public func isOpen(from start: Date, minutes: Int) -> Bool {
        let end = start.addingTimeInterval(TimeInterval(minutes * 60))
        return windows(on: localDate(of: start)).contains { $0.start <= start && end <= $0.end }
    }
}
