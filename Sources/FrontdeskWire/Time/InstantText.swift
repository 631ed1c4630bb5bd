import Foundation

/// Instants as the API and the providers write them: ISO 8601 in UTC.
public enum InstantText {
    /// `2024-01-15T10:30:00Z`, or `2024-01-15T10:30:00.123Z` when there are milliseconds. Integer
    /// arithmetic only: this runs for every instant of every response.
    public static func format(_ date: Date) -> String {
        let time = UTCTimestamp(millisecondsSince1970: Int64((date.timeIntervalSince1970 * 1000).rounded()))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        time.appendDateAndTime(to: &bytes, separator: UInt8(ascii: "T"))
        if time.millisecond != 0 {
            bytes.append(UInt8(ascii: "."))
            UTCTimestamp.append(time.millisecond, digits: 3, to: &bytes)
        }
        bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }
}
