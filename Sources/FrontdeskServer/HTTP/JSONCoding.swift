import Foundation
import FrontdeskCore

/// The API's JSON: ISO 8601 instants in UTC (`2024-01-15T10:30:00Z`), keys as the types name them.
enum APIJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatInstant(date))
        }
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseInstant(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "must be an ISO 8601 date-time with a zone, like 2024-01-20T14:00:00Z")
            }
            return date
        }
        return decoder
    }()

    /// `2024-01-15T10:30:00Z`, or `2024-01-15T10:30:00.123Z` when there are milliseconds. Integer
    /// arithmetic only: this runs for every instant of every response.
    static func formatInstant(_ date: Date) -> String {
        let totalMillis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var days = totalMillis >= 0 ? totalMillis / 86_400_000 : (totalMillis - 86_399_999) / 86_400_000
        let millisOfDay = totalMillis - days * 86_400_000
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)

        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        func append(_ value: Int64, digits: Int) {
            var divisor: Int64 = 1
            for _ in 1..<digits { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                bytes.append(UInt8(48 + rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        append(year, digits: 4); bytes.append(45)
        append(month, digits: 2); bytes.append(45)
        append(day, digits: 2); bytes.append(84)
        append(millisOfDay / 3_600_000, digits: 2); bytes.append(58)
        append(millisOfDay / 60_000 % 60, digits: 2); bytes.append(58)
        append(millisOfDay / 1000 % 60, digits: 2)
        if millisOfDay % 1000 != 0 {
            bytes.append(46)
            append(millisOfDay % 1000, digits: 3)
        }
        bytes.append(90)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Accepts ISO 8601 date-times with `Z` or an offset, with or without fractional seconds.
    static func parseInstant(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: false).parse(text) { return date }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return nil
    }
}
