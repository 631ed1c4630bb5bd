import Foundation
import FrontdeskCore
import FrontdeskStore
import FrontdeskWire
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// `/api/ws`: the businesses' events as they happen, on a WebSocket. The client logs in with its access
/// token (`Authorization: Bearer …`, or `?token=` where a browser cannot set headers) and hears every
/// business it belongs to, or those `?business_id=a,b` names; never another tenant's. Each event is
/// `{"id","type","data","timestamp"}`. A client that reconnects with the last id it saw
/// (`?last_event_id=`, the `Last-Event-ID` header, or a `subscribe` message) first gets what it
/// missed, from the events kept (7 days). Control messages have a `type` and no `id`:
/// `subscribed`, `events.missed`, `pong`, `error`. The socket closes (1008) when the token expires or
/// the login ends, and (1013) when the client falls 4,096 events behind; it reconnects with its last id.
struct EventSocketController: Sendable {
    let store: Store
    let tokens: TokenService
    let logger: Logger
    /// How often a socket checks that its token and memberships still hold.
    var recheck: Duration = .seconds(15)
    /// Live events queued for a client that is not reading before it is cut off (1013).
    var queueLimit = EventFeed.listenerBuffer
    /// Each event's frame, made once for all the sockets that send it.
    let frames = FrameCache()

    static let lastEventIdHeader = HTTPField.Name("Last-Event-ID")!
    /// Events sent per replay read.
    static let replayPage = 500

    /// The upgrade on the socket router: refused (the request then reaches `addHTTPRoute`'s answer,
    /// a 401 in the envelope) without a valid token.
    func addRoutes(to router: Router<SocketRequestContext>) {
        router.ws("api/ws") { request, _ in
            guard let token = Self.token(in: request), case .authenticated = await APIMiddleware.authenticate(token, tokens: tokens, store: store)
            else { return .dontUpgrade }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            await run(request: context.request, channel: context.requestContext.channel, inbound: inbound, outbound: outbound)
        }
    }

    /// `GET /api/ws` without an upgrade: 401 without a valid token, else 426 (a WebSocket is needed).
    func addHTTPRoute(to group: RouterGroup<AppRequestContext>) {
        group.get("ws") { request, _ -> Response in
            guard let token = Self.token(in: request) else { throw AppError.authRequired }
            guard case .authenticated = await APIMiddleware.authenticate(token, tokens: tokens, store: store) else {
                throw AppError(.authInvalidToken, "Invalid or expired token")
            }
            throw AppError(.upgradeRequired, "This is a WebSocket: connect with an Upgrade: websocket request")
        }
    }

