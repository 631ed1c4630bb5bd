/// A UTC instant's calendar fields, found by integer arithmetic (no calendar, no formatter): the API's
/// instants and the database's stored dates are written from these for every row and response.
public struct UTCTimestamp: Sendable, Equatable {
    public let year: Int64
    public let month: Int64
    public let day: Int64
    /// Milliseconds since the day's midnight.
    public let millisecondOfDay: Int64

    public var hour: Int64 { millisecondOfDay / 3_600_000 }
    public var minute: Int64 { millisecondOfDay / 60_000 % 60 }
    public var second: Int64 { millisecondOfDay / 1000 % 60 }
    public var millisecond: Int64 { millisecondOfDay % 1000 }

    /// The fields of `millis` milliseconds since 1970-01-01T00:00:00Z (negative: before it), in the
    /// proleptic Gregorian calendar (Howard Hinnant's `civil_from_days`).
    public init(millisecondsSince1970 millis: Int64) {
        let days = millis >= 0 ? millis / 86_400_000 : (millis - 86_399_999) / 86_400_000
        millisecondOfDay = millis - days * 86_400_000
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// Appends `YYYY-MM-DD?hh:mm:ss`, `?` being `separator` (the API's `T`, the database's space).
    public func appendDateAndTime(to bytes: inout [UInt8], separator: UInt8) {
        Self.append(year, digits: 4, to: &bytes); bytes.append(UInt8(ascii: "-"))
        Self.append(month, digits: 2, to: &bytes); bytes.append(UInt8(ascii: "-"))
        Self.append(day, digits: 2, to: &bytes); bytes.append(separator)
        Self.append(hour, digits: 2, to: &bytes); bytes.append(UInt8(ascii: ":"))
        Self.append(minute, digits: 2, to: &bytes); bytes.append(UInt8(ascii: ":"))
        Self.append(second, digits: 2, to: &bytes)
    }

    /// Appends `value` as exactly `digits` decimal digits, zero-padded (years 0…9999 and the like).
    public static func append(_ value: Int64, digits: Int, to bytes: inout [UInt8]) {
        var divisor: Int64 = 1
        for _ in 1..<digits { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(48 + rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }
}
