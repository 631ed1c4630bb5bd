import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization

/// The fan-out benchmark's dashboards: `/api/ws` clients as plain NIO channel handlers on two event
/// loops of their own. Each frame is classified by its first bytes (the server writes `id`, `type`,
/// `data`, `timestamp` in that order) and a transcript turn's `timestamp` kept with its arrival time;
/// nothing else is parsed. Real dashboards run elsewhere; these share the server's two cores, so the
/// less each frame costs here the more the figures are the server's. (The simulator's
/// `EventStreamClient` parses every frame whole, ~14 µs of CPU each: at 550,000 frames that was more
/// than the server's own share.)
final class EventLoad: Sendable {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    private let channels = Mutex<[any NIOCore.Channel]>([])

    /// Opens a watcher on `/api/ws?<query>` (asynchronously; `subscribed` says when it is heard).
    func connect(port: Int, query: String, token: String) -> EventWatcher {
        let watcher = EventWatcher()
        let upgrader = NIOWebSocketClientUpgrader(upgradePipelineHandler: { channel, _ in
            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(watcher) }
        })
        let bootstrap = ClientBootstrap(group: group).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                let request = UpgradeRequest(path: "/api/ws?" + query, port: port, headers: [("Authorization", "Bearer \(token)")])
                // The server's first frame can come in the same read as its 101: forwarded, not dropped.
                try channel.pipeline.syncOperations.addHTTPClientHandlers(
                    leftOverBytesStrategy: .forwardBytes, withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                try channel.pipeline.syncOperations.addHandler(UpgradeFailure(watcher: watcher))
                try channel.pipeline.syncOperations.addHandler(request)
            }
        }
        bootstrap.connect(host: "127.0.0.1", port: port).whenComplete { result in
            switch result {
            case .success(let channel):
                self.channels.withLock { $0.append(channel) }
            case .failure(let error): watcher.heard.withLock { $0.failure = "\(error)" }
            }
        }
        return watcher
    }

    func close() async {
        for channel in channels.withLock({ $0 }) { try? await channel.close() }
        try? await group.shutdownGracefully()
    }
}

/// One watcher's socket, on its channel's loop; what it heard is read under its lock.
final class EventWatcher: ChannelInboundHandler, Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    struct Heard {
        var subscribed = false
        var failure: String?
        var events = 0
        var callsEnded = 0
        /// Each transcript turn: its `timestamp` as sent, and the wall clock when it arrived.
        var turns: [(timestamp: String, arrived: Date)] = []
    }

    let heard = Mutex(Heard())

    private static let eventStart = Array(#"{"id":""#.utf8)
    private static let subscribed = Array(#"{"type":"subscribed""#.utf8)
    private static let typeKey = Array(#","type":""#.utf8)
    private static let timestampKey = Array(#""timestamp":""#.utf8)

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if frame.opcode == .ping {
            // The server's keep-alive: answered, masked as a client's frames must be.
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: WebSocketMaskingKey([1, 2, 3, 4]), data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
            return
        }
        guard frame.opcode == .text else { return }
        let arrived = Date()
        frame.data.withUnsafeReadableBytes { bytes in
            if bytes.starts(with: Self.subscribed) {
                heard.withLock { $0.subscribed = true }
                return
            }
            guard bytes.starts(with: Self.eventStart), let typeAt = Self.find(Self.typeKey, in: bytes, from: Self.eventStart.count) else { return }
            let type = bytes[(typeAt + Self.typeKey.count)...].prefix { $0 != UInt8(ascii: "\"") }
            if type.elementsEqual("transcript.turn".utf8) {
                // The timestamp is the last field: look for it in the frame's tail.
                let tail = max(typeAt, bytes.count - 64)
                guard let at = Self.find(Self.timestampKey, in: bytes, from: tail) else { return }
                let text = String(decoding: bytes[(at + Self.timestampKey.count)...].prefix { $0 != UInt8(ascii: "\"") }, as: UTF8.self)
                heard.withLock {
                    $0.events += 1
                    $0.turns.append((text, arrived))
                }
            } else if type.elementsEqual("call.ended".utf8) {
                heard.withLock {
                    $0.events += 1
                    $0.callsEnded += 1
                }
            } else {
                heard.withLock { $0.events += 1 }
            }
        }
    }

    private static func find(_ needle: [UInt8], in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard bytes.count >= needle.count, start <= bytes.count - needle.count else { return nil }
        var index = start
        while index <= bytes.count - needle.count {
            if bytes[index] == needle[0], bytes[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}

/// Why an upgrade was refused (the answer's status), for the benchmark's error.
private final class UpgradeFailure: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny
    let watcher: EventWatcher
    init(watcher: EventWatcher) { self.watcher = watcher }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        watcher.heard.withLock { $0.failure = "\(error)" }
        context.close(promise: nil)
    }
}