    static func token(in request: Request) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            return parts.count == 2 && parts[0].lowercased() == "bearer" ? String(parts[1]) : nil
        }
        if let token = request.uri.queryParameters["token"] { return String(token) }
        // The dashboard's pages: the session cookie, only from a page of this same site (a browser sends
        // the page's Origin on a WebSocket; another site's page is refused, so it cannot borrow the cookie).
        if request.headers[.origin] != nil, DashboardAuth.sameOrigin(request) {
            return DashboardAuth.cookie(DashboardAuth.sessionCookie, in: request)
        }
        return nil
    }

    // MARK: the socket

    private func run(request: Request, channel: any NIOCore.Channel, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        guard let token = Self.token(in: request),
            case .authenticated(let claims) = await APIMiddleware.authenticate(token, tokens: tokens, store: store)
        else {
            try? await outbound.close(.policyViolation, reason: "invalid token")
            return
        }
        let session = EventSocket(claims: claims, token: token, outbound: outbound, channel: channel, frames: frames, queueLimit: queueLimit)
        Telemetry.eventSockets(delta: 1)
        defer { Telemetry.eventSockets(delta: -1) }
        do {
            let query = request.uri.queryParameters
            let requested = query["business_id"].map { $0.split(separator: ",").map { BusinessID(rawValue: String($0)) } }
            let businesses = try await allowed(requested, for: claims)
            guard let businesses else {
                try? await outbound.close(.policyViolation, reason: "not a member of every business named")
                return
            }
            let lastId = query["last_event_id"].map(String.init) ?? request.headers[Self.lastEventIdHeader]
            try await stream(session, businesses: businesses, lastId: lastId, inbound: inbound)
        } catch {
            logger.debug("An event socket ended", metadata: ["error": "\(error)"])
        }
    }

    /// The businesses a client may hear: all of its own when `requested` is nil; nil when it names
    /// one it does not belong to.
    private func allowed(_ requested: [BusinessID]?, for claims: AccessClaims) async throws -> Set<BusinessID>? {
        let own = Set(try await store.users.memberships(of: claims.userId).map(\.businessId))
        guard let requested else { return own }
        guard !requested.isEmpty, requested.count <= 100, requested.allSatisfy(own.contains) else { return nil }
        return Set(requested)
    }

    private enum Ending: Error { case lagging, loginEnded(String), clientClosed }

    private func stream(_ socket: EventSocket, businesses: Set<BusinessID>, lastId: String?, inbound: WebSocketInboundStream) async throws {
        socket.setBusinesses(businesses)
        // Live events queue (held) from here on, so none published during the replay is lost.
        let listener = store.feed.listen(businesses: businesses, take: socket.take, end: socket.cutOff)
        defer { store.feed.stopListening(listener) }
        try await socket.control("subscribed", ["business_ids": .array(businesses.map(\.rawValue).sorted().map(JSONValue.string))])
        if let lastId { try await replay(socket, after: lastId) }
        socket.release()
        let ending: Ending? = await withTaskGroup(of: Ending?.self) { group in
            group.addTask {
                await socket.untilCutOff()
                return Task.isCancelled ? nil : .lagging
            }
            group.addTask {
                do {
                    for try await message in inbound.messages(maxSize: 16 * 1024) {
                        guard case .text(let text) = message else { continue }
                        try await handle(text, socket: socket, listener: listener)
                    }
                } catch {}
                return .clientClosed
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: recheck)
                    if Task.isCancelled { return nil }
                    if let reason = await stillAllowed(socket, listener: listener) { return .loginEnded(reason) }
                }
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        socket.stop()
        switch ending {
        case .lagging:
            try? await socket.outbound.close(.unknown(1013), reason: "too far behind; reconnect with last_event_id")
        case .loginEnded(let reason):
            try? await socket.outbound.close(.policyViolation, reason: reason)
        case .clientClosed, nil:
            break
        }
    }

    /// What the client missed after `lastId`, from the events kept, in order (live events wait meanwhile).
    private func replay(_ socket: EventSocket, after lastId: String) async throws {
        guard let last = EventSequence(id: lastId) else {
            try await socket.control("error", ["message": "last_event_id must look like evt_123"])
            return
        }
        socket.hold()
        defer { socket.release() }
        if let oldest = try await store.feed.repository.oldest(), oldest.value > last.value + 1 {
            try await socket.control(
                "events.missed",
                ["last_event_id": .string(last.id), "oldest_kept": .string(oldest.id), "message": "some events after last_event_id are no longer kept"])
        }
        var after = last
        while true {
            let page = try await store.feed.repository.events(businesses: Array(socket.businesses), after: after, limit: Self.replayPage)
            for event in page { try await socket.sendReplayed(event) }
            guard page.count == Self.replayPage, let next = page.last?.sequence else { return }
            after = next
        }
    }

    /// `{"type":"subscribe","business_id":…,"last_event_id":…}`, `{"type":"unsubscribe","business_id":…}`,
    /// `{"type":"ping"}`.
    private func handle(_ text: String, socket: EventSocket, listener: UInt64) async throws {
        guard let message = try? JSONParser.parse(Array(text.utf8)), case .object(let fields) = message,
            case .string(let type)? = fields["type"]
        else {
            try await socket.control("error", ["message": "messages are JSON objects with a type: subscribe, unsubscribe or ping"])
            return
        }
        switch type {
        case "ping":
            try await socket.control("pong", [:])
        case "subscribe", "unsubscribe":
            guard case .string(let raw)? = fields["business_id"] else {
                try await socket.control("error", ["message": "\(type) needs a business_id"])
                return
            }
            let business = BusinessID(rawValue: raw)
            guard try await store.users.role(of: socket.claims.userId, in: business) != nil else {
                // Not a member, or no such business: the same answer.
                try await socket.control("error", ["message": "Business not found"])
                return
            }
            var businesses = socket.businesses
            if type == "subscribe" { businesses.insert(business) } else { businesses.remove(business) }
            socket.setBusinesses(businesses)
            store.feed.change(listener, businesses: businesses)
            try await socket.control("subscribed", ["business_ids": .array(businesses.map(\.rawValue).sorted().map(JSONValue.string))])
            if type == "subscribe", case .string(let last)? = fields["last_event_id"] { try await replay(socket, after: last) }
        default:
            try await socket.control("error", ["message": "unknown message type \(type)"])
        }
    }

    /// Nil while the token is unexpired, the login valid and the businesses still the caller's; else why not.
    private func stillAllowed(_ socket: EventSocket, listener: UInt64) async -> String? {
        guard case .authenticated = await APIMiddleware.authenticate(socket.token, tokens: tokens, store: store) else {
            return "the token expired or the login ended; reconnect with a fresh token"
        }
        guard let own = try? await store.users.memberships(of: socket.claims.userId).map(\.businessId) else { return nil }
        let current = socket.businesses
        let kept = current.intersection(own)
        if kept != current {
            socket.setBusinesses(kept)
            store.feed.change(listener, businesses: kept)
        }
        return nil
    }
}

