import Foundation

/// How the receptionist says dates, times, prices and hours.
public struct Phrasing: Sendable {
    public let hours: OpeningHours

    public init(hours: OpeningHours) { self.hours = hours }

    public static func time(_ time: WallClockTime) -> String {
        let hour12 = time.hour % 12 == 0 ? 12 : time.hour % 12
        return String(format: "%d:%02d %@", hour12, time.minute, time.hour < 12 || time.hour == 24 ? "AM" : "PM")
    }

    public static func day(_ date: LocalDate) -> String {
        let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                      "November", "December"]
        return "\(date.weekday.rawValue.capitalized), \(months[date.month - 1]) \(date.day)"
    }

    /// "Tuesday, November 24 at 10:00 AM" in the business's zone.
    public func moment(_ instant: Date) -> String {
        let date = hours.localDate(of: instant)
        return "\(Self.day(date)) at \(Self.time(localTime(instant)))"
    }

    public func localTime(_ instant: Date) -> WallClockTime { hours.localTime(of: instant) }

    /// "10:00 AM, 10:30 AM or 11:00 AM" (with the day when the slots span several days).
    public func choices(_ slots: [Date]) -> String {
        let sameDay = Set(slots.map { hours.localDate(of: $0) }).count == 1
        let parts = slots.map { sameDay ? Self.time(localTime($0)) : moment($0) }
        guard parts.count > 1 else { return parts.first ?? "" }
        return parts.dropLast().joined(separator: ", ") + " or " + parts.last!
    }

    public static func price(_ money: Money) -> String {
        money.cents % 100 == 0 ? "$\(money.cents / 100)" : String(format: "$%.2f", money.major)
    }

    /// "Monday to Friday 9:00 AM to 12:00 PM and 1:00 PM to 5:00 PM, Saturday 10:00 AM to 2:00 PM; closed Sunday".
    public func weeklyHours() -> String {
        let order: [Weekday] = [.monday, .tuesday, .wednesday, .thursday, .friday, .saturday, .sunday]
        var runs: [(first: Weekday, last: Weekday, hours: DayHours)] = []
        for day in order {
            let dayHours = hours.settings.businessHours.hours(on: day)
            if let last = runs.last, last.hours == dayHours { runs[runs.count - 1].last = day } else { runs.append((day, day, dayHours)) }
        }
        let open = runs.filter { !$0.hours.isClosed }.map { run -> String in
            let days = run.first == run.last ? run.first.rawValue.capitalized
                : "\(run.first.rawValue.capitalized) to \(run.last.rawValue.capitalized)"
            let ranges = run.hours.ranges.map { "\(Self.time($0.open)) to \(Self.time($0.close))" }.joined(separator: " and ")
            return "\(days) \(ranges)"
        }
        let closed = runs.filter { $0.hours.isClosed }.flatMap { run in
            order[order.firstIndex(of: run.first)!...order.firstIndex(of: run.last)!].map { $0.rawValue.capitalized }
        }
        guard !open.isEmpty else { return "We're closed at the moment" }
        return "We're open " + open.joined(separator: ", ") + (closed.isEmpty ? "" : "; closed " + closed.joined(separator: " and "))
    }
}
