import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import Synchronization

/// A media stream's way out: frames are written straight into the socket's channel from its event
/// loop (no async writer and no actor hop per 20 ms frame, and nothing to await). Closing goes
/// through Hummingbird's WebSocket handler, which owns the close handshake; once the stream is
/// closing nothing more is sent. A carrier that stops reading gets frames dropped, not queued without
/// bound (NIO's write buffer above its high-water mark).
package final class MediaSocket: Sendable {
    let channel: any Channel
    private let outbound: WebSocketOutboundWriter
    private let closing = Atomic<Bool>(false)
    private let unsent = Atomic<Int>(0)

    package init(channel: any Channel, outbound: WebSocketOutboundWriter) {
        self.channel = channel
        self.outbound = outbound
    }

    /// Frames not sent because the carrier was not reading.
    package var framesUnsent: Int { unsent.load(ordering: .relaxed) }

    /// Sends one text frame (in order with every other frame sent from the channel's loop).
    func send(_ text: String) {
        guard !closing.load(ordering: .relaxed) else { return }
        guard channel.isWritable else {
            unsent.add(1, ordering: .relaxed)
            return
        }
        let frame = WebSocketFrame(fin: true, opcode: .text, data: channel.allocator.buffer(string: text))
        channel.writeAndFlush(frame, promise: nil)
    }

    /// Ends the stream with a close frame.
    package func close(_ code: WebSocketErrorCode, reason: String?) async throws {
        closing.store(true, ordering: .relaxed)
        try await outbound.close(code, reason: reason)
    }
}
