import Foundation

/// Instants as the business reads them: in its IANA zone, whatever the server's or the browser's.
struct LocalFormat: Sendable {
    let zone: TimeZone
    /// A Gregorian calendar in the business's zone (local dates to instants and back).
    let calendar: Calendar
    private let when: Date.FormatStyle
    private let time: Date.FormatStyle
    private let day: Date.FormatStyle

    init(zoneIdentifier: String?) {
        zone = zoneIdentifier.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC")!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        self.calendar = calendar
        let locale = Locale(identifier: "en_US")
        var when = Date.FormatStyle(date: .abbreviated, time: .shortened, locale: locale, timeZone: zone)
        when = when.weekday(.abbreviated)
        self.when = when
        time = Date.FormatStyle(date: .omitted, time: .shortened, locale: locale, timeZone: zone)
        day = Date.FormatStyle(locale: locale, timeZone: zone).weekday(.abbreviated).month(.abbreviated).day()
    }

    /// "Sat, Dec 5, 2026, 2:17 PM"
    func when(_ iso: String?) -> String { Self.instant(iso).map { $0.formatted(when) } ?? "" }
    /// "2:17 PM"
    func time(_ iso: String?) -> String { Self.instant(iso).map { $0.formatted(time) } ?? "" }
    func time(_ date: Date) -> String { date.formatted(time) }
    /// "Sat, Dec 5"
    func day(_ date: Date) -> String { date.formatted(day) }

    static func instant(_ iso: String?) -> Date? {
        guard let iso else { return nil }
        return (try? Date(iso, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            ?? (try? Date(iso, strategy: Date.ISO8601FormatStyle()))
    }

    static func duration(_ seconds: Int?) -> String {
        guard let seconds else { return "—" }
        return seconds < 60 ? "\(seconds) s" : "\(seconds / 60) min \(seconds % 60) s"
    }

    static func percent(_ ratio: Double?) -> String {
        guard let ratio else { return "—" }
        return "\(Int((ratio * 100).rounded())) %"
    }

    static func dollars(_ value: Double?) -> String {
        guard let value else { return "—" }
        return value == 0 ? "$0" : value < 0.01 ? String(format: "$%.4f", value) : String(format: "$%.2f", value)
    }

    static func words(_ raw: String?) -> String {
        guard let raw, !raw.isEmpty else { return "" }
        let text = raw.replacingOccurrences(of: "_", with: " ")
        return text.prefix(1).uppercased() + text.dropFirst()
    }
}

/// How the lists show outcomes and scores.
enum Tone {
    static func outcome(_ outcome: String?, status: String?) -> String {
        switch outcome {
        case "booked", "qualified": "ok"
        case "transferred", "message_taken", "information_only": ""
        case "abandoned", "spam": "warn"
        case "failed": "bad"
        default: status == "in_progress" ? "ok" : ""
        }
    }

    /// The score bands of domain.md: 70+ qualified, 40–69 warm, below 40 cold.
    static func band(_ score: Int?) -> (name: String, tone: String) {
        guard let score else { return ("unscored", "") }
        if score >= 70 { return ("qualified", "ok") }
        if score >= 40 { return ("warm", "warm") }
        return ("cold", "")
    }
}
