import Foundation
import FrontdeskAudio
import FrontdeskMedia
import FrontdeskProviders
@testable import FrontdeskServer
import FrontdeskWire

enum FuzzMedia {
    /// One text frame as the media socket reads it, then what the socket does with it: the format a
    /// start frame asks for, the audio a media frame carries.
    static func run(_ bytes: UnsafeRawBufferPointer) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let frame = try? InboundMediaFrame.parse(text) else { return }
        switch frame {
        case .start(let start):
            if let format = try? MediaFormat.named(start.encoding ?? "PCMU", sampleRate: start.sampleRate, l16Order: .littleEndian) {
                fuzzCheck(format.sampleRate > 0, "a format with sample rate \(format.sampleRate) from \(text.debugDescription)")
            }
            // What goes back names the stream as the carrier gave it, and stays JSON.
            let reply = OutboundMediaFrame.mark("m1").text(carrier: .twilio, streamId: start.streamId)
            fuzzCheck((try? JSONParser.parse(reply)) != nil, "a frame sent back is not JSON: \(reply.debugDescription)")
        case .media(_, _, let payload):
            fuzzCheck(Base64.decode(Base64.encode(payload)) == payload, "base64 did not round-trip")
        default:
            break
        }
    }

    /// A speech-to-text result frame (Deepgram's `Results`), as the recogniser folds it.
    static func speech(_ bytes: UnsafeRawBufferPointer) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let result = DeepgramUtterance.ResultFrame(text) {
            fuzzCheck((0...1).contains(result.confidence), "confidence \(result.confidence) from \(text.debugDescription)")
        }
    }
}
