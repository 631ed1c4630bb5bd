/// An incremental parser for `text/event-stream` (the WHATWG server-sent events format). Bytes arrive
/// in arbitrary chunks — a line, an event, even a UTF-8 character may be split — and complete events
/// come out. Handles `\n`, `\r\n` and `\r` line ends, multi-line `data`, comments and `event`/`id`.
/// An event still without its blank line when the stream ends is dropped, as the format says.
package struct ServerSentEventParser {

    package init() {}
    package struct Event: Equatable, Sendable {
        var event: String?
        package var data: String
        var id: String?
    }

    private var line: [UInt8] = []
    private var lastWasCR = false
    private var dataLines: [String] = []
    private var event: String?
    private var id: String?

    /// Feeds the next chunk; returns the events it completed.
    package mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            if lastWasCR {
                lastWasCR = false
                if byte == 0x0A { continue }  // the LF of a CRLF
            }
            switch byte {
            case 0x0D:
                lastWasCR = true
                endLine(into: &events)
            case 0x0A:
                endLine(into: &events)
            default:
                line.append(byte)
            }
        }
        return events
    }

    private mutating func endLine(into events: inout [Event]) {
        defer { line.removeAll(keepingCapacity: true) }
        guard !line.isEmpty else {
            // A blank line dispatches the event, if it has data.
            if !dataLines.isEmpty { events.append(Event(event: event, data: dataLines.joined(separator: "\n"), id: id)) }
            dataLines.removeAll()
            event = nil
            return
        }
        if line.first == UInt8(ascii: ":") { return }  // a comment (keep-alive)
        let text = String(decoding: line, as: UTF8.self)
        let field: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = Substring(text)
            value = ""
        }
        switch field {
        case "data": dataLines.append(String(value))
        case "event": event = String(value)
        case "id": id = String(value)
        default: break  // "retry" and unknown fields
        }
    }
}
