import Foundation

/// One parser of outside input under the fuzzer. Each `run` takes any bytes and must return normally:
/// a malformed input is a thrown-and-caught error inside, never a trap. Invariants the parser
/// promises are checked with `fuzzCheck` (a failed one is a crash the fuzzer reports and minimises).
enum FuzzTarget: String, CaseIterable, Sendable {
    /// The hand-written JSON reader: parse, member extraction, and a round trip through JSONEncoder.
    case json
    /// Telnyx webhooks: the signature header checks, the envelope, and every accessor the handler reads.
    case telnyx
    /// Twilio webhooks: the form body, the signature over it, the phone numbers it carries.
    case twilio
    /// Retell webhooks: the signature header, the envelope, the transcript.
    case retell
    /// Media-stream frames (Telnyx and Twilio dialects) as the media socket reads them.
    case media
    /// Server-sent events from the LLM, cut into chunks anywhere, folded into a completion.
    case sse
    /// Speech-to-text result frames (Deepgram's protocol).
    case speech
    /// Raw HTTP/1.1 request bytes through the server's decoder and connection guard (framing,
    /// chunked bodies, pipelining, limits, the read timeout).
    case http
    /// Dates and times the API accepts.
    case instant

    var run: (UnsafeRawBufferPointer) -> Void {
        switch self {
        case .json: FuzzJSON.run
        case .telnyx: FuzzWebhooks.telnyx
        case .twilio: FuzzWebhooks.twilio
        case .retell: FuzzWebhooks.retell
        case .media: FuzzMedia.run
        case .sse: FuzzLLMStream.run
        case .speech: FuzzMedia.speech
        case .http: FuzzHTTP.run
        case .instant: FuzzJSON.instant
        }
    }
}

/// A broken invariant: printed, then a trap the fuzzer records with the input that caused it.
func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() {
        FileHandle.standardError.write(Data("invariant broken: \(message())\n".utf8))
        fatalError("invariant broken: \(message())")
    }
}

/// Splits an input into a few pieces at points its first bytes choose (so every parser that reads
/// incrementally sees its input cut anywhere); the rest of the input is the content.
struct FuzzPieces {
    let content: [UInt8]
    let cuts: [Int]

    init(_ bytes: UnsafeRawBufferPointer, maximumCuts: Int = 3) {
        let all = Array(bytes)
        let count = min(maximumCuts, all.count)
        let header = all.prefix(count)
        let content = Array(all.dropFirst(count))
        self.content = content
        cuts = header.map { Int($0) % (content.count + 1) }.sorted()
    }

    var pieces: [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var start = 0
        for cut in cuts where cut >= start {
            result.append(content[start..<cut])
            start = cut
        }
        result.append(content[start...])
        return result
    }
}
