@testable import FrontdeskMedia
@testable import FrontdeskServer
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing


@Suite("The media frame tap: caller frames handed over on the socket's loop, in order")
struct MediaFrameTapTests {
    /// What the call is handed.
    final class Sink: MediaFrameSink, @unchecked Sendable {
        var frames: [InboundMediaFrame] = []
        func receive(_ frame: InboundMediaFrame) { frames.append(frame) }
    }

    /// What goes on up to the WebSocket handler.
    final class Above: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = WebSocketFrame
        var frames: [WebSocketFrame] = []
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { frames.append(unwrapInboundIn(data)) }
    }

    static func text(_ json: String, fin: Bool = true) -> WebSocketFrame {
        WebSocketFrame(fin: fin, opcode: .text, data: ByteBuffer(string: json))
    }

    static func media(_ chunk: Int) -> WebSocketFrame {
        text(#"{"event":"media","media":{"track":"inbound","chunk":"\#(chunk)","payload":"AAAA"},"stream_id":"s"}"#)
    }

    @Test("frames sent up before the take-over are not overtaken: later ones wait, then come straight to the call")
    func handOverKeepsOrder() throws {
        let channel = EmbeddedChannel()
        let tap = MediaFrameTap(eventLoop: channel.eventLoop)
        let above = Above()
        try channel.pipeline.syncOperations.addHandlers([tap, above])
        let sink = Sink()

        // Before the call is ready everything goes up to the WebSocket handler's reader.
        try channel.writeInbound(Self.media(1))
        #expect(above.frames.count == 1 && sink.frames.isEmpty)

        // The reader takes over; what arrives before it has drained its buffer is held…
        tap.takeOver(by: sink)
        try channel.writeInbound(Self.media(2))
        try channel.writeInbound(Self.text(#"{"event":"mark","stream_id":"s","mark":{"name":"s1"}}"#))
        #expect(sink.frames.isEmpty)
        // …while what only the reader handles still goes up at once.
        try channel.writeInbound(Self.text(#"{"event":"stop","stream_id":"s"}"#))
        #expect(above.frames.count == 2)

        // The loop's next job: the held frames, in order, then every frame straight to the call.
        channel.embeddedEventLoop.run()
        #expect(sink.frames == [.media(chunk: 2, track: "inbound", payload: [0, 0, 0]), .mark("s1")])
        try channel.writeInbound(Self.media(3))
        try channel.writeInbound(Self.text(#"{"event":"dtmf","stream_id":"s","dtmf":{"digit":"5"}}"#))
        #expect(sink.frames.count == 4 && sink.frames[3] == .dtmf("5"))

        // Control frames, fragments, binary frames and what does not parse stay the WebSocket handler's.
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer(string: "p")))
        try channel.writeInbound(Self.text(#"{"event":"media","#, fin: false))
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(bytes: [1, 2])))
        try channel.writeInbound(Self.text("not json"))
        #expect(above.frames.map(\.opcode) == [.text, .text, .ping, .text, .binary, .text])
        #expect(sink.frames.count == 4)

        // Once the call is over, nothing more reaches it.
        tap.passEverything()
        try channel.writeInbound(Self.media(4))
        #expect(sink.frames.count == 4 && above.frames.count == 7)
        _ = try channel.finish()
    }
}