/// One client's socket: who it is, what it hears, and its way out. The feed hands each live event to
/// `take` as it is published; its frame is queued, and the socket's event loop writes whatever has
/// gathered straight into the channel as one buffer with one flush (under load, one write for many
/// events — not a task wake-up, an actor hop, an encoder pass and a flush per frame). A client that
/// stops reading has at most `inFlightLimit` bytes waiting in NIO's buffer; the rest stays queued
/// here, and at `queueLimit` queued it is cut off (1013) and reconnects with its last id. Replayed
/// events and control messages go through the WebSocket writer; live frames are held while a replay
/// runs, so they follow it.
final class EventSocket: Sendable {
    let claims: AccessClaims
    let token: String
    let outbound: WebSocketOutboundWriter
    let channel: any NIOCore.Channel
    let frames: FrameCache
    let queueLimit: Int
    private let state = Mutex(State())
    private let cut = AsyncStream<Void>.makeStream()
    /// Bytes a socket may have waiting in NIO's buffer (beyond the kernel's).
    static let inFlightLimit = 256 * 1024

    private struct State {
        var businesses: Set<BusinessID> = []
        var sent = RecentEvents()
        var pending: [ByteBuffer] = []
        /// A write of `pending` is scheduled on the loop, or waits for earlier ones (`waiting`).
        var writing = false
        var waiting = false
        /// Bytes written to the channel and not yet taken by the kernel.
        var inFlight = 0
        /// Live frames wait (a replay is running; at first until the subscription is confirmed).
        var holding = true
        var stopped = false
    }

    init(claims: AccessClaims, token: String, outbound: WebSocketOutboundWriter, channel: any NIOCore.Channel, frames: FrameCache, queueLimit: Int) {
        self.claims = claims
        self.queueLimit = queueLimit
        self.token = token
        self.outbound = outbound
        self.channel = channel
        self.frames = frames
    }

    var businesses: Set<BusinessID> { state.withLock { $0.businesses } }
    func setBusinesses(_ businesses: Set<BusinessID>) { state.withLock { $0.businesses = businesses } }

    /// A live event from the feed (its thread, its lock): queued, and a write scheduled unless one is.
    /// False when the client is too far behind (the feed then stops the listener: `cutOff`).
    @Sendable func take(_ event: DomainEvent) -> Bool {
        enum Next { case nothing, write, tooFarBehind }
        let next: Next = state.withLock { state in
            guard !state.stopped, state.businesses.contains(event.businessId), state.sent.insert(event.sequence.value) else { return .nothing }
            guard state.pending.count < queueLimit else { return .tooFarBehind }
            state.pending.append(frames.frame(event))
            guard !state.holding, !state.writing else { return .nothing }
            state.writing = true
            return .write
        }
        switch next {
        case .nothing: return true
        case .tooFarBehind: return false
        case .write:
            channel.eventLoop.execute { self.writePending() }
            return true
        }
    }

