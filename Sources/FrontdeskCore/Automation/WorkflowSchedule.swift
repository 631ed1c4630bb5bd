import Foundation

/// When a `schedule` or `date` workflow looks for leads to enroll: every day, week (a weekday) or month
/// (a day of the month) at a time in the business's zone. A `date` trigger runs daily and enrolls the
/// leads whose date field, moved by `offset_days`, is that day — "30 days after the lead came in", "the
/// day before their appointment". The audience (default: every lead) and the workflow's conditions
/// narrow it; a lead is enrolled once unless the workflow allows re-entry.
public struct WorkflowSchedule: Sendable, Hashable {
    public enum Every: String, Sendable, Codable, CaseIterable { case day, week, month }

    /// A date a lead carries.
    public enum DateField: String, Sendable, Codable, CaseIterable {
        case leadCreatedAt = "lead.created_at"
        /// The day of the lead's next booked appointment.
        case appointmentDate = "appointment.date"
    }

    public struct DateMatch: Sendable, Hashable {
        public var field: DateField
        /// The field's day plus this many days is the day the lead is enrolled (-365…365).
        public var offsetDays: Int

        public init(field: DateField, offsetDays: Int) {
            self.field = field
            self.offsetDays = offsetDays
        }
    }

    public var every: Every
    public var at: WallClockTime
    /// 1 = Monday … 7 = Sunday (`every: week`).
    public var weekday: Int?
    /// 1–28 (`every: month`).
    public var day: Int?
    public var date: DateMatch?
    public var audience: LeadAudience?

    public init(every: Every, at: WallClockTime, weekday: Int? = nil, day: Int? = nil, date: DateMatch? = nil, audience: LeadAudience? = nil) {
        self.every = every
        self.at = at
        self.weekday = weekday
        self.day = day
        self.date = date
        self.audience = audience
    }

    /// The first run strictly after `instant`, in the business's zone (a time a DST change skips runs
    /// at the same wall time moved forward, as the calendar does).
    public func next(after instant: Date, in zone: BusinessTimeZone) -> Date? {
        let calendar = zone.calendar
        let today = calendar.startOfDay(for: instant)
        for offset in 0...62 {
            guard let day = calendar.date(byAdding: .day, value: offset, to: today) else { return nil }
            switch every {
            case .day: break
            case .week:
                // Foundation: 1 = Sunday; here 1 = Monday.
                guard calendar.component(.weekday, from: day) == (weekday ?? 1) % 7 + 1 else { continue }
            case .month:
                guard calendar.component(.day, from: day) == (self.day ?? 1) else { continue }
            }
            guard let run = calendar.date(bySettingHour: at.hour % 24, minute: at.minute, second: 0, of: day) else { continue }
            if run > instant { return run }
        }
        return nil
    }

    /// The day (its start and the next day's start, in the zone) whose field values a date trigger
    /// running at `run` enrolls: the run's day minus the offset.
    public func fieldDay(for run: Date, in zone: BusinessTimeZone) -> (start: Date, end: Date)? {
        guard let date else { return nil }
        let calendar = zone.calendar
        guard let start = calendar.date(byAdding: .day, value: -date.offsetDays, to: calendar.startOfDay(for: run)),
            let end = calendar.date(byAdding: .day, value: 1, to: start)
        else { return nil }
        return (start, end)
    }

    /// What a stored job for this schedule names (a changed schedule's old job finds it differs).
    public var fingerprint: String {
        [every.rawValue, at.description, weekday.map(String.init) ?? "", day.map(String.init) ?? "", date.map { "\($0.field.rawValue)\($0.offsetDays)" } ?? "",
         audience.flatMap { try? String(decoding: Self.encoder.encode($0), as: UTF8.self) } ?? ""].joined(separator: "|")
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()
}
