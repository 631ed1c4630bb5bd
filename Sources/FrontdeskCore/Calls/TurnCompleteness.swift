import Foundation

/// Whether the caller's words so far read as a finished turn — semantic end of turn. A caller who
/// pauses after a complete sentence or question is answered after a short silence; one who pauses
/// after "on…", "for…", "my number is five five five…" is waited for.
public enum TurnCompleteness: String, Sendable, Equatable {
    /// A complete sentence, question or answer: reply after a short silence.
    case finished
    /// Could go either way (a verb that usually takes an object, a trailing comma, no words yet).
    case unclear
    /// Clearly not done: a trailing preposition, conjunction, article or filler, a phone number
    /// still short of its digits, a bare opener.
    case unfinished

    /// Sorts `words` (speech-to-text output, with or without punctuation).
    public static func of(_ words: String) -> TurnCompleteness {
        let trimmed = words.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let lastCharacter = trimmed.last else { return .unclear }
        if trimmed.hasSuffix("...") || lastCharacter == "…" || lastCharacter == "-" || lastCharacter == "—" { return .unfinished }
        let tokens = trimmed.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ",.?!;:\"“”")) }
            .filter { !$0.isEmpty }
        guard let last = tokens.last else { return .unclear }
        if fillers.contains(last) { return .unfinished }
        if numberStillShort(tokens, sentenceEnded: ".?!".contains(lastCharacter)) { return .unfinished }
        if openers.contains(tokens.joined(separator: " ")) { return .unfinished }
        if isBareIntroduction(tokens) { return .unfinished }
        if trailing.contains(last) { return .unfinished }
        switch lastCharacter {
        case ".", "?", "!": return .finished
        case ",", ";", ":": return .unclear
        default: break
        }
        if months.contains(last) || isListInProgress(trimmed) { return .unfinished }
        if objectVerbs.contains(last) { return .unclear }
        return .finished
    }

    /// Words after which a sentence goes on: prepositions, conjunctions, articles, possessives.
    static let trailing: Set<String> = [
        "a", "an", "the", "my", "your", "our", "their", "his", "her", "its", "this", "that", "these", "those", "some",
        "on", "at", "for", "to", "in", "into", "of", "from", "with", "by", "about", "around", "after", "before",
        "between", "until", "till", "near", "than", "via", "per",
        "and", "or", "but", "so", "because", "if", "when", "while", "then", "also", "maybe", "like", "is", "was",
        "are", "it's", "i'm", "i'd", "i'll", "we're", "we'd", "what's", "which", "who", "where", "how", "whether",
        "next", "very", "more", "less", "just", "probably", "let's",
    ]
    /// A date being read: "on December…" goes on with the day.
    static let months: Set<String> = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
    ]

    /// "a cleaning, a checkup" — items separated by commas and no "and"/"or" before the last one yet.
    static func isListInProgress(_ text: String) -> Bool {
        let clauses = text.lowercased().split(separator: ",")
        guard clauses.count >= 2, let last = clauses.last else { return false }
        let words = last.split(separator: " ")
        return words.count <= 3 && !words.contains("and") && !words.contains("or")
    }

    /// Hesitations: the caller is still thinking.
    static let fillers: Set<String> = ["um", "uh", "umm", "uhh", "er", "erm", "hmm", "mm", "ah", "well"]
    /// Verbs that usually take an object: "I'd like to book" may well go on.
    static let objectVerbs: Set<String> = [
        "book", "need", "want", "get", "have", "schedule", "make", "see", "move", "change", "cancel", "reschedule",
        "know", "ask", "call", "say", "bring", "find", "check", "try", "do", "be", "pay", "take", "come",
    ]
    /// A whole turn that only opens one.
    static let openers: Set<String> = [
        "hi", "hello", "hey", "yes so", "so", "okay so", "ok so", "what", "when", "where", "how", "can i", "could i",
        "can you", "could you", "i", "we", "i need", "i want", "i would like", "i'd like", "actually", "and also",
    ]

    static let digitWords: [String: Int] = [
        "zero": 1, "oh": 1, "o": 1, "one": 1, "two": 1, "three": 1, "four": 1, "five": 1, "six": 1, "seven": 1,
        "eight": 1, "nine": 1, "double": 0, "triple": 0,
    ]

    /// A phone number being read: the trailing run of digits (figures or digit words) holds at least
    /// three but fewer than ten digits. A lone figure ending a sentence ("at 10.", "2026.") is not one.
    static func numberStillShort(_ tokens: [String], sentenceEnded: Bool = false) -> Bool {
        var digits = 0
        var run = 0
        for token in tokens.reversed() {
            let figures = token.filter(\.isNumber)
            if !figures.isEmpty, figures.count == token.filter({ $0 != "-" && $0 != "(" && $0 != ")" && $0 != "+" }).count {
                digits += figures.count
            } else if let count = digitWords[token] {
                digits += count
            } else {
                break
            }
            run += 1
        }
        guard digits >= 3, digits < 10 else { return false }
        return run > 1 || !sentenceEnded
    }

    /// "Hi, I'm Alex." — a greeting and a name, the reason still to come.
    static func isBareIntroduction(_ tokens: [String]) -> Bool {
        let greetings: Set<String> = ["hi", "hello", "hey", "good", "morning", "afternoon", "evening"]
        var rest = tokens[...]
        while let first = rest.first, greetings.contains(first) { rest = rest.dropFirst() }
        guard rest.count < tokens.count else { return false }
        if rest.first == "i'm" || rest.first == "this" && rest.dropFirst().first == "is" {
            let name = rest.drop { $0 == "i'm" || $0 == "this" || $0 == "is" }
            return name.count <= 2
        }
        if rest.starts(with: ["my", "name", "is"]) { return rest.count <= 5 }
        return rest.isEmpty
    }
}

