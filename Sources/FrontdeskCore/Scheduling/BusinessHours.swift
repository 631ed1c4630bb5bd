import Foundation

/// One opening range of a day, `open` before `close` (wall clock, business zone).
public struct TimeRange: Hashable, Sendable, Codable {
    public let open: WallClockTime
    public let close: WallClockTime

    public init?(open: WallClockTime, close: WallClockTime) {
        guard open < close else { return nil }
        self.open = open
        self.close = close
    }

    enum CodingKeys: String, CodingKey { case open, close }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let open = try container.decode(WallClockTime.self, forKey: .open)
        let close = try container.decode(WallClockTime.self, forKey: .close)
        guard let range = TimeRange(open: open, close: close) else {
            throw DecodingError.dataCorruptedError(
                forKey: .close, in: container, debugDescription: "must be later than open")
        }
        self = range
    }
}

/// The hours of one day: closed, or one or more non-overlapping ranges (a lunch break is two ranges).
///
/// Accepted JSON shapes: `{"open":"09:00","close":"17:00"}`, `[{…},{…}]`, `null`, `[]`, `"closed"`,
/// `{"closed":true}`. Encoded as an array of ranges (empty when closed).
public struct DayHours: Hashable, Sendable, Codable {
    public let ranges: [TimeRange]

    public static let closed = DayHours(validated: [])

    public init?(_ ranges: [TimeRange]) {
        let sorted = ranges.sorted { $0.open < $1.open }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.open < a.close { return nil }
        self.ranges = sorted
    }

    private init(validated: [TimeRange]) { ranges = validated }

    public var isClosed: Bool { ranges.isEmpty }

    /// Decodes any JSON value and keeps nothing (to ask "is this an array?").
    private struct Skip: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    private enum ClosedKey: String, CodingKey { case closed }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .closed
        } else if let text = try? container.decode(String.self) {
            guard text.lowercased() == "closed" else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "must be {\"open\",\"close\"}, a list of them, or \"closed\"")
            }
            self = .closed
        } else if (try? container.decode([Skip].self)) != nil {
            // A list: its own errors (a backwards range, a bad time) are the ones to report.
            guard let hours = DayHours(try container.decode([TimeRange].self)) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "ranges must not overlap")
            }
            self = hours
        } else if let keyed = try? decoder.container(keyedBy: ClosedKey.self),
            (try? keyed.decode(Bool.self, forKey: .closed)) == true
        {
            self = .closed
        } else {
            self = DayHours(validated: [try container.decode(TimeRange.self)])
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(ranges)
    }
}

/// Weekly opening hours. A weekday that is absent is closed.
public struct WeeklyHours: Hashable, Sendable, Codable {
    public private(set) var days: [Weekday: DayHours]

    /// Closed days are not stored, so two equal weeks compare equal however they were written.
    public init(_ days: [Weekday: DayHours]) { self.days = days.filter { !$0.value.isClosed } }

    public func hours(on weekday: Weekday) -> DayHours { days[weekday] ?? .closed }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        var days: [Weekday: DayHours] = [:]
        for key in container.allKeys {
            guard let weekday = Weekday(rawValue: key.stringValue.lowercased()) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container, debugDescription: "is not a weekday (monday … sunday)")
            }
            let hours = try container.decode(DayHours.self, forKey: key)
            if !hours.isClosed { days[weekday] = hours }
        }
        self.days = days
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyKey.self)
        for weekday in Weekday.allCases {
            let hours = self.hours(on: weekday)
            if hours.isClosed {
                try container.encodeNil(forKey: AnyKey(weekday.rawValue))
            } else if hours.ranges.count == 1 {
                try container.encode(hours.ranges[0], forKey: AnyKey(weekday.rawValue))
            } else {
                try container.encode(hours.ranges, forKey: AnyKey(weekday.rawValue))
            }
        }
    }
}

/// A coding key for dictionaries keyed by strings.
public struct AnyKey: CodingKey, Hashable {
    public let stringValue: String
    public var intValue: Int? { nil }
    public init(_ string: String) { stringValue = string }
    public init?(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { return nil }
}
