import FrontdeskCore
import Testing

@Suite("Semantic end of turn: whether the caller's words so far read as finished, and how long to wait")
struct TurnCompletenessTests {
    @Test("complete sentences, questions and short answers are finished", arguments: [
        "Can I get a cleaning next Tuesday at 10?", "What are your hours?", "Yes.", "no", "I'd like a cleaning on Thursday.",
        "Maria Lopez.", "How much is whitening?", "Sure, that works.", "a cleaning, a checkup and whitening", "the 14th of May.", "Is 9am free on December 1st 2026.",
        "Hi, I'm Maria, can I get a cleaning next Tuesday at 10?",
    ])
    func finished(_ words: String) {
        #expect(TurnCompleteness.of(words) == .finished, "\(words)")
    }

    @Test("a trailing preposition, conjunction, article, filler, a number still being read, an opener: unfinished", arguments: [
        "I'd like to book on", "for", "Can I come in on…", "my number is five five five", "It's 555 0134", "um", "I need a cleaning and",
        "Hi, I'm Alex.", "Hello, this is Sam", "What", "Could you", "I'd like to book a cleaning for the", "Thursday at 10 or",
        "I was thinking uh", "My name is", "It's on December", "I need a cleaning, a checkup",
    ])
    func unfinished(_ words: String) {
        #expect(TurnCompleteness.of(words) == .unfinished, "\(words)")
    }

    @Test("a verb that usually takes an object, a trailing comma, no words yet: unclear", arguments: [
        "I'd like to book", "I need to reschedule", "I'd like a cleaning,", "", "  ",
    ])
    func unclear(_ words: String) {
        #expect(TurnCompleteness.of(words) == .unclear, "\(words)")
    }

    @Test("the waits: 160 ms finished, 500 ms unclear, the upper bound unfinished; finished doubled on a line under 25 dB SNR; never above the bound")
    func windows() {
        let windows = EndOfTurnWindows()
        #expect(windows.wait(for: .finished) == .milliseconds(160))
        #expect(windows.wait(for: .unclear) == .milliseconds(500))
        #expect(windows.wait(for: .unfinished) == .milliseconds(1_000))
        #expect(windows.wait(for: .finished, signalToNoise: 30) == .milliseconds(160))
        #expect(windows.wait(for: .finished, signalToNoise: 20) == .milliseconds(320))
        #expect(windows.wait(for: .finished, signalToNoise: 10) == .milliseconds(320))
        let tight = EndOfTurnWindows(finished: .milliseconds(160), unclear: .milliseconds(500), upperBound: .milliseconds(300))
        #expect(tight.wait(for: .unclear) == .milliseconds(300))
    }

    @Test("a caller who carries on after pauses close to their window gets longer windows, up to twice")
    func pace() {
        var pace = CallerPace()
        pace.resumed(after: .milliseconds(100), window: .milliseconds(500))  // far from the window: no change
        #expect(pace.stretch == 1)
        pace.resumed(after: .milliseconds(400), window: .milliseconds(500))
        #expect(pace.stretch == 1.25)
        let windows = EndOfTurnWindows()
        #expect(windows.wait(for: .finished, pace: pace) == .milliseconds(200))
        for _ in 0..<10 { pace.resumed(after: .milliseconds(900), window: .milliseconds(1_000)) }
        #expect(pace.stretch == 2)
        #expect(windows.wait(for: .unfinished, pace: pace) == .milliseconds(1_000))
    }
}
