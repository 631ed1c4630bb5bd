import Foundation

/// A vague part of the day a caller may ask for.
public enum PartOfDay: String, Sendable, Codable, CaseIterable {
    case morning, afternoon, evening

    /// The wall-clock range it stands for.
    public var range: ClosedRange<Int> {
        switch self {
        case .morning: 0...(12 * 60 - 1)
        case .afternoon: (12 * 60)...(17 * 60 - 1)
        case .evening: (17 * 60)...(24 * 60 - 1)
        }
    }
}

/// What a caller's words said about when: any of a date, a time, a part of the day, or a choice
/// among offered slots ("the second one").
public struct DateTimePhrase: Sendable, Equatable {
    public var date: LocalDate?
    public var time: WallClockTime?
    public var partOfDay: PartOfDay?
    /// 1-based pick among the slots just offered.
    public var choice: Int?

    public init(date: LocalDate? = nil, time: WallClockTime? = nil, partOfDay: PartOfDay? = nil, choice: Int? = nil) {
        self.date = date
        self.time = time
        self.partOfDay = partOfDay
        self.choice = choice
    }

    public var isEmpty: Bool { date == nil && time == nil && partOfDay == nil && choice == nil }
}

/// Understands the date and time phrases of domain.md, relative to the business's local `today`:
/// today, tomorrow, weekday names, "next Tuesday", "the 14th", "March 3", "3/14", "at 3", "3pm",
/// "15:30", "half past 2", "noon", "morning/afternoon/evening", "first/second one".
///
/// Conventions: a weekday alone is its next occurrence after today; "next Tuesday" is the Tuesday of
/// next week (Monday-based) when this week's is still ahead. A bare hour from 1 to 6 means afternoon
/// (business hours), 7 to 11 morning, unless am/pm or a part of the day says otherwise. A date without
/// a year is its next occurrence.
public struct DateTimePhraseParser: Sendable {
    public let today: LocalDate

    public init(today: LocalDate) { self.today = today }

    public func parse(_ text: String) -> DateTimePhrase {
        let words = Self.words(text)
        var phrase = DateTimePhrase()
        phrase.partOfDay = partOfDay(words)
        phrase.choice = choice(words)
        phrase.date = date(words)
        if phrase.date == nil, phrase.partOfDay != nil, words.contains("this") || words.contains("tonight") {
            phrase.date = today
        }
        phrase.time = time(words, partOfDay: phrase.partOfDay)
        return phrase
    }

    // MARK: words

    /// Lower-cased words; ":" and "/" stay inside words ("15:30", "3/14"), other punctuation goes.
    static func words(_ text: String) -> [String] {
        var cleaned = ""
        for char in text.lowercased() {
            if char.isLetter || char.isNumber || char == ":" || char == "/" { cleaned.append(char) } else { cleaned.append(" ") }
        }
        return cleaned.split(separator: " ").map(String.init)
    }

    static let weekdays: [String: Weekday] = [
        "sunday": .sunday, "sun": .sunday, "monday": .monday, "mon": .monday, "tuesday": .tuesday, "tue": .tuesday,
        "tues": .tuesday, "wednesday": .wednesday, "wed": .wednesday, "thursday": .thursday, "thu": .thursday,
        "thur": .thursday, "thurs": .thursday, "friday": .friday, "fri": .friday, "saturday": .saturday, "sat": .saturday,
    ]

    static let months: [String: Int] = [
        "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
        "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
        "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
    ]

    static let ordinalWords: [String: Int] = [
        "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1,
    ]

    static let numberWords: [String: Int] = [
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
        "eleven": 11, "twelve": 12,
    ]

    /// "14th", "3rd", "1st", "22nd" → the day number.
    static func ordinalDay(_ word: String) -> Int? {
        for suffix in ["st", "nd", "rd", "th"] where word.hasSuffix(suffix) {
            if let day = Int(word.dropLast(2)), (1...31).contains(day) { return day }
        }
        return nil
    }

