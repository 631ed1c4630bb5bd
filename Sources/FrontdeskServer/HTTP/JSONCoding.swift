import Foundation
import FrontdeskCore
import FrontdeskWire

/// The API's JSON: ISO 8601 instants in UTC (`2024-01-15T10:30:00Z`), keys as the types name them.
package enum APIJSON {
    static let encoder: JSONEncoder = JSONWriter.encoder

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

    /// Accepts ISO 8601 date-times with `Z` or an offset, with or without fractional seconds, with a
    /// four-digit year inside `LocalDate.acceptedYears` (Foundation's parser reads `99999-01-05` as year
    /// 9999, and a stored year past 9999 cannot be read back).
    package static func parseInstant(_ text: String) -> Date? {
        let bytes = Array(text.utf8.prefix(5))
        guard bytes.count == 5, bytes[0..<4].allSatisfy({ (0x30...0x39).contains($0) }), bytes[4] == UInt8(ascii: "-"),
            let year = Int(text.prefix(4)), LocalDate.acceptedYears.contains(year), text.utf8.count <= 40,
            // A day that exists (Foundation's parser moves February 30 to March 2).
            LocalDate(String(text.prefix(10))) != nil
        else { return nil }
        var parsed: Date?
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: false).parse(text) {
            parsed = date
        } else if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) {
            parsed = date
        }
        // An offset can move the instant across a year's edge: the UTC instant must be in range too.
        guard let parsed, parsed >= LocalDate.earliestInstant, parsed < LocalDate.latestInstant else { return nil }
        return parsed
    }
}
