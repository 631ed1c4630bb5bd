import Foundation

/// What the receptionist sends on its own after a booking, a no-show or a missed call
/// (`settings.follow_ups`). Every text respects opt-outs (STOP) and the quiet hours, in the
/// business's zone.
public struct FollowUpSettings: Hashable, Sendable, Codable {
    /// Reminders before each booked appointment, in minutes (default a day and an hour before).
    public var reminderOffsets: [Int] = [1440, 60]
    /// No text is sent inside these hours (default 21:00–08:00); nil: any time.
    public var quietHours: QuietHours? = QuietHours(start: WallClockTime("21:00")!, end: WallClockTime("08:00")!)
    /// A text after an appointment is marked a no-show.
    public var noShowFollowUp = true
    /// A text to a caller whose call ended before anything was done ("Sorry we missed you").
    public var missedCallTextBack = true

    public init() {}

    public static let offsetRange = 15...20_160

    enum CodingKeys: String, CodingKey {
        case reminderOffsets = "reminder_offsets_minutes"
        case quietHours = "quiet_hours"
        case noShowFollowUp = "no_show_follow_up"
        case missedCallTextBack = "missed_call_text_back"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = FollowUpSettings()
        let offsets = try c.decodeIfPresent([Int].self, forKey: .reminderOffsets) ?? defaults.reminderOffsets
        guard offsets.count <= 5, offsets.allSatisfy(Self.offsetRange.contains), Set(offsets).count == offsets.count else {
            throw DecodingError.dataCorruptedError(
                forKey: .reminderOffsets, in: c,
                debugDescription: "must be at most 5 different numbers of minutes, each \(Self.offsetRange.lowerBound)–\(Self.offsetRange.upperBound)")
        }
        reminderOffsets = offsets.sorted(by: >)
        if c.contains(.quietHours) {
            quietHours = try c.decodeNil(forKey: .quietHours) ? nil : try c.decode(QuietHours.self, forKey: .quietHours)
            if let quiet = quietHours, quiet.start == quiet.end {
                throw DecodingError.dataCorruptedError(forKey: .quietHours, in: c, debugDescription: "start and end must differ (use null for none)")
            }
        }
        noShowFollowUp = try c.decodeIfPresent(Bool.self, forKey: .noShowFollowUp) ?? defaults.noShowFollowUp
        missedCallTextBack = try c.decodeIfPresent(Bool.self, forKey: .missedCallTextBack) ?? defaults.missedCallTextBack
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(reminderOffsets, forKey: .reminderOffsets)
        try c.encode(quietHours, forKey: .quietHours)
        try c.encode(noShowFollowUp, forKey: .noShowFollowUp)
        try c.encode(missedCallTextBack, forKey: .missedCallTextBack)
    }
}

/// When an appointment's reminders go out, decided once from the settings (pure: the planner stores
/// what this says, the runner checks it again when a reminder comes due).
public struct ReminderPlan: Sendable, Equatable {
    public struct Reminder: Sendable, Equatable {
        public let offsetMinutes: Int
        public let due: Date
    }

    /// Reminders still ahead of `now`, outside the quiet hours; each with its offset.
    public let reminders: [Reminder]
    /// Offsets left out, and why ("inside quiet hours 21:00–08:00", "already past").
    public let leftOut: [(offsetMinutes: Int, reason: String)]

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.reminders == rhs.reminders && lhs.leftOut.map(\.offsetMinutes) == rhs.leftOut.map(\.offsetMinutes)
    }

    public init(appointmentStart start: Date, settings: FollowUpSettings, zone: BusinessTimeZone, now: Date) {
        var reminders: [Reminder] = []
        var leftOut: [(Int, String)] = []
        for offset in settings.reminderOffsets {
            let due = Self.due(start: start, offsetMinutes: offset, zone: zone)
            if due <= now {
                leftOut.append((offset, "already past when the appointment was booked"))
            } else if let quiet = settings.quietHours, quiet.end(after: due, in: zone) != nil {
                leftOut.append((offset, "inside the quiet hours \(quiet.start)–\(quiet.end)"))
            } else {
                reminders.append(Reminder(offsetMinutes: offset, due: due))
            }
        }
        self.reminders = reminders
        self.leftOut = leftOut
    }

    /// `offsetMinutes` before `start`. Whole days are counted on the business's calendar — the day
    /// before at the same wall-clock time, even across a daylight-saving change; other offsets are
    /// elapsed time (an hour before is an hour before).
    public static func due(start: Date, offsetMinutes: Int, zone: BusinessTimeZone) -> Date {
        guard offsetMinutes % 1440 == 0, let day = zone.calendar.date(byAdding: .day, value: -offsetMinutes / 1440, to: start) else {
            return start.addingTimeInterval(-TimeInterval(offsetMinutes * 60))
        }
        return day
    }

    /// A reminder that comes due later than this is not worth sending: more than half its offset
    /// late (the next reminder, or the appointment, is near).
    public static func isStale(due: Date, offsetMinutes: Int, now: Date) -> Bool {
        now.timeIntervalSince(due) > TimeInterval(offsetMinutes * 30)
    }
}
