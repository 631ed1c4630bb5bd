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

    /// Accepts ISO 8601 date-times with `Z` or an offset, with or without fractional seconds.
    static func parseInstant(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: false).parse(text) { return date }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return nil
    }
}
