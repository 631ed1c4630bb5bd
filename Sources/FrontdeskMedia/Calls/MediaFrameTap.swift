import NIOCore
import NIOWebSocket

/// Where a tapped media stream's frames go, on the socket's event loop.
protocol MediaFrameSink: AnyObject, Sendable {
    /// One caller frame (`media`, `mark` or `dtmf`), in the order it arrived.
    func receive(_ frame: InboundMediaFrame)
}

/// Takes a media stream's everyday frames (`media`, `mark`, `dtmf`) off the socket's pipeline and
/// hands them to the call right there, on the channel's event loop — below Hummingbird's WebSocket
/// stream, so a 20 ms frame costs no async hand-off, no task switch and no second copy. Everything
/// else (ping, close, `start`, `stop`, fragmented or unusual frames) still goes up to the WebSocket
/// handler, whose reader sees it as before.
///
/// A stream starts with the tap passing everything up: the `start` frame and the first audio are read
/// by the controller while the call is set up. `takeOver(by:)` then holds new frames until that
/// reader has drained what it already had, and from there hands them to the sink directly, so no
/// frame overtakes an earlier one.
package final class MediaFrameTap: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    package typealias InboundIn = WebSocketFrame
    package typealias InboundOut = WebSocketFrame

    private enum Mode { case passing, holding, direct }

    // Touched only on `eventLoop`.
    private var mode = Mode.passing
    private var held: [InboundMediaFrame] = []
    private var sink: (any MediaFrameSink)?
    let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Puts a tap on a WebSocket channel, right after its frame decoder; nil when the pipeline is not
    /// the one expected (the stream then runs entirely through the WebSocket handler).
    package static func install(on channel: any Channel) async -> MediaFrameTap? {
        try? await channel.eventLoop.submit {
            let operations = channel.pipeline.syncOperations
            let decoder = try operations.handler(type: ByteToMessageHandler<WebSocketFrameDecoder>.self)
            let tap = MediaFrameTap(eventLoop: channel.eventLoop)
            try operations.addHandler(tap, position: .after(decoder))
            return tap
        }.get()
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard mode != .passing else { return context.fireChannelRead(data) }
        let frame = unwrapInboundIn(data)
        guard frame.opcode == .text, frame.fin, frame.reservedBits.isEmpty,
            let parsed = try? InboundMediaFrame.parse(String(buffer: frame.unmaskedData))
        else { return context.fireChannelRead(data) }
        switch parsed {
        case .media, .mark, .dtmf:
            if mode == .holding {
                held.append(parsed)
            } else {
                sink?.receive(parsed)
            }
        default:
            context.fireChannelRead(data)
        }
    }

    /// Starts handing frames to `sink`. Called from the WebSocket reader's task on this loop: frames
    /// are held from now on, and released once the reader has taken everything already sent up (it
    /// drains its buffer before it next suspends, and this loop runs one job at a time).
    func takeOver(by sink: any MediaFrameSink) {
        let hold = { self.mode = .holding }
        if eventLoop.inEventLoop { hold() } else { eventLoop.execute(hold) }
        eventLoop.execute {
            guard self.mode == .holding else { return }
            let held = self.held
            self.held = []
            self.sink = sink
            self.mode = .direct
            for frame in held { sink.receive(frame) }
        }
    }

    /// Stops handing frames over (the call is over): everything goes up again.
    func detach() async {
        try? await eventLoop.submit { self.passEverything() }.get()
    }

    /// `detach` on the loop.
    func passEverything() {
        mode = .passing
        sink = nil
        held = []
    }
}
