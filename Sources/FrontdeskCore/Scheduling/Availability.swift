import Foundation

/// A time an appointment could start, with its end.
public struct Slot: Hashable, Sendable {
    public let start: Date
    public let end: Date

    public init(start: Date, end: Date) {
        self.start = start
        self.end = end
    }
}

/// An interval already taken (an appointment that holds its slot).
public struct BusyInterval: Sendable {
    public let start: Date
    public let end: Date

    public init(start: Date, end: Date) {
        self.start = start
        self.end = end
    }
}

/// Free slots in a business's opening hours (domain.md):
/// 1. each local date's open windows, from weekly hours or its override, composed in the IANA zone;
/// 2. minus busy intervals — existing appointments widened by the buffers;
/// 3. a date whose bookings reached `max_per_day` has no slots;
/// 4. stepping through each window by the slot interval: a slot fits when it ends inside the window,
///    starts after now + minimum notice and before now + max days ahead, and touches nothing busy.
public struct AvailabilityCalculator: Sendable {
    public let hours: OpeningHours
    public let rules: BookingRules

    public init(settings: BusinessSettings) {
        hours = OpeningHours(settings: settings)
        rules = settings.booking
    }

    /// The free slots of `duration` minutes on the local dates `from...through`, in time order.
    /// `busy` need not be sorted.
    public func slots(
        from: LocalDate, through: LocalDate, duration: Int, busy: [BusyInterval], now: Date
    ) -> [Slot] {
        let length = TimeInterval(duration * 60)
        let before = TimeInterval(rules.bufferBefore * 60)
        let after = TimeInterval(rules.bufferAfter * 60)
        let step = TimeInterval(rules.slotInterval * 60)
        let earliest = now.addingTimeInterval(TimeInterval(rules.minimumNotice * 60))
        let latest = now.addingTimeInterval(TimeInterval(rules.maxDaysAhead * 86_400))
        // Widen each busy interval by both buffers once, so a candidate is compared as it is.
        let blocked = busy.map { (start: $0.start.addingTimeInterval(-before - after), end: $0.end.addingTimeInterval(before + after)) }
            .sorted { $0.start < $1.start }
        let starts = busy.map(\.start).sorted()
        var result: [Slot] = []
        var date = from
        var cursor = 0
        while date <= through {
            defer { date = date.adding(days: 1) }
            let windows = hours.windows(on: date)
            guard let first = windows.first, let last = windows.last else { continue }
            if let maxPerDay = rules.maxPerDay, bookings(on: date, sortedStarts: starts) >= maxPerDay { continue }
            // Busy intervals ending before this day's first window can never matter again.
            while cursor < blocked.count, blocked[cursor].end <= first.start { cursor += 1 }
            for window in windows {
                var start = window.start
                while start.addingTimeInterval(length) <= window.end, start <= last.end {
                    defer { start = start.addingTimeInterval(step) }
                    guard start >= earliest else { continue }
                    guard start < latest else { return result }
                    let end = start.addingTimeInterval(length)
                    var index = cursor
                    var free = true
                    while index < blocked.count, blocked[index].start < end {
                        if blocked[index].end > start {
                            free = false
                            break
                        }
                        index += 1
                    }
                    if free { result.append(Slot(start: start, end: end)) }
                }
            }
        }
        return result
    }

    /// Bookings starting on local `date`, for the daily maximum (two binary searches).
    private func bookings(on date: LocalDate, sortedStarts: [Date]) -> Int {
        let dayStart = hours.startOfDay(date)
        let dayEnd = hours.startOfDay(date.adding(days: 1))
        return Self.firstIndex(notBefore: dayEnd, in: sortedStarts) - Self.firstIndex(notBefore: dayStart, in: sortedStarts)
    }

    private static func firstIndex(notBefore instant: Date, in sorted: [Date]) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < instant { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
