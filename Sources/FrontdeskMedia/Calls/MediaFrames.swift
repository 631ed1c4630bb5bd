import Foundation
import FrontdeskAudio
import FrontdeskWire

/// Which carrier's media-stream dialect a socket speaks (protocols.md: Telnyx and Twilio differ in
/// key spellings — `stream_id`/`streamSid`, `media_format`/`mediaFormat` — and Twilio wants its
/// `streamSid` on every frame sent back).
public enum MediaCarrier: String, Sendable {
    case telnyx, twilio

    /// The provider name calls are recorded under.
    public var provider: String { rawValue }
}

/// One frame from the carrier, whichever dialect.
package enum InboundMediaFrame: Sendable, Equatable {
    case connected
    case start(MediaStreamStart)
    /// Caller audio (`track` inbound), in the order given by `chunk`.
    case media(chunk: Int?, track: String?, payload: [UInt8])
    case dtmf(String)
    /// A mark we sent, echoed back once the audio before it has played.
    case mark(String)
    case stop
    case error(String)
    /// A frame this runtime does not act on (unknown event types are ignored, not fatal).
    case other(String)

    package struct Failure: Error, Equatable, CustomStringConvertible {
        package let description: String
    }

    /// Parses one text frame (lenient: unknown keys ignored, numbers as strings or numbers, either
    /// dialect's spellings).
    package static func parse(_ text: String) throws(Failure) -> InboundMediaFrame {
        // The frame that comes 50 times a second: only its four members are read.
        let fields: [JSONValue?]
        do {
            fields = try JSONParser.extract(text, paths: mediaPaths)
        } catch {
            throw Failure(description: "not a media-stream frame: \(error)")
        }
        if fields[0]?.text == "media" {
            guard case .string(let payload)? = fields[1] else { throw Failure(description: "a media frame without a payload") }
            guard let bytes = Base64.decode(payload) else { throw Failure(description: "a media payload that is not base64") }
            return .media(chunk: fields[2]?.integer, track: fields[3]?.text, payload: bytes)
        }
        return try parseWhole(text)
    }

    private static let mediaPaths = JSONParser.Paths([["event"], ["media", "payload"], ["media", "chunk"], ["media", "track"]])

    /// Any other frame, read whole.
    private static func parseWhole(_ text: String) throws(Failure) -> InboundMediaFrame {
        let root: JSONValue
        do {
            root = try JSONParser.parse(text)
        } catch {
            throw Failure(description: "not a media-stream frame: \(error)")
        }
        guard let event = root["event"]?.text else { throw Failure(description: "a frame without `event`") }
        switch event {
        case "media":
            guard let media = root["media"], case .string(let payload)? = media["payload"] else {
                throw Failure(description: "a media frame without a payload")
            }
            guard let bytes = Base64.decode(payload) else { throw Failure(description: "a media payload that is not base64") }
            return .media(chunk: media["chunk"]?.integer, track: media["track"]?.text, payload: bytes)
        case "connected": return .connected
        case "start":
            guard let start = root["start"] else { throw Failure(description: "a start frame without `start`") }
            let format = start["media_format"] ?? start["mediaFormat"]
            var parameters: [String: String] = [:]
            if case .object(let members)? = start["custom_parameters"] ?? start["customParameters"] {
                for (key, value) in members { if let text = value.text { parameters[key] = text } }
            }
            return .start(MediaStreamStart(
                providerCallId: start["call_control_id"]?.text ?? start["callSid"]?.text,
                streamId: root["stream_id"]?.text ?? root["streamSid"]?.text ?? start["streamSid"]?.text,
                from: start["from"]?.text, to: start["to"]?.text, clientState: start["client_state"]?.text,
                parameters: parameters, encoding: format?["encoding"]?.text,
                sampleRate: (format?["sample_rate"] ?? format?["sampleRate"])?.integer))
        case "dtmf":
            guard let digit = root["dtmf"]?["digit"]?.text else { throw Failure(description: "a dtmf frame without a digit") }
            return .dtmf(digit)
        case "mark": return .mark(root["mark"]?["name"]?.text ?? "")
        case "stop": return .stop
        case "error": return .error(root["payload"]?["detail"]?.text ?? root["payload"]?["title"]?.text ?? "unknown error")
        default: return .other(event)
        }
    }
}

/// What a `start` frame says about the call and its audio.
package struct MediaStreamStart: Sendable, Equatable {
    /// Telnyx's `call_control_id` or Twilio's `CallSid`.
    package var providerCallId: String?
    package var streamId: String?
    package var from: String?
    package var to: String?
    var clientState: String?
    package var parameters: [String: String]
    package var encoding: String?
    package var sampleRate: Int?

    init(
        providerCallId: String?, streamId: String?, from: String?, to: String?, clientState: String? = nil,
        parameters: [String: String] = [:], encoding: String?, sampleRate: Int?
    ) {
        self.providerCallId = providerCallId
        self.streamId = streamId
        self.from = from
        self.to = to
        self.clientState = clientState
        self.parameters = parameters
        self.encoding = encoding
        self.sampleRate = sampleRate
    }
}

/// Frames sent back to the carrier.
package enum OutboundMediaFrame: Sendable {
    case media([UInt8])
    case mark(String)
    case clear

    /// The JSON text frame in `carrier`'s dialect (`streamSid` on Twilio's), written by `JSONWriter`
    /// (50 a second per call): the stream id and a mark's name come from outside and are escaped.
    package func text(carrier: MediaCarrier, streamId: String?) -> String {
        var writer = JSONWriter(capacity: 96)
        writer.beginObject()
        switch self {
        case .media(let payload):
            let encoded = Base64.encode(payload)
            writer.bytes.reserveCapacity(encoded.utf8.count + 96)
            writer.field("event", "media")
            if carrier == .twilio { writer.field("streamSid", streamId ?? "") }
            writer.key("media")
            writer.beginObject()
            writer.field("payload", encoded)
            writer.endObject()
        case .mark(let name):
            writer.field("event", "mark")
            if carrier == .twilio { writer.field("streamSid", streamId ?? "") }
            writer.key("mark")
            writer.beginObject()
            writer.field("name", name)
            writer.endObject()
        case .clear:
            writer.field("event", "clear")
            if carrier == .twilio { writer.field("streamSid", streamId ?? "") }
        }
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
