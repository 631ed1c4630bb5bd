import FrontdeskCore
import Testing

@Suite("Understanding what a caller says")
struct UnderstandingTests {
    let analyzer = UtteranceAnalyzer(
        services: [
            ServiceOffering(name: "Cleaning", price: Money(cents: 12_000), duration: 45),
            ServiceOffering(name: "Whitening", price: Money(cents: 35_000), duration: 60),
        ],
        today: LocalDate("2026-11-22")!)

    @Test("everything in one sentence")
    func everything() {
        let u = analyzer.analyze("Hi, I'm Maria, can I get a cleaning next Tuesday at 10?")
        #expect(u.name == "Maria")
        #expect(u.service?.name == "Cleaning")
        #expect(u.when.date == LocalDate("2026-11-24"))
        #expect(u.when.time == WallClockTime("10:00"))
        #expect(u.intent == .book)
    }

    @Test("names are taken only where someone says their name")
    func names() {
        #expect(analyzer.analyze("my name is maria lopez").name == "Maria Lopez")
        #expect(analyzer.analyze("This is John Smith calling").name == "John Smith")
        #expect(analyzer.analyze("I'm looking for a cleaning").name == nil)
        #expect(analyzer.analyze("I'm just wondering about prices").name == nil)
        #expect(analyzer.analyze("It's Ana.").name == "Ana")
        #expect(analyzer.analyze("Hi, this is Maria, I'd like a cleaning").name == "Maria")
        #expect(analyzer.analyze("this is Maria I'd like a cleaning").name == "Maria")
    }

    @Test("yes, no, goodbye and corrections")
    func shortAnswers() {
        #expect(analyzer.analyze("Yes please").yes)
        #expect(analyzer.analyze("that works").yes)
        #expect(analyzer.analyze("No, that doesn't work").no)
        #expect(!analyzer.analyze("no problem").no)
        #expect(analyzer.analyze("ok thanks, bye!").goodbye)
        let correction = analyzer.analyze("actually make it Wednesday")
        #expect(correction.correction)
        #expect(correction.when.date == LocalDate("2026-11-25"))
    }

    @Test("escalation, questions, intents and spam")
    func signals() {
        #expect(analyzer.analyze("Can I speak to a real person?").wantsHuman)
        #expect(analyzer.analyze("Sorry, I don't understand").confused)
        #expect(analyzer.analyze("This is ridiculous, I've been waiting forever").angry)
        #expect(analyzer.analyze("What are your hours on Saturday?").questions == [.hours])
        #expect(analyzer.analyze("Where are you located?").questions == [.location])
        #expect(analyzer.analyze("How much is whitening?").questions == [.price])
        #expect(analyzer.analyze("I need to cancel my appointment").intent == .cancel)
        #expect(analyzer.analyze("Can I reschedule my appointment?").intent == .reschedule)
        #expect(analyzer.analyze("We can improve your Google ranking with our SEO package").spam)
        #expect(analyzer.analyze("It's urgent, my tooth hurts").urgent)
        #expect(analyzer.analyze("I'm just looking for now").justLooking)
    }

    @Test("contact details in what is said")
    func contacts() {
        #expect(analyzer.analyze("my email is maria@example.com.").email?.value == "maria@example.com")
        #expect(analyzer.analyze("call me on 555 010 4477").phone?.e164 == "+15550104477")
    }
}

@Suite("Sentences from a stream")
struct SentenceSplitterTests {
    @Test("sentences come out as soon as they end, however the text is cut")
    func streaming() {
        var splitter = SentenceSplitter()
        var out: [String] = []
        for piece in ["Sure", ", I can help. Tuesday at 3.", "5 is not a time! Wh", "ich day suits you?", " Thanks"] {
            out += splitter.add(piece)
        }
        #expect(out == ["Sure, I can help.", "Tuesday at 3.5 is not a time!", "Which day suits you?"])
        #expect(splitter.finish() == "Thanks")
        #expect(splitter.finish() == nil)
    }
}
