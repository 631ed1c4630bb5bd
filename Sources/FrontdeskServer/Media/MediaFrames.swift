import Foundation
import FrontdeskAudio

/// Which carrier's media-stream dialect a socket speaks (protocols.md: Telnyx and Twilio differ in
/// key spellings — `stream_id`/`streamSid`, `media_format`/`mediaFormat` — and Twilio wants its
/// `streamSid` on every frame sent back).
public enum MediaCarrier: String, Sendable {
    case telnyx, twilio

    /// The provider name calls are recorded under.
    public var provider: String { rawValue }
}

/// One frame from the carrier, whichever dialect.
enum InboundMediaFrame: Sendable, Equatable {
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

    struct Failure: Error, Equatable, CustomStringConvertible {
        let description: String
    }

    /// Parses one text frame (lenient: unknown keys ignored, numbers as strings or numbers).
    static func parse(_ text: String) throws(Failure) -> InboundMediaFrame {
        let raw: RawFrame
        do {
            raw = try JSONDecoder().decode(RawFrame.self, from: Data(text.utf8))
        } catch {
            throw Failure(description: "not a media-stream frame: \(error)")
        }
        switch raw.event {
        case "connected": return .connected
        case "start":
            guard let start = raw.start else { throw Failure(description: "a start frame without `start`") }
            return .start(MediaStreamStart(raw: start, streamId: raw.streamId ?? start.streamSid))
        case "media":
            guard let media = raw.media, let payload = media.payload else { throw Failure(description: "a media frame without a payload") }
            guard let bytes = Data(base64Encoded: payload) else { throw Failure(description: "a media payload that is not base64") }
            return .media(chunk: media.chunk?.int, track: media.track, payload: [UInt8](bytes))
        case "dtmf":
            guard let digit = raw.dtmf?.digit else { throw Failure(description: "a dtmf frame without a digit") }
            return .dtmf(digit)
        case "mark": return .mark(raw.mark?.name ?? "")
        case "stop": return .stop
        case "error": return .error(raw.payload?.detail ?? raw.payload?.title ?? "unknown error")
        default: return .other(raw.event)
        }
    }

    /// The frame as the wire has it; both dialects' spellings.
    private struct RawFrame: Decodable {
        let event: String
        let streamId: String?
        let start: RawStart?
        let media: RawMedia?
        let dtmf: RawDTMF?
        let mark: RawMark?
        let payload: RawError?

        enum CodingKeys: String, CodingKey {
            case event, start, media, dtmf, mark, payload
            case streamId = "stream_id", streamSid
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            event = try container.decode(String.self, forKey: .event)
            streamId = try container.decodeIfPresent(String.self, forKey: .streamId)
                ?? container.decodeIfPresent(String.self, forKey: .streamSid)
            start = try? container.decodeIfPresent(RawStart.self, forKey: .start)
            media = try? container.decodeIfPresent(RawMedia.self, forKey: .media)
            dtmf = try? container.decodeIfPresent(RawDTMF.self, forKey: .dtmf)
            mark = try? container.decodeIfPresent(RawMark.self, forKey: .mark)
            payload = try? container.decodeIfPresent(RawError.self, forKey: .payload)
        }
    }

    struct RawStart: Decodable {
        var callControlId: String?
        var callSid: String?
        var streamSid: String?
        var from: String?
        var to: String?
        var clientState: String?
        var customParameters: [String: String]?
        var format: RawFormat?

        enum CodingKeys: String, CodingKey {
            case callControlId = "call_control_id", callSid, streamSid, from, to
            case clientState = "client_state"
            case customParameters = "custom_parameters", customParametersTwilio = "customParameters"
            case format = "media_format", formatTwilio = "mediaFormat"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            callControlId = try? container.decodeIfPresent(String.self, forKey: .callControlId)
            callSid = try? container.decodeIfPresent(String.self, forKey: .callSid)
            streamSid = try? container.decodeIfPresent(String.self, forKey: .streamSid)
            from = try? container.decodeIfPresent(String.self, forKey: .from)
            to = try? container.decodeIfPresent(String.self, forKey: .to)
            clientState = try? container.decodeIfPresent(String.self, forKey: .clientState)
            customParameters = (try? container.decodeIfPresent([String: String].self, forKey: .customParameters))
                ?? (try? container.decodeIfPresent([String: String].self, forKey: .customParametersTwilio))
            format = (try? container.decodeIfPresent(RawFormat.self, forKey: .format))
                ?? (try? container.decodeIfPresent(RawFormat.self, forKey: .formatTwilio))
        }
    }

    struct RawFormat: Decodable {
        var encoding: String?
        var sampleRate: FlexibleInt?
        var channels: FlexibleInt?

        enum CodingKeys: String, CodingKey {
            case encoding, channels
            case sampleRate = "sample_rate", sampleRateTwilio = "sampleRate"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            encoding = try? container.decodeIfPresent(String.self, forKey: .encoding)
            sampleRate = (try? container.decodeIfPresent(FlexibleInt.self, forKey: .sampleRate))
                ?? (try? container.decodeIfPresent(FlexibleInt.self, forKey: .sampleRateTwilio))
            channels = try? container.decodeIfPresent(FlexibleInt.self, forKey: .channels)
        }
    }

    private struct RawMedia: Decodable {
        var track: String?
        var chunk: FlexibleInt?
        var payload: String?
    }

    private struct RawDTMF: Decodable { var digit: String? }
    private struct RawMark: Decodable { var name: String? }
    private struct RawError: Decodable { var title: String?; var detail: String? }
}

/// A number sent as a number or as a string of digits.
struct FlexibleInt: Decodable, Equatable {
    let int: Int

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
            int = value
        } else if let text = try? container.decode(String.self), let value = Int(text) {
            int = value
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a number")
        }
    }
}

/// What a `start` frame says about the call and its audio.
struct MediaStreamStart: Sendable, Equatable {
    /// Telnyx's `call_control_id` or Twilio's `CallSid`.
    var providerCallId: String?
    var streamId: String?
    var from: String?
    var to: String?
    var clientState: String?
    var parameters: [String: String]
    var encoding: String?
    var sampleRate: Int?

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

    fileprivate init(raw: InboundMediaFrame.RawStart, streamId: String?) {
        self.init(
            providerCallId: raw.callControlId ?? raw.callSid, streamId: streamId, from: raw.from, to: raw.to,
            clientState: raw.clientState, parameters: raw.customParameters ?? [:], encoding: raw.format?.encoding,
            sampleRate: raw.format?.sampleRate?.int)
    }
}

/// Frames sent back to the carrier.
enum OutboundMediaFrame: Sendable {
    case media([UInt8])
    case mark(String)
    case clear

    /// The JSON text frame in `carrier`'s dialect (`streamSid` on Twilio's).
    func text(carrier: MediaCarrier, streamId: String?) -> String {
        let sid = carrier == .twilio ? #","streamSid":"\#(streamId ?? "")""# : ""
        switch self {
        case .media(let payload):
            return #"{"event":"media"\#(sid),"media":{"payload":"\#(Data(payload).base64EncodedString())"}}"#
        case .mark(let name):
            return #"{"event":"mark"\#(sid),"mark":{"name":"\#(name)"}}"#
        case .clear:
            return #"{"event":"clear"\#(sid)}"#
        }
    }
}
