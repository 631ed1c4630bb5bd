@testable import FrontdeskServer
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1

/// Raw request bytes into the pipeline every connection has: the HTTP/1.1 decoder, the response
/// encoder, the connection guard, and a responder that answers each complete request. The bytes arrive
/// in pieces cut anywhere; then the read timeout passes; then the connection closes. Whatever came
/// in, every byte that went out is a response, and the guard's count of open connections is back to 0.
enum FuzzHTTP {
    static let registry: ConnectionRegistry = {
        var limits = ConnectionLimits()
        limits.maxBodyBytes = 4096
        return ConnectionRegistry(limits: limits, logger: Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() }))
    }()

    /// Answers every complete request with 200 and the size of its body.
    final class Responder: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        var received = 0

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head: received = 0
            case .body(let buffer): received += buffer.readableBytes
            case .end:
                var headers = HTTPHeaders()
                let body = "\(received)"
                headers.add(name: "Content-Length", value: "\(body.utf8.count)")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }

    static func run(_ bytes: UnsafeRawBufferPointer) {
        let input = FuzzPieces(bytes)
        let channel = EmbeddedChannel()
        do {
            try channel.pipeline.syncOperations.addHandler(HTTPResponseEncoder())
            let decoder = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes))
            try channel.pipeline.syncOperations.addHandler(decoder)
            try channel.pipeline.syncOperations.addHandler(HTTPConnectionGuard(registry: registry), position: .after(decoder))
            try channel.pipeline.syncOperations.addHandler(Responder())
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        } catch {
            fuzzCheck(false, "the pipeline could not be set up: \(error)")
        }
        for piece in input.pieces where channel.isActive {
            // A decoder error is answered by the guard (400) and the connection closed; it may
            // still surface here, as NIO reports it to the pipeline's end.
            _ = try? channel.writeInbound(ByteBuffer(bytes: piece))
        }
        channel.embeddedEventLoop.advanceTime(by: .seconds(31))
        var output = ByteBuffer()
        while let part = try? channel.readOutbound(as: ByteBuffer.self) { output.writeImmutableBuffer(part) }
        _ = try? channel.finish()
        fuzzCheck(output.readableBytes == 0 || output.readableBytesView.starts(with: Array("HTTP/1.1 ".utf8)),
            "something other than a response went out: \(String(buffer: output).prefix(80).debugDescription)")
        fuzzCheck(registry.openConnections == 0, "\(registry.openConnections) connections still counted after the close")
    }
}
