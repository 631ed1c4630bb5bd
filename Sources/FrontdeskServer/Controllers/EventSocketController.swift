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
            await run(request: context.request, inbound: inbound, outbound: outbound)
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

    private func run(request: Request, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        guard let token = Self.token(in: request),
            case .authenticated(let claims) = await APIMiddleware.authenticate(token, tokens: tokens, store: store)
        else {
            try? await outbound.close(.policyViolation, reason: "invalid token")
            return
        }
        let session = EventSocket(claims: claims, token: token, outbound: outbound, frames: frames)
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
        let (listener, live) = store.feed.listen(businesses: businesses)
        defer { store.feed.stopListening(listener) }
        await socket.setBusinesses(businesses)
        try await socket.control("subscribed", ["business_ids": .array(businesses.map(\.rawValue).sorted().map(JSONValue.string))])
        if let lastId { try await replay(socket, after: lastId) }
        let ending: Ending? = await withTaskGroup(of: Ending?.self) { group in
            group.addTask {
                for await event in live {
                    do {
                        try await socket.send(event)
                    } catch {
                        return .clientClosed
                    }
                }
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
        switch ending {
        case .lagging:
            try? await socket.outbound.close(.unknown(1013), reason: "too far behind; reconnect with last_event_id")
        case .loginEnded(let reason):
            try? await socket.outbound.close(.policyViolation, reason: reason)
        case .clientClosed, nil:
            break
        }
    }

    /// What the client missed after `lastId`, from the events kept, in order.
    private func replay(_ socket: EventSocket, after lastId: String) async throws {
        guard let last = EventSequence(id: lastId) else {
            try await socket.control("error", ["message": "last_event_id must look like evt_123"])
            return
        }
        if let oldest = try await store.feed.repository.oldest(), oldest.value > last.value + 1 {
            try await socket.control(
                "events.missed",
                ["last_event_id": .string(last.id), "oldest_kept": .string(oldest.id), "message": "some events after last_event_id are no longer kept"])
        }
        var after = last
        while true {
            let page = try await store.feed.repository.events(businesses: Array(await socket.businesses), after: after, limit: Self.replayPage)
            for event in page { try await socket.send(event) }
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
            var businesses = await socket.businesses
            if type == "subscribe" { businesses.insert(business) } else { businesses.remove(business) }
            await socket.setBusinesses(businesses)
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
        let current = await socket.businesses
        let kept = current.intersection(own)
        if kept != current {
            await socket.setBusinesses(kept)
            store.feed.change(listener, businesses: kept)
        }
        return nil
    }
}

/// One client's socket: who it is, what it hears, and the one place its frames are written.
actor EventSocket {
    let claims: AccessClaims
    let token: String
    let outbound: WebSocketOutboundWriter
    let frames: FrameCache
    private(set) var businesses: Set<BusinessID> = []
    /// The events sent lately (the newest 8,192), so that one in both the replay and the live stream
    /// goes out once. Not "the newest sent": another instance's event can arrive after a newer one
    /// stored here, and must not be dropped for it.
    private var sent: Set<Int64> = []
    private var sentOrder: [Int64] = []
    private var sentStart = 0
    static let remembered = 8192

    init(claims: AccessClaims, token: String, outbound: WebSocketOutboundWriter, frames: FrameCache) {
        self.claims = claims
        self.token = token
        self.outbound = outbound
        self.frames = frames
    }

    func setBusinesses(_ businesses: Set<BusinessID>) { self.businesses = businesses }

    func send(_ event: DomainEvent) async throws {
        let seq = event.sequence.value
        guard businesses.contains(event.businessId), sent.insert(seq).inserted else { return }
        sentOrder.append(seq)
        if sentOrder.count - sentStart > Self.remembered {
            sent.remove(sentOrder[sentStart])
            sentStart += 1
            if sentStart > Self.remembered {
                sentOrder.removeFirst(sentStart)
                sentStart = 0
            }
        }
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