/// How long to wait in silence before ending the caller's turn, from what their words so far say,
/// the line's noise and how this caller paces themselves.
public struct EndOfTurnWindows: Sendable, Equatable {
    /// After words that read as finished.
    public var finished: Duration = .milliseconds(160)
    /// After words that could go either way.
    public var unclear: Duration = .milliseconds(500)
    /// A line whose voice is less than this many dB above its noise is noisy.
    public static let noisyBelow: Double = 25
    /// The upper bound (`MEDIA_END_OF_TURN_MS`): after unfinished words, and always at most this.
    public var upperBound: Duration = .milliseconds(1_000)

    public init(finished: Duration = .milliseconds(160), unclear: Duration = .milliseconds(500), upperBound: Duration = .milliseconds(1_000)) {
        self.finished = finished
        self.unclear = unclear
        self.upperBound = upperBound
    }

    /// The silence to wait: the kind's window, doubled for finished words on a line whose voice is
    /// less than `noisyBelow` dB above its noise (soft word onsets drown there, and an ordinary gap
    /// between words looks longer), stretched by the caller's pace, never above the upper bound.
    public func wait(for kind: TurnCompleteness, signalToNoise: Double? = nil, pace: CallerPace = CallerPace()) -> Duration {
        var window: Duration
        switch kind {
        case .finished:
            window = finished
            if let signalToNoise, signalToNoise < Self.noisyBelow { window = finished * 2 }
        case .unclear: window = unclear
        case .unfinished: window = upperBound
        }
        window = window * pace.stretch
        return min(window, upperBound)
    }
}

/// How one caller paces their pauses: a caller who carries on after a pause close to the window
/// they were given gets longer windows for the rest of the call (up to twice).
public struct CallerPace: Sendable, Equatable {
    public private(set) var stretch: Double = 1

    public init() {}

    /// The caller spoke again after `pause` of silence, having been given `window`.
    public mutating func resumed(after pause: Duration, window: Duration) {
        guard window > .zero, pause >= window * 0.6 else { return }
        stretch = min(2, stretch * 1.25)
    }
}
