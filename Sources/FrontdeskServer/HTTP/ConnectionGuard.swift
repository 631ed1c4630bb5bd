import Foundation
import FrontdeskCore
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Limits on every HTTP connection, whatever it asks for.
public struct ConnectionLimits: Sendable, Equatable {
    /// A connection must send a whole request head within this time of opening or of its last answer,
    /// and may not pause a request body longer than this: idle, slowloris and half-sent requests end here.
    public var readTimeout: TimeAmount = .seconds(30)
    /// Open connections from one client address; more are closed as they arrive.
    public var perClient = 1024
    /// Open connections in all (kept well under the process's file descriptors).
    public var total = 16384
    /// Largest request body (a larger declared `Content-Length` is answered 413 before it is read).
    public var maxBodyBytes = 1 << 20
    /// Proxies in front (`FRONTDESK_TRUSTED_PROXIES`): their connections carry many clients, so the
    /// per-client cap does not apply to them (the total does).
    public var trustedProxies = TrustedProxies.none

    public init() {}
}

/// Counts open connections per client address and in all; shared by every connection's guard.
final class ConnectionRegistry: Sendable {
    private struct State {
        var perClient: [String: Int] = [:]
        var total = 0
    }

    enum Admission: Equatable { case admitted, clientFull, serverFull }

    private let state = Mutex(State())
    let limits: ConnectionLimits
    let notices: LimitNotices

    init(limits: ConnectionLimits, logger: Logger) {
        self.limits = limits
        notices = LimitNotices(logger: logger)
    }

    func open(_ client: String) -> Admission {
        state.withLock { state in
            if state.total >= limits.total { return .serverFull }
            let count = state.perClient[client, default: 0]
            if count >= limits.perClient, !limits.trustedProxies.contains(client) { return .clientFull }
            state.perClient[client] = count + 1
            state.total += 1
            return .admitted
        }
    }

    func close(_ client: String) {
        state.withLock { state in
            state.total -= 1
            let count = state.perClient[client, default: 1] - 1
            state.perClient[client] = count > 0 ? count : nil
        }
    }

    var openConnections: Int { state.withLock { $0.total } }
}

/// One log line per kind of limit at most every 10 s, with how often it was hit meanwhile: an attack
/// shows in the log without flooding it.
final class LimitNotices: Sendable {
    private struct Pending {
        var count = 0
        var lastLogged: ContinuousClock.Instant?
        var example = ""
    }

    private let logger: Logger
    private let pending = Mutex<[String: Pending]>([:])

    init(logger: Logger) { self.logger = logger }

    func hit(_ kind: String, client: String) {
        let now = ContinuousClock.now
        let line: (count: Int, example: String)? = pending.withLock { all in
            var entry = all[kind, default: Pending()]
            entry.count += 1
            entry.example = client
            defer { all[kind] = entry }
            if let last = entry.lastLogged, now - last < .seconds(10) { return nil }
            let result = (entry.count, entry.example)
            entry.count = 0
            entry.lastLogged = now
            return result
        }
        guard let line else { return }
        logger.notice(
            "Connection limit: \(kind)",
            metadata: ["times": "\(line.count)", "client": "\(line.example)"])
    }
}

