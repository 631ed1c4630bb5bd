import FrontdeskCore
import Testing

@Suite("Date and time phrases")
struct DateTimePhraseTests {
    /// Sunday 22 November 2026.
    let sunday = DateTimePhraseParser(today: LocalDate("2026-11-22")!)
    /// Monday 23 November 2026.
    let monday = DateTimePhraseParser(today: LocalDate("2026-11-23")!)

    func date(_ text: String) -> LocalDate? { LocalDate(text) }
    func time(_ text: String) -> WallClockTime? { WallClockTime(text) }

    @Test("relative days and weekday names")
    func days() {
        #expect(sunday.parse("today please").date == date("2026-11-22"))
        #expect(sunday.parse("Tomorrow?").date == date("2026-11-23"))
        #expect(sunday.parse("the day after tomorrow").date == date("2026-11-24"))
        #expect(sunday.parse("on Tuesday").date == date("2026-11-24"))
        #expect(sunday.parse("sunday").date == date("2026-11-29"), "a weekday alone is never today")
        #expect(monday.parse("Tuesday works").date == date("2026-11-24"))
        #expect(monday.parse("next Tuesday").date == date("2026-12-01"), "next week's, since this week's is still ahead")
        #expect(sunday.parse("next tuesday").date == date("2026-11-24"), "on Sunday, this week is over")
        #expect(monday.parse("wed").date == date("2026-11-25"))
    }

    @Test("calendar dates: the 14th, March 3, 3/14")
    func calendarDates() {
        #expect(sunday.parse("the 14th").date == date("2026-12-14"), "this month's 14th has passed")
        #expect(sunday.parse("on the 30th").date == date("2026-11-30"))
        #expect(sunday.parse("March 3").date == date("2027-03-03"))
        #expect(sunday.parse("march 3rd at 10").date == date("2027-03-03"))
        #expect(sunday.parse("the 5th of December").date == date("2026-12-05"))
        #expect(sunday.parse("24 dec").date == date("2026-12-24"))
        #expect(sunday.parse("12/1").date == date("2026-12-01"))
        #expect(sunday.parse("I may be late").date == nil, "may is a month only next to a day")
        #expect(sunday.parse("May 5").date == date("2027-05-05"))
        #expect(sunday.parse("February 30").date == nil)
    }

    @Test("clock times with the business-hours guess for bare hours")
    func times() {
        #expect(sunday.parse("at 3").time == time("15:00"))
        #expect(sunday.parse("at 10").time == time("10:00"))
        #expect(sunday.parse("3pm").time == time("15:00"))
        #expect(sunday.parse("3 pm").time == time("15:00"))
        #expect(sunday.parse("9:30am").time == time("09:30"))
        #expect(sunday.parse("12am").time == time("00:00"))
        #expect(sunday.parse("15:30").time == time("15:30"))
        #expect(sunday.parse("10:45").time == time("10:45"))
        #expect(sunday.parse("noon").time == time("12:00"))
        #expect(sunday.parse("half past 2").time == time("14:30"))
        #expect(sunday.parse("quarter to 4").time == time("15:45"))
        #expect(sunday.parse("around four o'clock").time == time("16:00"))
        #expect(sunday.parse("at 5 in the morning").time == time("05:00"), "the part of day wins over the guess")
        #expect(sunday.parse("I have 3 kids").time == nil, "a bare number is not a time")
        #expect(sunday.parse("25:00").time == nil)
    }

    @Test("parts of the day and choices among offered slots")
    func partsAndChoices() {
        let phrase = sunday.parse("tomorrow afternoon")
        #expect(phrase.date == date("2026-11-23"))
        #expect(phrase.partOfDay == .afternoon)
        #expect(phrase.time == nil)
        #expect(sunday.parse("this evening").date == date("2026-11-22"))
        #expect(sunday.parse("the second one").choice == 2)
        #expect(sunday.parse("first option please").choice == 1)
        #expect(sunday.parse("option 3").choice == 3)
        #expect(sunday.parse("the 2nd one").choice == 2)
        #expect(sunday.parse("the 2nd one").date == nil)
    }

    @Test("several pieces in one sentence")
    func combined() {
        let phrase = sunday.parse("Hi, I'm Maria, can I get a cleaning next Tuesday at 10?")
        #expect(phrase == DateTimePhrase(date: date("2026-11-24"), time: time("10:00")))
        let other = monday.parse("Friday the 27th, 2:15pm")
        #expect(other.date == date("2026-11-27"))
        #expect(other.time == time("14:15"))
        #expect(sunday.parse("hello there").isEmpty)
    }
}
