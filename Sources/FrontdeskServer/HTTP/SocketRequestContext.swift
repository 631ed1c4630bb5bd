import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The request context of the WebSocket routes: Hummingbird's, plus the connection's channel, so a
/// media stream can run its per-frame work on the channel's event loop (no thread hop per frame) and
/// take its frames straight off the channel's pipeline.
public struct SocketRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        channel = source.channel
    }
}
