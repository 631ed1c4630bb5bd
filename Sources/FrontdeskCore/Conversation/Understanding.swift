import Foundation

/// What one caller utterance says, as far as simple rules can tell. Several things at once are fine:
/// "Hi, I'm Maria, can I get a cleaning next Tuesday at 10?" fills name, service, date, time and intent.
public struct Understanding: Sendable, Equatable {
    public enum Intent: String, Sendable, Codable {
        case book, reschedule, cancel
    }

    public enum Question: String, Sendable, Codable, CaseIterable {
        case hours, location, price
    }

    public var name: String?
    public var service: ServiceOffering?
    public var when = DateTimePhrase()
    public var email: EmailAddress?
    public var phone: PhoneNumber?
    public var intent: Intent?
    public var questions: Set<Question> = []
    public var yes = false
    public var no = false
    public var wantsHuman = false
    public var angry = false
    public var confused = false
    public var goodbye = false
    public var justLooking = false
    public var urgent = false
    public var callback = false
    public var correction = false
    public var decidesAlone = false
    public var needsApproval = false
    public var spam = false

    /// Whether anything at all was understood.
    public var isEmpty: Bool {
        self == Understanding(when: when) && when.isEmpty
    }

    public init(when: DateTimePhrase = DateTimePhrase()) { self.when = when }
}

/// Lower-case words joined by single spaces, searched for whole words and phrases on UTF-8 bytes
/// (Foundation's `String.contains` is far slower on Linux, and this runs about a hundred times a turn).
struct WordText {
    private let bytes: [UInt8]

    init(_ words: [String]) {
        bytes = Array((" " + words.joined(separator: " ") + " ").utf8)
    }

    /// Whether `phrase` (lower case, words separated by single spaces) occurs as whole words.
    func contains(_ phrase: String) -> Bool {
        var needle: [UInt8] = [32]
        needle.append(contentsOf: phrase.utf8)
        needle.append(32)
        let count = needle.count
        guard count <= bytes.count else { return false }
        let first = needle[0]
        var index = 0
        let last = bytes.count - count
        return bytes.withUnsafeBufferPointer { haystack in
            needle.withUnsafeBufferPointer { needle in
                while index <= last {
                    if haystack[index] == first && haystack[index + 1] == needle[1] {
                        var matched = true
                        for offset in 2..<count where haystack[index + offset] != needle[offset] {
                            matched = false
                            break
                        }
                        if matched { return true }
                    }
                    index += 1
                }
                return false
            }
        }
    }
}

/// Rule-based understanding for the scripted policy: keyword and pattern matching, no network.
public struct UtteranceAnalyzer: Sendable {
    public let services: [ServiceOffering]
    public let phrases: DateTimePhraseParser

    public init(services: [ServiceOffering], today: LocalDate) {
        self.services = services
        self.phrases = DateTimePhraseParser(today: today)
    }

