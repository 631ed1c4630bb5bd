import Foundation

/// The little of a call the owner's charts count.
public struct CallActivity: Sendable, Equatable {
    public var startedAt: Date
    public var status: CallStatus
    public var outcome: CallOutcome?
    public var cost: Double
    public var direction: CallDirection

    public init(startedAt: Date, status: CallStatus, outcome: CallOutcome?, cost: Double, direction: CallDirection = .inbound) {
        self.startedAt = startedAt
        self.status = status
        self.outcome = outcome
        self.cost = cost
        self.direction = direction
    }

    /// The call reached a person: an inbound call the receptionist took, or an outbound one a person
    /// picked up (not a machine, not unanswered).
    public var reachedSomeone: Bool {
        guard status != .failed else { return false }
        return direction == .inbound || (outcome != .voicemail && outcome != .noAnswer)
    }
}

/// One local day of a business's calls.
public struct DayActivity: Sendable, Equatable {
    public var date: LocalDate
    public var calls = 0
    /// Reached the receptionist (not failed before it could speak); an outbound call counts when a person
    /// picked it up (not a voicemail, not unanswered).
    public var answered = 0
    public var booked = 0
    /// Answered while the business was closed (outside its opening windows that day): callers a
    /// voicemail would have lost.
    public var afterHours = 0
    /// LLM cost in dollars (0 for the scripted policy).
    public var cost: Double = 0

    public init(date: LocalDate) { self.date = date }

    public static func + (lhs: DayActivity, rhs: DayActivity) -> DayActivity {
        var sum = lhs
        sum.calls += rhs.calls
        sum.answered += rhs.answered
        sum.booked += rhs.booked
        sum.afterHours += rhs.afterHours
        sum.cost += rhs.cost
        return sum
    }
}

public enum DailyActivity {
    /// Calls counted per local day (in the business's zone, DST-correct) over `days` days ending on
    /// `last`; every day is present, quiet ones with zeros.
    public static func tally(_ calls: [CallActivity], hours: OpeningHours, last: LocalDate, days: Int) -> [DayActivity] {
        let first = last.adding(days: -(days - 1))
        var result = (0..<days).map { DayActivity(date: first.adding(days: $0)) }
        // Each local day's first instant, once (DST-correct): a call's day is found by binary search,
        // not by a calendar computation per call.
        let starts = (0...days).map { hours.startOfDay(first.adding(days: $0)) }
        var windows: [[DateInterval]?] = Array(repeating: nil, count: days)
        for call in calls where starts[0] <= call.startedAt && call.startedAt < starts[days] {
            // The last day whose start is at or before the call.
            var (index, high) = (0, days - 1)
            while index < high {
                let middle = (index + high + 1) / 2
                if starts[middle] <= call.startedAt { index = middle } else { high = middle - 1 }
            }
            result[index].calls += 1
            result[index].cost += call.cost
            if call.outcome == .booked { result[index].booked += 1 }
            guard call.reachedSomeone else { continue }
            result[index].answered += 1
            // After hours counts callers the business would have missed: never a call we placed.
            guard call.direction == .inbound else { continue }
            let open = windows[index] ?? hours.windows(on: result[index].date)
            windows[index] = open
            if !open.contains(where: { $0.start <= call.startedAt && call.startedAt < $0.end }) { result[index].afterHours += 1 }
        }
        return result
    }
}