/// Sits right after the HTTP request decoder of every connection. It admits the connection (per-client
/// and total caps), closes connections that stall (`readTimeout`), answers what cannot be parsed with
/// the right 4xx (400, 413, 431) and closes, refuses a declared body over the limit before reading it,
/// and closes a connection whose answer went out before its request body was read. It leaves the
/// pipeline when the connection upgrades to a WebSocket.
final class HTTPConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let registry: ConnectionRegistry
    private var client = "unknown"
    private var admitted = false
    /// Requests whose head arrived and whose answer has not ended yet.
    private var requestsOpen = 0
    /// A request body is still arriving (head seen, end not yet).
    private var readingBody = false
    /// An answer's head went out and its end has not.
    private var answering = false
    /// Close once the answer in progress ends.
    private var closeAfterAnswer = false
    /// What to answer once the answer in progress ends (a parse error behind a pipelined request).
    private var pendingRefusal: Refusal?
    private var closed = false
    private var timer: Scheduled<Void>?

    struct Refusal {
        let status: HTTPResponseStatus
        let code: ErrorCode
        let message: String
    }

    init(registry: ConnectionRegistry) {
        self.registry = registry
    }

    // MARK: lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        admit(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        release()
    }

    private func admit(context: ChannelHandlerContext) {
        guard !admitted, !closed else { return }
        client = context.channel.remoteAddress?.ipAddress ?? "unknown"
        switch registry.open(client) {
        case .admitted:
            admitted = true
            armTimer(context: context)
        case .clientFull:
            registry.notices.hit("too many connections from one client (limit \(registry.limits.perClient)); closed", client: client)
            closed = true
            shut(context)
        case .serverFull:
            registry.notices.hit("too many connections in all (limit \(registry.limits.total)); closed", client: client)
            closed = true
            shut(context)
        }
    }

    /// Closes the connection. The handlers behind learn first that no more input comes (so a pending
    /// WebSocket-upgrade decision ends quietly instead of as an error in the log).
    private func shut(_ context: ChannelHandlerContext) {
        context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        context.close(promise: nil)
    }

    private func release() {
        if admitted {
            admitted = false
            registry.close(client)
        }
    }

    // MARK: inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Nothing more is read once the connection is refused.
        guard !closed, pendingRefusal == nil else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            if let refusal = Self.refusal(for: head, maxBodyBytes: registry.limits.maxBodyBytes) {
                // Never handed on: answered here (once the answer in progress, if any, has ended).
                refuse(refusal, context: context)
                return
            }
            if head.headers.contains(name: "upgrade") {
                // A WebSocket upgrade: the upgrade handler takes the connection from here (the media
                // streams and Retell's socket have their own ends); the guard steps aside.
                context.fireChannelRead(data)
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)  // handlerRemoved releases
                return
            }
            requestsOpen += 1
            readingBody = true
        case .body:
            break
        case .end:
            readingBody = false
        }
        armTimer(context: context)
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parseError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        guard !closed, pendingRefusal == nil else { return }
        let refusal = Self.refusal(for: parseError)
        if readingBody {
            // The body of a request the application is reading: it sees the error (400 from the
            // error mapping), and the connection closes after that answer.
            closeAfterAnswer = true
            readingBody = false
            armTimer(context: context)  // and if no answer comes, the read timeout closes it
            context.fireErrorCaught(error)
            return
        }
        refuse(refusal, context: context)
    }

    // MARK: outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !closed else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(let head):
            answering = true
            if readingBody {
                // Answered before the body was read (413, 401 …): not worth draining; close after.
                closeAfterAnswer = true
            }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            answering = false
            requestsOpen = max(0, requestsOpen - 1)
            if let refusal = pendingRefusal {
                context.write(data, promise: promise)
                pendingRefusal = nil
                writeRefusal(refusal, context: context)
            } else if closeAfterAnswer {
                closed = true
                timer?.cancel()
                let written = context.writeAndFlush(data)
                written.cascade(to: promise)
                written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            } else {
                context.write(data, promise: promise)
                armTimer(context: context)
            }
        }
    }

    // MARK: refusals

    private func refuse(_ refusal: Refusal, context: ChannelHandlerContext) {
        if requestsOpen > 0 || answering {
            pendingRefusal = pendingRefusal ?? refusal
            return
        }
        writeRefusal(refusal, context: context)
    }

    /// The error envelope with the status, `Connection: close`, then the connection is closed.
    private func writeRefusal(_ refusal: Refusal, context: ChannelHandlerContext, notice: Bool = true) {
        guard !closed else { return }
        closed = true
        timer?.cancel()
        timer = nil
        if notice { registry.notices.hit("malformed or refused request answered \(refusal.status.code)", client: client) }
        let body = ByteBuffer(bytes: ErrorMapping.body(for: AppError(refusal.code, refusal.message), requestId: "req_" + RandomToken.base32(count: 16)))
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: refusal.status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { [self] _ in shut(context) }
    }

    static func refusal(for error: HTTPParserError) -> Refusal {
        switch error {
        case .headerOverflow:
            Refusal(status: .requestHeaderFieldsTooLarge, code: .badRequest, message: "Request headers are too large")
        case .invalidContentLength, .unexpectedContentLength:
            Refusal(status: .badRequest, code: .badRequest, message: "Request framing is invalid: Content-Length")
        case .invalidChunkSize:
            Refusal(status: .badRequest, code: .badRequest, message: "Request framing is invalid: chunked body")
        case .invalidMethod:
            Refusal(status: .badRequest, code: .badRequest, message: "Request method is not valid")
        case .invalidVersion:
            Refusal(status: .badRequest, code: .badRequest, message: "Only HTTP/1.0 and HTTP/1.1 are served here")
        case .invalidURL, .invalidPath, .invalidQueryString, .invalidFragment:
            Refusal(status: .badRequest, code: .badRequest, message: "Request target is not a valid path")
        default:
            Refusal(status: .badRequest, code: .badRequest, message: "Malformed HTTP request")
        }
    }

    /// A head that parsed but is refused before the application sees it.
    static func refusal(for head: HTTPRequestHead, maxBodyBytes: Int) -> Refusal? {
        if head.version.major != 1 {
            return Refusal(status: .badRequest, code: .badRequest, message: "Only HTTP/1.0 and HTTP/1.1 are served here")
        }
        let lengths = head.headers[canonicalForm: "content-length"]
        if lengths.count > 1, Set(lengths).count > 1 {
            return Refusal(status: .badRequest, code: .badRequest, message: "Request framing is invalid: Content-Length")
        }
        if let text = lengths.first {
            guard let length = Int(text), length >= 0 else {
                return Refusal(status: .badRequest, code: .badRequest, message: "Request framing is invalid: Content-Length")
            }
            if length > maxBodyBytes {
                return Refusal(status: .payloadTooLarge, code: .payloadTooLarge, message: "Request body is too large (at most \(maxBodyBytes) bytes)")
            }
        }
        // The path must be text: a URI's bytes outside ASCII are refused (percent-encode them).
        if !head.uri.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            return Refusal(status: .badRequest, code: .badRequest, message: "Request target is not a valid path")
        }
        return nil
    }

    // MARK: timer

    /// A stalled body is answered 408 (nothing was answered yet: the application still waits for the
    /// body); a connection that sent no whole head is closed.
    private func readTimedOut(context: ChannelHandlerContext, bodyStall: Bool) {
        guard !closed else { return }
        timer = nil
        if bodyStall, !answering {
            registry.notices.hit("request body stalled past the read timeout; answered 408", client: client)
            writeRefusal(
                Refusal(status: .requestTimeout, code: .badRequest, message: "The request body stopped arriving; send it whole within the read timeout"),
                context: context, notice: false)
            return
        }
        closed = true
        registry.notices.hit(bodyStall ? "answer stalled past the read timeout; closed" : "no request within the read timeout; closed", client: client)
        shut(context)
    }

    /// Waiting for a head, or for the rest of a body: the read timeout runs. While the application
    /// works on a whole request, it does not.
    private func armTimer(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        guard !closed, requestsOpen == 0 || readingBody || closeAfterAnswer else { return }
        let bound = NIOLoopBound((guard: self, context: context), eventLoop: context.eventLoop)
        let bodyStall = readingBody
        timer = context.eventLoop.scheduleTask(in: registry.limits.readTimeout) {
            let (guardHandler, context) = bound.value
            guardHandler.readTimedOut(context: context, bodyStall: bodyStall)
        }
    }
}

/// The server's child channel with an `HTTPConnectionGuard` right after the request decoder.
struct GuardedChildChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value

    let inner: Inner
    let registry: ConnectionRegistry

    func setup(channel: any NIOCore.Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let decoder = try channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try channel.pipeline.syncOperations.addHandler(HTTPConnectionGuard(registry: registry), position: .after(decoder))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
