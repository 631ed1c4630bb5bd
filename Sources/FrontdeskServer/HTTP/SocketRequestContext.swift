import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The request context of the WebSocket routes: Hummingbird's, plus the event loop the connection
/// lives on, so a media stream can run its per-frame work on that loop (no thread hop per frame).
public struct SocketRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    public let eventLoop: any EventLoop

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        eventLoop = source.channel.eventLoop
    }
}
