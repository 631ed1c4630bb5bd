import Foundation
import FrontdeskCore
import FrontdeskWire

/// A Retell webhook, decoded leniently: `{event, call: {…}}`, the older `{event, data: {…}}`, and the
/// CloudGreet seed's `{event_type: "conversation.ended", data: {conversation_id, transcript, outcome}}`.
public struct RetellEvent: Sendable {
    public var event: String
    public var call: JSONValue
    public var callId: String
    /// For deduplication: the event and the call (Retell sends no event id); a body hash without a call.
    public var dedupeId: String

    public enum Failure: Error, Equatable {
        case notJSON, noEvent
    }

    public static func parse(_ body: Data) throws(Failure) -> RetellEvent {
        guard let root = try? JSONParser.parse(body), case .object = root else { throw .notJSON }
        guard let event = root["event"]?.text ?? root["event_type"]?.text else { throw .noEvent }
        var call = root["call"] ?? root["data"] ?? .object([:])
        if case .object = call {} else { call = .object([:]) }
        let id = call["call_id"]?.text ?? call["conversation_id"]?.text ?? root["call_id"]?.text
        let hash = Hex.sha256(body)
        return RetellEvent(event: event, call: call, callId: id ?? "", dedupeId: id.map { "\(event)|\($0)" } ?? hash)
    }

    public func string(_ key: String) -> String? { call[key]?.text }

    /// A time given in unix milliseconds; nil unless it is a time a call can have (2000–2100), so a
    /// hostile `1e300` never becomes a date no reader can store or subtract.
    public func instant(_ key: String) -> Date? {
        guard let millis = call[key]?.double, millis.isFinite, (946_684_800_000...4_102_444_800_000).contains(millis) else { return nil }
        return Date(timeIntervalSince1970: millis / 1000)
    }

    /// A length given in milliseconds, as whole seconds; nil unless 0 ms – 7 days.
    public func seconds(_ key: String) -> Int? {
        guard let millis = call[key]?.double, millis.isFinite, (0...604_800_000).contains(millis) else { return nil }
        return Int((millis / 1000).rounded())
    }

    /// The transcript as (speaker, words): `transcript_object` when present, else the `transcript` text
    /// ("Agent: …\nUser: …").
    public var turns: [(agent: Bool, text: String)] {
        if let items = call["transcript_object"]?.array, !items.isEmpty {
            return items.compactMap { item in
                guard let role = item["role"]?.text, let text = item["content"]?.text, role == "agent" || role == "user" else { return nil }
                return (role == "agent", text)
            }
        }
        guard let text = string("transcript") else { return [] }
        return text.split(whereSeparator: \.isNewline).compactMap { line in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            let who = parts[0].trimmingCharacters(in: .whitespaces).lowercased()
            let words = parts[1].trimmingCharacters(in: .whitespaces)
            guard !words.isEmpty else { return nil }
            if ["agent", "assistant", "bot"].contains(who) { return (true, words) }
            if ["user", "caller", "customer"].contains(who) { return (false, words) }
            return nil
        }
    }
}
