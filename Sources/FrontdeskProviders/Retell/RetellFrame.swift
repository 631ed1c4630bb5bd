import FrontdeskWire

/// The frames Frontdesk sends on Retell's custom-LLM WebSocket, written by `JSONWriter` (one per
/// sentence of every answer), keys in sorted order as Retell's examples show them.
enum RetellFrame: Equatable {
    /// The first frame: ask Retell to reconnect after a drop and to send the call's details.
    case config
    /// The answer to Retell's keep-alive, echoing its timestamp.
    case pingPong(timestamp: Double)
    /// Part of the answer to `response_id` (`complete` on the last, with the call's end or transfer).
    case response(id: Int, content: String, complete: Bool, endCall: Bool = false, transferNumber: String? = nil)

    var text: String {
        var writer = JSONWriter(capacity: 256)
        writer.beginObject()
        switch self {
        case .config:
            writer.key("config")
            writer.beginObject()
            writer.field("auto_reconnect", true)
            writer.field("call_details", true)
            writer.endObject()
            writer.field("response_type", "config")
        case .pingPong(let timestamp):
            writer.field("response_type", "ping_pong")
            writer.key("timestamp")
            // A timestamp that is not a finite number is Retell's mistake: echoed as 0.
            if (try? writer.number(timestamp)) == nil { writer.int(0) }
        case .response(let id, let content, let complete, let endCall, let transferNumber):
            writer.field("content", content)
            writer.field("content_complete", complete)
            if endCall { writer.field("end_call", true) }
            writer.field("response_id", id)
            writer.field("response_type", "response")
            if let transferNumber { writer.field("transfer_number", transferNumber) }
        }
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