    // MARK: parts

    private func partOfDay(_ words: [String]) -> PartOfDay? {
        if words.contains("morning") { return .morning }
        if words.contains("afternoon") { return .afternoon }
        if words.contains("evening") || words.contains("tonight") { return .evening }
        return nil
    }

    private func choice(_ words: [String]) -> Int? {
        for (index, word) in words.enumerated() {
            let next = index + 1 < words.count ? words[index + 1] : ""
            let previous = index > 0 ? words[index - 1] : ""
            let pick = Self.ordinalWords[word] ?? (Int(word.dropLast(2)).flatMap { Self.ordinalDay(word) != nil ? $0 : nil })
            if let pick, ["one", "option", "slot", "time"].contains(next), pick <= 5 { return pick }
            if previous == "option" || previous == "number", let number = Int(word) ?? Self.numberWords[word] { return number }
        }
        return nil
    }

    private func date(_ words: [String]) -> LocalDate? {
        if words.contains("today") || words.contains("tonight") { return today }
        if let index = words.firstIndex(of: "tomorrow") {
            let dayAfter = index >= 2 && words[index - 2] == "day" && words[index - 1] == "after"
            return today.adding(days: dayAfter ? 2 : 1)
        }
        for (index, word) in words.enumerated() {
            if let weekday = Self.weekdays[word] {
                return self.weekday(weekday, next: index > 0 && words[index - 1] == "next")
            }
            if let month = Self.months[word], !(word == "may" && !isDateContext(words, index)) {
                // "March 3", "March 3rd", "3 March", "the 3rd of March"
                let after = index + 1 < words.count ? dayNumber(words[index + 1]) : nil
                let before = index > 0 ? dayNumber(words[index - 1]) : nil
                let beforeOf = index > 1 && words[index - 1] == "of" ? dayNumber(words[index - 2]) : nil
                if let day = after ?? beforeOf ?? before { return nextOccurrence(month: month, day: day) }
            }
            if word.contains("/") {
                let parts = word.split(separator: "/").compactMap { Int($0) }
                if parts.count >= 2, (1...12).contains(parts[0]), (1...31).contains(parts[1]) {
                    if parts.count == 3, let date = LocalDate(year: parts[2] < 100 ? 2000 + parts[2] : parts[2], month: parts[0], day: parts[1]) {
                        return date
                    }
                    return nextOccurrence(month: parts[0], day: parts[1])
                }
            }
        }
        // "the 14th" (a day of this or next month)
        for word in words {
            if let day = Self.ordinalDay(word), !words.contains("one") { return nextOccurrence(dayOfMonth: day) }
        }
        return nil
    }

    /// "may" is a month only next to a day number ("May 5", "5th of May").
    private func isDateContext(_ words: [String], _ index: Int) -> Bool {
        (index + 1 < words.count && dayNumber(words[index + 1]) != nil) || (index > 0 && dayNumber(words[index - 1]) != nil)
            || (index > 1 && words[index - 1] == "of" && dayNumber(words[index - 2]) != nil)
    }

    private func dayNumber(_ word: String) -> Int? {
        if let day = Self.ordinalDay(word) { return day }
        if let day = Int(word), (1...31).contains(day) { return day }
        return nil
    }

    private func weekday(_ weekday: Weekday, next: Bool) -> LocalDate {
        let todayIndex = Weekday.allCases.firstIndex(of: today.weekday)!
        let targetIndex = Weekday.allCases.firstIndex(of: weekday)!
        var ahead = (targetIndex - todayIndex + 7) % 7
        if ahead == 0 { ahead = 7 }
        let date = today.adding(days: ahead)
        guard next else { return date }
        // Days left in this Monday-based week, today included.
        let daysToSunday = (7 - ((todayIndex + 6) % 7)) - 1
        return ahead <= daysToSunday ? date.adding(days: 7) : date
    }