    /// On the loop: everything queued, as one write and one flush. While a client is not reading, at
    /// most `inFlightLimit` bytes wait in NIO's buffer (beyond the kernel's); the rest stays queued
    /// here, and the next write starts when earlier ones have reached the kernel.
    private func writePending() {
        guard channel.isActive else {
            state.withLock { $0.pending.removeAll(); $0.writing = false }
            return
        }
        let batch: [ByteBuffer] = state.withLock { state in
            guard state.inFlight < Self.inFlightLimit else {
                state.waiting = true  // `writing` stays set: the write's completion calls again
                return []
            }
            state.writing = false
            guard !state.stopped, !state.holding else { return [] }
            defer { state.pending.removeAll(keepingCapacity: true) }
            return state.pending
        }
        guard !batch.isEmpty else { return }
        var bytes = channel.allocator.buffer(capacity: batch.reduce(0) { $0 + $1.readableBytes + 10 })
        for frame in batch { Self.appendTextFrame(frame, to: &bytes) }
        let size = bytes.readableBytes
        state.withLock { $0.inFlight += size }
        let written = channel.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenComplete { _ in
            let again: Bool = self.state.withLock { state in
                state.inFlight -= size
                guard state.waiting, state.inFlight < Self.inFlightLimit else { return false }
                state.waiting = false
                return true
            }
            if again { self.writePending() }
        }
        // Written below the WebSocket frame encoder: no extension is negotiated on this server, so a
        // text frame is its header and its bytes. (The encoder is there from the upgrade on.)
        guard let wire = try? channel.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self) else {
            written.fail(ChannelError.ioOnClosedChannel)
            channel.close(promise: nil)
            return
        }
        wire.writeAndFlush(NIOAny(bytes), promise: written)
    }

    /// A final, unmasked text frame (RFC 6455 §5.2), as a server sends it.
    static func appendTextFrame(_ payload: ByteBuffer, to bytes: inout ByteBuffer) {
        let length = payload.readableBytes
        bytes.writeInteger(UInt8(0x81))
        if length < 126 {
            bytes.writeInteger(UInt8(length))
        } else if length <= Int(UInt16.max) {
            bytes.writeInteger(UInt8(126))
            bytes.writeInteger(UInt16(length))
        } else {
            bytes.writeInteger(UInt8(127))
            bytes.writeInteger(UInt64(length))
        }
        var payload = payload
        bytes.writeBuffer(&payload)
    }

    /// Live frames wait (a replay starts).
    func hold() { state.withLock { $0.holding = true } }

    /// Live frames flow again, those queued first.
    func release() {
        let write: Bool = state.withLock { state in
            state.holding = false
            guard !state.pending.isEmpty, !state.writing else { return false }
            state.writing = true
            return true
        }
        if write { channel.eventLoop.execute { self.writePending() } }
    }

    /// Nothing more is written (the socket is closing).
    func stop() { state.withLock { $0.stopped = true; $0.pending.removeAll() } }

    /// The feed stopped this listener (too far behind, or the store is closing).
    @Sendable func cutOff() { cut.continuation.finish() }

    /// Returns once the feed has stopped this listener.
    func untilCutOff() async {
        for await _ in cut.stream {}
    }

    /// A replayed event (once, like a live one), through the WebSocket writer.
    func sendReplayed(_ event: DomainEvent) async throws {
        let fresh = state.withLock { state in state.businesses.contains(event.businessId) && state.sent.insert(event.sequence.value) }
        guard fresh else { return }
        try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: frames.frame(event))))
    }

    func control(_ type: String, _ data: [String: JSONValue]) async throws {
        var writer = JSONWriter(capacity: 256)
        writer.beginObject()
        writer.field("type", type)
        writer.key("data")
        writer.raw(Array(try JSONWriter.encoder.encode(JSONValue.object(data))))
        writer.field("timestamp", Date())
        writer.endObject()
        try await outbound.write(.text(String(decoding: writer.bytes, as: UTF8.self)))
    }

    /// `{"id","type","data","timestamp"}`.
    static func frame(_ event: DomainEvent) -> String {
        var writer = JSONWriter(capacity: event.data.utf8.count + 128)
        writer.beginObject()
        writer.field("id", event.id)
        writer.field("type", event.type.rawValue)
        writer.key("data")
        writer.raw(Array(event.data.utf8))
        writer.field("timestamp", event.occurredAt)
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

/// The events sent lately (the newest 8,192), so that one in both a replay and the live stream goes
/// out once. Not "the newest sent": another instance's event can arrive after a newer one stored
/// here, and must not be dropped for it.
struct RecentEvents {
    private var sent: Set<Int64> = []
    private var order: [Int64] = []
    private var start = 0
    static let remembered = 8192

    /// False when `sequence` was sent already.
    mutating func insert(_ sequence: Int64) -> Bool {
        guard sent.insert(sequence).inserted else { return false }
        order.append(sequence)
        if order.count - start > Self.remembered {
            sent.remove(order[start])
            start += 1
            if start > Self.remembered {
                order.removeFirst(start)
                start = 0
            }
        }
        return true
    }
}

/// The newest events' frames as bytes, so an event sent to many sockets is encoded once (and its
/// buffer shared, not copied, by every write).
final class FrameCache: Sendable {
    private let recent = Mutex<[Int64: ByteBuffer]>([:])
    static let capacity = 1024

    func frame(_ event: DomainEvent) -> ByteBuffer {
        let seq = event.sequence.value
        if let cached = recent.withLock({ $0[seq] }) { return cached }
        let buffer = ByteBuffer(string: EventSocket.frame(event))
        recent.withLock { recent in
            if recent.count >= Self.capacity, let oldest = recent.keys.min() { recent.removeValue(forKey: oldest) }
            recent[seq] = buffer
        }
        return buffer
    }
}
