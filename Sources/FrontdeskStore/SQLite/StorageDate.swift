import Foundation
import FrontdeskCore
import FrontdeskWire
import GRDB

extension Date {
    /// The text GRDB stores a date as — `yyyy-MM-dd HH:mm:ss.SSS` in UTC, to the nearest millisecond —
    /// written without a `DateFormatter` (ICU took ~3 % of the server on the webhook benchmark).
    /// The same characters as `Date.databaseValue` for every date (StoreTests compares them).
    var storageText: String {
        // Milliseconds since 1970 as CFDateFormatter hands them to ICU (`… * 1000.0 + 0.5`), floored by ICU.
        let millis = Int64(((timeIntervalSinceReferenceDate + 978_307_200) * 1000 + 0.5).rounded(.down))
        let time = UTCTimestamp(millisecondsSince1970: millis)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(23)
        time.appendDateAndTime(to: &bytes, separator: UInt8(ascii: " "))
        bytes.append(UInt8(ascii: "."))
        UTCTimestamp.append(time.millisecond, digits: 3, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The date as the database value GRDB would store for it.
    var storageValue: DatabaseValue { storageText.databaseValue }
}
