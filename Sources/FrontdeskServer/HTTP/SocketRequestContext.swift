import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The request context of the WebSocket routes: Hummingbird's, plus the connection's channel and the
/// event loop it lives on, so a media stream can run its per-frame work on that loop (no thread hop
/// per frame) and take its frames straight off the channel's pipeline.
public struct SocketRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    public let eventLoop: any EventLoop
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        eventLoop = source.channel.eventLoop
        channel = source.channel
    }
}