    private func nextOccurrence(month: Int, day: Int) -> LocalDate? {
        for year in [today.year, today.year + 1] {
            if let date = LocalDate(year: year, month: month, day: day), date >= today { return date }
        }
        return nil
    }

    private func nextOccurrence(dayOfMonth day: Int) -> LocalDate? {
        var year = today.year
        var month = today.month
        for _ in 0..<3 {
            if let date = LocalDate(year: year, month: month, day: day), date >= today { return date }
            month += 1
            if month > 12 { month = 1; year += 1 }
        }
        return nil
    }

    private func time(_ words: [String], partOfDay: PartOfDay?) -> WallClockTime? {
        if words.contains("noon") || words.contains("midday") { return WallClockTime("12:00") }
        for (index, word) in words.enumerated() {
            let next = index + 1 < words.count ? words[index + 1] : ""
            let previous = index > 0 ? words[index - 1] : ""
            // "3pm", "3:30pm", "10am"
            for suffix in ["am", "pm"] where word.hasSuffix(suffix) && word.count > 2 {
                if let clock = clock(String(word.dropLast(2)), meridiem: suffix, partOfDay: partOfDay) { return clock }
            }
            // "3 pm", "3:30 p m"
            if ["am", "pm", "a", "p"].contains(next), let clock = clock(word, meridiem: next.hasPrefix("a") ? "am" : "pm", partOfDay: partOfDay) {
                return clock
            }
            // "15:30", "9:45"
            if word.contains(":"), let clock = clock(word, meridiem: nil, partOfDay: partOfDay) { return clock }
            // "half past 2", "quarter past 3", "quarter to 4"
            if (word == "past" || word == "to"), index >= 1, index + 1 < words.count,
                let hour = Int(next) ?? Self.numberWords[next], (1...12).contains(hour)
            {
                let minutes = words[index - 1] == "half" ? 30 : words[index - 1] == "quarter" ? 15 : nil
                if let minutes, let base = clock(String(hour), meridiem: nil, partOfDay: partOfDay) {
                    return WallClockTime(minutes: base.minutes + (word == "past" ? minutes : -minutes))
                }
            }
            // "at 3", "around 10", "3 o'clock" ("o clock" after punctuation is removed)
            if ["at", "around", "about", "by"].contains(previous) || next == "o" || next == "oclock" {
                if let hour = Int(word) ?? Self.numberWords[word], (1...12).contains(hour),
                    let clock = clock(String(hour), meridiem: nil, partOfDay: partOfDay)
                {
                    return clock
                }
            }
        }
        return nil
    }

    /// "3", "3:30", "15:30" with an optional am/pm.
    private func clock(_ text: String, meridiem: String?, partOfDay: PartOfDay?) -> WallClockTime? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let hour = Int(parts[0]), parts[0].count <= 2 else { return nil }
        let minute = parts.count == 2 ? Int(parts[1]) : 0
        guard let minute, (0...59).contains(minute), parts.count == 1 || parts[1].count == 2 else { return nil }
        var hour24 = hour
        switch meridiem {
        case "am"?:
            guard (1...12).contains(hour) else { return nil }
            hour24 = hour == 12 ? 0 : hour
        case "pm"?:
            guard (1...12).contains(hour) else { return nil }
            hour24 = hour == 12 ? 12 : hour + 12
        default:
            guard (0...23).contains(hour) else { return nil }
            if (1...12).contains(hour) && parts.count <= 2 && hour < 13 {
                switch partOfDay {
                case .morning?: hour24 = hour == 12 ? 12 : hour
                case .afternoon?, .evening?: hour24 = hour == 12 ? 12 : hour + 12
                case nil: hour24 = (1...6).contains(hour) ? hour + 12 : hour
                }
            }
        }
        return WallClockTime(minutes: hour24 * 60 + minute)
    }
}
