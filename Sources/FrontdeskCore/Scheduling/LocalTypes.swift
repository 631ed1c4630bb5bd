import Foundation

/// A wall-clock time of day, `HH:mm`, minutes since local midnight. `24:00` is allowed as a closing time.
public struct WallClockTime: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public let minutes: Int

    public init?(minutes: Int) {
        guard (0...1440).contains(minutes) else { return nil }
        self.minutes = minutes
    }

    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let hour = Int(parts[0]), let minute = Int(parts[1]),
            (0...24).contains(hour), (0...59).contains(minute), hour * 60 + minute <= 1440
        else { return nil }
        minutes = hour * 60 + minute
    }

    public var hour: Int { minutes / 60 }
    public var minute: Int { minutes % 60 }
    public var description: String { String(format: "%02d:%02d", hour, minute) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.minutes < rhs.minutes }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let value = WallClockTime(try container.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be a time as HH:mm")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A calendar date in the business's zone (`YYYY-MM-DD`), with no time and no zone of its own.
public struct LocalDate: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Date arithmetic on local dates needs no zone: one UTC Gregorian calendar, made once.
    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// Midnight UTC of this date, the anchor for arithmetic in `utc`.
    private var utcMidnight: Date { Self.utc.date(from: DateComponents(year: year, month: month, day: day))! }

    public init?(year: Int, month: Int, day: Int) {
        let components = DateComponents(year: year, month: month, day: day)
        guard (1...9999).contains(year), components.isValidDate(in: Self.utc) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The years a date or instant from outside may name (the API, settings): anything else is refused
    /// as a mistake, so no stored date is ever out of the calendar code's reach.
    public static let acceptedYears = 1900...2999
    /// `acceptedYears` as UTC instants: from the first instant of 1900 to before the first of 3000.
    public static let earliestInstant = Date(timeIntervalSince1970: -2_208_988_800)
    public static let latestInstant = Date(timeIntervalSince1970: 32_503_680_000)

    /// `YYYY-MM-DD` with a year in `acceptedYears` and a day that exists.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.utf8.allSatisfy { (0x30...0x39).contains($0) } }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), Self.acceptedYears.contains(y)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The local date of `instant` in `calendar`'s zone.
    public init(_ instant: Date, in calendar: Calendar) {
        let c = calendar.dateComponents([.year, .month, .day], from: instant)
        year = c.year!
        month = c.month!
        day = c.day!
    }

    public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// The date `days` later (earlier when negative), by the calendar, not by adding seconds.
    public func adding(days: Int) -> LocalDate {
        LocalDate(Self.utc.date(byAdding: .day, value: days, to: utcMidnight)!, in: Self.utc)
    }

    /// Whole days from this date to `other` (negative when `other` is earlier).
    public func days(until other: LocalDate) -> Int {
        Self.utc.dateComponents([.day], from: utcMidnight, to: other.utcMidnight).day ?? 0
    }

    /// The weekday of this date (independent of any zone).
    public var weekday: Weekday {
        Weekday.allCases[Self.utc.component(.weekday, from: utcMidnight) - 1]
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let value = LocalDate(try container.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be a date as YYYY-MM-DD")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Days of the week in `Calendar` order (Sunday = 1).
public enum Weekday: String, CaseIterable, Sendable, Codable {
    case sunday, monday, tuesday, wednesday, thursday, friday, saturday
}

/// An IANA time zone, validated when parsed.
public struct BusinessTimeZone: Hashable, Sendable, Codable, CustomStringConvertible {
    public let identifier: String

    public init?(_ identifier: String) {
        // Only region/city names are accepted: abbreviations like "EST" hide DST rules.
        guard identifier == "UTC" || identifier.contains("/"), let zone = TimeZone(identifier: identifier)
        else { return nil }
        self.identifier = zone.identifier
    }

    public var timeZone: TimeZone { TimeZone(identifier: identifier)! }

    /// A Gregorian calendar in this zone.
    public var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    public var description: String { identifier }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let value = BusinessTimeZone(try container.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "must be an IANA time zone such as America/New_York")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(identifier)
    }
}
