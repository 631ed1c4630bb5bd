import Foundation
import FrontdeskAudio
import FrontdeskCore
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization

/// The media benchmark's callers: each streams a µ-law line in real time over the Telnyx media
/// protocol — a second of speech every six seconds, silence between — echoes the server's marks as a
/// carrier does once audio has played, and times the agent's frames as they arrive.
///
/// They are plain NIO channel handlers on two event loops of their own, driven by one 2 ms timer per
/// loop (the callers spread over ten slots, as independent calls would be): no task, actor or thread
/// hop per frame. A load generator on the same two cores takes CPU from the server it measures; this
/// keeps its share as small as it can be. (Frames are masked, as a client's must be, with one key per
/// connection — enough on loopback.)
final class MediaLoad: Sendable {
    let calls: Int
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    let connected = Atomic<Int>(0)
    let measuring = Atomic<Bool>(false)
    fileprivate let stopping = Atomic<Bool>(false)
    fileprivate let gaps = Mutex<[Double]>([])
    fileprivate let late = Atomic<Int>(0)
    fileprivate let replies = Atomic<Int>(0)
    /// Every agent frame that reached a caller, the whole run.
    fileprivate let framesHeard = Atomic<Int>(0)
    fileprivate let speech: String
    fileprivate let silence: String
    private let loops: [LoopCallers]
    private let channels = Mutex<[any NIOCore.Channel]>([])

    init(calls: Int) {
        self.calls = calls
        let tone = (0..<160).map { G711.muLaw(Int16(9_000 * sin(2 * Double.pi * 220 * Double($0) / 8_000))) }
        speech = Data(tone).base64EncodedString()
        silence = Data([UInt8](repeating: 0xFF, count: 160)).base64EncodedString()
        loops = group.makeIterator().map { LoopCallers(eventLoop: $0) }
        for loop in loops { loop.startTicking(load: self) }
    }

    /// Opens caller `index`'s stream (asynchronously; `connected` counts the ones that are up).
    func connect(index: Int, port: Int, path: String, token: String, callId: String) {
        let loop = loops[index % loops.count]
        let caller = BenchCaller(index: index, callId: callId, load: self, callers: loop)
        let upgrader = NIOWebSocketClientUpgrader(upgradePipelineHandler: { channel, _ in
            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(caller) }
        })
        let bootstrap = ClientBootstrap(group: loop.eventLoop).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                let request = UpgradeRequest(path: path, port: port, headers: [("x-telnyx-streaming-auth-token", token)])
                try channel.pipeline.syncOperations.addHTTPClientHandlers(
                    withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                try channel.pipeline.syncOperations.addHandler(request)
            }
        }
        bootstrap.connect(host: "127.0.0.1", port: port).whenComplete { result in
            switch result {
            case .success(let channel): self.channels.withLock { $0.append(channel) }
            case .failure(let error): print("call \(index): \(error)")
            }
        }
    }

    /// Every caller sends `stop` and closes; waits (up to 10 s) for the server to close them all.
    func hangUp() async {
        stopping.store(true, ordering: .relaxed)
        for loop in loops {
            loop.eventLoop.execute { loop.hangUpAll() }
        }
        let all = channels.withLock { $0 }
        let deadline = ContinuousClock.now + .seconds(10)
        for channel in all {
            while channel.isActive, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            if channel.isActive { try? await channel.close() }
        }
        try? await group.shutdownGracefully()
    }

    struct Summary {
        let jitterP50: Double
        let jitterP99: Double
        /// Frames that came more than one slot after the one before (a gap over 30 ms): late, not lost.
        let lateFrames: Int
        let replies: Int
        let framesHeard: Int
    }

    func summary() -> Summary {
        let jitter = gaps.withLock { $0 }.map { abs($0 - 20) }.sorted()
        return Summary(jitterP50: jitter.percentile(0.5), jitterP99: jitter.percentile(0.99), lateFrames: late.load(ordering: .relaxed), replies: replies.load(ordering: .relaxed),
            framesHeard: framesHeard.load(ordering: .relaxed))
    }
}

/// The callers on one event loop and the loop's 2 ms timer. Touched only on that loop.
private final class LoopCallers: @unchecked Sendable {
    let eventLoop: any EventLoop
    private var callers: [BenchCaller] = []
    private var tick = 0
    private let slots = 10

    init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func add(_ caller: BenchCaller) { callers.append(caller) }

