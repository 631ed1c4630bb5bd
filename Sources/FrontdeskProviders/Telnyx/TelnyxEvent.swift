import Foundation
import FrontdeskWire

/// A Telnyx webhook event (voice or messaging), decoded leniently: the `{data: {event_type, id,
/// payload}, meta}` envelope, the older flat shape of the CloudGreet seed (`{event_type, data: {…}}`),
/// unknown keys ignored, `null`/`""` where text is expected, numbers as strings.
public struct TelnyxEvent: Sendable {
    /// `data.id`; without one, a hash of the body (so an identical redelivery is still a duplicate).
    public var id: String
    public var type: String
    public var payload: JSONValue

    public enum Failure: Error, Equatable {
        case notJSON, noEventType
    }

    public static func parse(_ body: Data) throws(Failure) -> TelnyxEvent {
        guard let root = try? JSONParser.parse(body), case .object = root else { throw .notJSON }
        let data = root["data"]
        guard let type = data?["event_type"]?.text ?? root["event_type"]?.text else { throw .noEventType }
        var payload = data?["payload"] ?? data ?? .object([:])
        if case .object = payload {} else { payload = .object([:]) }
        let id = data?["id"]?.text ?? root["id"]?.text
            ?? Hex.sha256(body)
        return TelnyxEvent(id: id, type: type, payload: payload)
    }

    public func string(_ key: String) -> String? { payload[key]?.text }

    /// `client_state`, base64-decoded (nil when absent, null, empty or not base64).
    public var clientState: String? {
        guard let text = string("client_state"), let data = Data(base64Encoded: text) else { return nil }
        return String(data: data, encoding: .utf8)
    }

    /// A phone number field that may be a string or `{phone_number: …}` (messaging).
    public func phone(_ key: String) -> String? {
        guard let value = payload[key] else { return nil }
        if let text = value.text { return text }
        if let text = value["phone_number"]?.text { return text }
        return value.array?.first?["phone_number"]?.text
    }
}
