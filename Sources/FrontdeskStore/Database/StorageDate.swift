import Foundation
import GRDB

extension Date {
    /// The text GRDB stores a date as — `yyyy-MM-dd HH:mm:ss.SSS` in UTC, to the nearest millisecond —
    /// written without a `DateFormatter` (ICU took ~3 % of the server on the webhook benchmark).
    /// The same characters as `Date.databaseValue` for every date (StoreTests compares them).
    var storageText: String {
        // Milliseconds since 1970 as CFDateFormatter hands them to ICU (`… * 1000.0 + 0.5`), floored by ICU.
        let millis = Int64(((timeIntervalSinceReferenceDate + 978_307_200) * 1000 + 0.5).rounded(.down))
        let (days, inDay) = Self.floorDivide(millis, 86_400_000)
        let (year, month, day) = Self.civil(fromDays: days)
        let (second, milli) = (inDay / 1000, inDay % 1000)
        return String(unsafeUninitializedCapacity: 23) { buffer in
            var index = 0
            func put(_ value: Int64, digits: Int) {
                var value = value
                for position in stride(from: index + digits - 1, through: index, by: -1) {
                    buffer[position] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                index += digits
            }
            func put(_ character: Unicode.Scalar) {
                buffer[index] = UInt8(ascii: character)
                index += 1
            }
            put(year, digits: 4); put("-"); put(month, digits: 2); put("-"); put(day, digits: 2); put(" ")
            put(second / 3600, digits: 2); put(":"); put(second / 60 % 60, digits: 2); put(":")
            put(second % 60, digits: 2); put("."); put(milli, digits: 3)
            return index
        }
    }

    /// The date as the database value GRDB would store for it.
    var storageValue: DatabaseValue { storageText.databaseValue }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value >= 0 ? value / divisor : (value - divisor + 1) / divisor
        return (quotient, value - quotient * divisor)
    }

    /// Proleptic Gregorian year, month and day of a day count since 1970-01-01 (Howard Hinnant's
    /// `civil_from_days`). Years outside 0…9999 do not occur in this application's data.
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