    func startTicking(load: MediaLoad) {
        let start = NIODeadline.now()
        func schedule() {
            eventLoop.scheduleTask(deadline: start + .milliseconds(Int64(2 * (tick + 1)))) {
                self.tick += 1
                let slot = self.tick % self.slots
                if !load.stopping.load(ordering: .relaxed) {
                    for caller in self.callers where caller.index / 2 % self.slots == slot { caller.sendNextFrame() }
                    schedule()
                }
            }
        }
        eventLoop.execute { schedule() }
    }

    func hangUpAll() { for caller in callers { caller.hangUp() } }
}

/// Sends the upgrade request once the connection is up, with the stream token the server checks.
final class UpgradeRequest: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = NIOAny
    typealias OutboundOut = HTTPClientRequestPart
    let path: String
    let port: Int
    let extraHeaders: [(String, String)]

    init(path: String, port: Int, headers: [(String, String)]) {
        self.path = path
        self.port = port
        self.extraHeaders = headers
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "127.0.0.1:\(port)")
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        headers.add(name: "Content-Length", value: "0")
        context.write(wrapOutboundOut(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
        // Its work is done: the upgrade handler takes the answer.
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

/// One caller's stream, on its channel's event loop.
private final class BenchCaller: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame
    let index: Int
    let callId: String
    let streamId: String
    private let load: MediaLoad
    private let callers: LoopCallers
    private var context: ChannelHandlerContext?
    private var chunk = 0
    private var last: NIODeadline?
    private var gaps: [Double] = []
    private let mask = WebSocketMaskingKey.random()

    init(index: Int, callId: String, load: MediaLoad, callers: LoopCallers) {
        self.index = index
        self.callId = callId
        streamId = "stream-\(index)"
        self.load = load
        self.callers = callers
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        send(#"{"event":"connected","version":"1.0.0"}"#)
        send(#"{"event":"start","sequence_number":"1","stream_id":"\#(streamId)","start":{"call_control_id":"\#(callId)","from":"+1555\#(String(format: "%07d", index))","to":"+15550100123","media_format":{"encoding":"PCMU","sample_rate":8000,"channels":1}}}"#)
        callers.add(self)
        load.connected.add(1, ordering: .relaxed)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        flushGaps()
    }

    func sendNextFrame() {
        guard context != nil else { return }
        chunk += 1
        let position = (chunk + (index * 37) % 300) % 300
        let payload = position < 50 ? load.speech : load.silence
        send(#"{"event":"media","sequence_number":"\#(chunk + 1)","media":{"track":"inbound","chunk":"\#(chunk)","timestamp":"\#(chunk * 20)","payload":"\#(payload)"},"stream_id":"\#(streamId)"}"#)
    }

    func hangUp() {
        guard let context else { return }
        send(#"{"event":"stop","sequence_number":"\#(chunk + 2)","stream_id":"\#(streamId)","stop":{"call_control_id":"\#(callId)"}}"#)
        var code = context.channel.allocator.buffer(capacity: 2)
        code.writeInteger(UInt16(1000))
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: mask, data: code)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            let text = String(buffer: frame.unmaskedData)
            if text.hasPrefix(#"{"event":"media""#) {
                timeFrame()
            } else if text.hasPrefix(#"{"event":"mark""#), let range = text.range(of: #""name":""#) {
                let name = text[range.upperBound...].prefix { $0 != "\"" }
                send(#"{"event":"mark","stream_id":"\#(streamId)","mark":{"name":"\#(name)"}}"#)
            }
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, maskKey: mask, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            context.close(promise: nil)
        default:
            break
        }
    }

    private func timeFrame() {
        load.framesHeard.add(1, ordering: .relaxed)
        let now = NIODeadline.now()
        defer { last = now }
        guard let last else {
            load.replies.add(1, ordering: .relaxed)
            return
        }
        let ms = Double((now - last).nanoseconds) / 1e6
        if ms >= 100 {
            load.replies.add(1, ordering: .relaxed)  // a new reply after a pause
        } else if load.measuring.load(ordering: .relaxed) {
            gaps.append(ms)
            if ms > 30 { load.late.add(1, ordering: .relaxed) }  // a 20 ms slot went by before its frame came
            if gaps.count >= 256 { flushGaps() }
        }
    }

    private func flushGaps() {
        let batch = gaps
        gaps.removeAll(keepingCapacity: true)
        load.gaps.withLock { $0 += batch }
    }

    private func send(_ text: String) {
        guard let context else { return }
        let buffer = context.channel.allocator.buffer(string: text)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, maskKey: mask, data: buffer)), promise: nil)
    }
}