    public func analyze(_ text: String) -> Understanding {
        let words = WordText(DateTimePhraseParser.words(text))
        func has(_ any: String...) -> Bool { any.contains { words.contains($0) } }
        var result = Understanding(when: phrases.parse(text))
        // The name patterns need Foundation's slower search; most utterances have none of their words.
        if has("name", "this", "i m", "i am", "it s", "its", "name s") { result.name = name(in: text) }
        result.service = services.first { service in
            let name = service.name.lowercased()
            return words.contains(name) || words.contains(name + "s") || words.contains(name + "ing")
        }
        result.email = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == ";" })
            .first { $0.contains("@") }.flatMap { EmailAddress(String($0).trimmingCharacters(in: CharacterSet(charactersIn: ".!?"))) }
        result.phone = phoneNumber(in: text)

        result.wantsHuman = has(
            "human", "real person", "a person", "someone", "representative", "operator", "manager", "receptionist",
            "speak to the owner", "talk to the owner", "agent")
        result.angry = has(
            "ridiculous", "angry", "furious", "terrible", "worst", "unacceptable", "useless", "stupid", "hate",
            "damn", "awful", "scam", "fed up")
            || text.contains("!!")
        result.confused = has("confused", "i don t understand", "i dont understand", "what do you mean", "makes no sense")
        result.goodbye = has("bye", "goodbye", "good bye", "that s all", "thats all", "that is all", "have a good day", "hang up")
        result.justLooking = has("just looking", "just browsing", "not now", "maybe later", "just checking", "not sure yet")
        result.urgent = has("urgent", "emergency", "asap", "as soon as possible", "pain", "hurts", "broken", "right away")
        result.callback = has("call me back", "callback", "call back", "ring me back")
        result.correction = has("actually", "instead", "change it", "make it", "rather", "no wait")
        result.decidesAlone = has("my decision", "i decide", "i m the owner", "im the owner", "i am the owner", "up to me")
        result.needsApproval = has("ask my", "check with my", "talk to my", "my husband", "my wife", "my partner", "my boss")
        result.spam = has(
            "seo", "google listing", "google ranking", "search ranking", "car warranty", "extended warranty", "crypto",
            "bitcoin", "business loan", "merchant services", "web design services")

        if has("cancel", "cancellation", "call off") { result.intent = .cancel }
        else if has("reschedule", "move my appointment", "change my appointment", "move it", "different time for my") {
            result.intent = .reschedule
        } else if has("book", "appointment", "schedule", "come in", "get a", "get an", "make an", "set up", "available", "availability", "opening", "slot")
            || result.service != nil
        {
            result.intent = .book
        }

        if has("hours", "open", "close", "closing", "opening hours", "what time do you") && !has("slot") { result.questions.insert(.hours) }
        if has("where", "address", "location", "located", "directions", "parking") { result.questions.insert(.location) }
        if has("price", "prices", "cost", "costs", "how much", "charge", "fee", "rates", "expensive") { result.questions.insert(.price) }
        if result.questions.contains(.hours), result.intent == .book, !has("hours", "close", "closing", "what time do you") {
            result.questions.remove(.hours)
        }

        result.yes = has(
            "yes", "yeah", "yep", "yup", "sure", "correct", "right", "ok", "okay", "please do", "sounds good", "perfect",
            "that works", "works for me", "great", "go ahead", "book it", "confirm")
        result.no = has("no", "nope", "nah", "not really", "don t", "dont", "doesn t work", "that doesn t", "negative")
        if result.no && has("no problem") { result.no = false }
        if result.yes && result.no { result.yes = false }
        return result
    }

    /// "I'm Maria", "my name is Maria Lopez", "this is Maria", "it's Maria", "name's Maria".
    func name(in text: String) -> String? {
        let patterns = ["my name is ", "name is ", "this is ", "i'm ", "i am ", "it's ", "its ", "name's "]
        let lower = text.lowercased()
        for pattern in patterns {
            guard let range = lower.range(of: pattern) else { continue }
            if range.lowerBound != lower.startIndex {
                let before = lower[lower.index(before: range.lowerBound)]
                guard before == " " || before == "," || before == "." else { continue }
            }
            // A name ends at punctuation: "this is Maria, I'd like…" is Maria.
            let rest = text[range.upperBound...].prefix { !",.!?;:".contains($0) }
            let words = rest.split(whereSeparator: { !$0.isLetter && $0 != "-" && $0 != "'" }).prefix(2)
            var name: [String] = []
            for word in words {
                guard let first = word.first, first.isUppercase || pattern.contains("name") else { break }
                guard !Self.notNames.contains(word.lowercased()) else { break }
                name.append(word.prefix(1).uppercased() + word.dropFirst())
            }
            if !name.isEmpty { return name.joined(separator: " ") }
        }
        return nil
    }

    static let notNames: Set<String> = [
        "calling", "looking", "interested", "just", "not", "a", "the", "here", "wondering", "trying", "hoping", "sorry",
        "fine", "good", "great", "ok", "okay", "available", "free", "busy", "new", "an", "your", "in", "at", "on", "i",
        "i'd", "i'm", "i'll", "i've", "and", "about", "for", "to", "with",
    ]

    private func phoneNumber(in text: String) -> PhoneNumber? {
        var digits = ""
        for char in text where char.isNumber || char == "+" { digits.append(char) }
        guard digits.count >= 10 else { return nil }
        if digits.hasPrefix("+") { return PhoneNumber(digits) }
        if digits.count == 10 { return PhoneNumber("+1" + digits) }
        if digits.count == 11, digits.hasPrefix("1") { return PhoneNumber("+" + digits) }
        return nil
    }
}

extension Understanding {
    /// The lead-scoring signals these words fire (domain.md), each citing `source`.
    public func signals(source: String, today: LocalDate) -> [FiredSignal] {
        var fired: [ScoreSignal] = []
        if service != nil { fired.append(.wantsOfferedService) }
        if urgent { fired.append(.urgentProblem) }
        if callback { fired.append(.askedForCallback) }
        if decidesAlone { fired.append(.decisionMaker) }
        if needsApproval { fired.append(.needsApproval) }
        if justLooking { fired.append(.justLooking) }
        if let date = when.date {
            let days = today.days(until: date)
            fired.append(days <= 7 ? .timelineWithin7Days : days <= 30 ? .timelineWithin30Days : .timelineLater)
        }
        return fired.map { FiredSignal(signal: $0, source: source) }
    }
}
