import Foundation
import FrontdeskCore
@testable import FrontdeskServer
import FrontdeskWire
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import Synchronization
import Testing

/// A client of `/api/ws` that keeps every frame it gets.
final class EventClient: Sendable {
    let frames = Mutex<[JSONValue]>([])
    let closed = Mutex<String?>(nil)

    /// The events, but the team's notifications and their emails (made in the background, at no fixed moment).
    var events: [JSONValue] {
        frames.withLock { $0 }.filter { $0["id"] != nil && !["notification.created", "message.sent"].contains($0["type"]?.text ?? "") }
    }
    func events(_ type: String) -> [JSONValue] { events.filter { $0["type"]?.text == type } }
    func controls(_ type: String) -> [JSONValue] { frames.withLock { $0 }.filter { $0["id"] == nil && $0["type"]?.text == type } }

    func wait(_ what: String, timeout: Duration = .seconds(5), until condition: @Sendable (EventClient) -> Bool) async {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(self) { return }
            try? await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("timed out waiting for \(what); got \(frames.withLock { $0 }.map { $0["type"]?.text ?? "?" })")
    }

    /// Connects to `/api/ws` + `query`, runs `body` while frames arrive, then closes.
    static func connect(
        port: Int, token: String?, query: String = "", headers: [(String, String)] = [],
        _ body: @escaping @Sendable (EventClient, WebSocketOutboundWriter) async throws -> Void
    ) async throws -> EventClient {
        let client = EventClient()
        var logger = Logger(label: "ws-client")
        logger.logLevel = .critical
        var configuration = WebSocketClientConfiguration()
        if let token { configuration.additionalHeaders[.authorization] = "Bearer \(token)" }
        for (name, value) in headers { configuration.additionalHeaders[HTTPField.Name(name)!] = value }
        try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/api/ws\(query)", configuration: configuration, logger: logger) {
            inbound, outbound, _ in
            let reader = Task {
                do {
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .text(let text) = message, let frame = try? JSONParser.parse(text) {
                            client.frames.withLock { $0.append(frame) }
                        }
                    }
                } catch {}
                client.closed.withLock { $0 = "closed" }
            }
            try await body(client, outbound)
            try? await outbound.close(.normalClosure, reason: nil)
            _ = await reader.result
        }
        return client
    }
}

@Suite("Real-time events on /api/ws: the tenant's events as they happen, replay after a reconnect, logins enforced")
struct EventSocketTests {
    @Test("a client hears its business's events in order, never another tenant's, and replays what it missed by last id")
    func liveAndReplay() async throws {
        let app = TestApp()
        try await app.serve { client in
            let port = client.port
            let owner = try await client.register("Owner")
            let other = try await client.register("Other")
            try await client.openWeekdays(owner)
            let leadIds = Mutex<[String]>([])
            let first = try await EventClient.connect(port: port, token: owner.token) { socket, _ in
                await socket.wait("subscribed") { !$0.controls("subscribed").isEmpty }
                let subscribed = socket.controls("subscribed").first
                #expect(subscribed?["data"]?["business_ids"] == .array([.string(owner.businessId)]))
                #expect(try await client.createLead(other, phone: "+15550009999").status == .created)
                let lead = try await client.createLead(owner, name: "Jane Roe")
                let leadId = lead["id"] as? String ?? ""
                leadIds.withLock { $0.append(leadId) }
                await socket.wait("lead.created") { !$0.events("lead.created").isEmpty }
                let event = try #require(socket.events("lead.created").first)
                #expect(event["data"]?["id"]?.text == leadId)
                #expect(event["data"]?["business_id"]?.text == owner.businessId)
                #expect(event["id"]?.text?.hasPrefix("evt_") == true)
                #expect(event["timestamp"]?.text != nil)
                // Qualifying the lead: lead.updated, then lead.qualified.
                let qualified = try await client.call(
                    .post, "/api/leads/\(leadId)/qualify", token: owner.token,
                    json: #"{"criteria":{"budget":"high","timeline":"immediate","decision_maker":true,"need":"teeth cleaning"}}"#)
                #expect(qualified.status == .ok, "\(qualified.json)")
                await socket.wait("lead.qualified") { !$0.events("lead.qualified").isEmpty }
                #expect(socket.events.map { $0["type"]?.text } == ["lead.created", "lead.updated", "lead.qualified"])
            }
            #expect(first.events.allSatisfy { $0["data"]?["business_id"]?.text == owner.businessId }, "no other tenant's event")
            let lastSeen = try #require(first.events.last?["id"]?.text)
            let leadId = try #require(leadIds.withLock { $0.first })

            // While disconnected: an appointment is booked and the lead changed.
            let booked = try await client.call(
                .post, "/api/appointments", token: owner.token,
                json: #"{"business_id":"\#(owner.businessId)","lead_id":"\#(leadId)","scheduled_date":"\#(nextWeekday(after: client.clock.now, hour: 10))","type":"Cleaning"}"#)
            #expect(booked.status == .created, "\(booked.json)")
            #expect(try await client.call(.put, "/api/leads/\(leadId)", token: owner.token, json: #"{"company":"Acme"}"#).status == .ok)

            let second = try await EventClient.connect(port: port, token: nil, query: "?token=\(owner.token)&last_event_id=\(lastSeen)") { socket, _ in
                await socket.wait("the missed events") { $0.events.count >= 2 }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(second.events.map { $0["type"]?.text } == ["appointment.booked", "lead.updated"])
            #expect(second.events.first?["data"]?["id"]?.text == booked["id"] as? String)
            let ids = second.events.compactMap { $0["id"]?.text }.compactMap(EventSequence.init(id:))
            #expect(ids == ids.sorted() && ids.first! > EventSequence(id: lastSeen)!)

            // The Last-Event-ID header works as well; a later id than any replays nothing.
            let third = try await EventClient.connect(port: port, token: owner.token, headers: [("Last-Event-ID", lastSeen)]) { socket, _ in
                await socket.wait("the missed events") { $0.events.count >= 2 }
            }
            #expect(third.events.count == 2)
        }
    }

    @Test("no token, a bad token or another tenant's business: refused; logging out closes the socket")
    func logins() async throws {
        let app = TestApp()
        try await app.serve { client in
            let port = client.port
            let owner = try await client.register("Owner")
            let other = try await client.register("Other")
            let plain = try await client.call(.get, "/api/ws")
            #expect(plain.status == .unauthorized)
            #expect(try await client.call(.get, "/api/ws", token: "not-a-token").status == .unauthorized)
            #expect(try await client.call(.get, "/api/ws", token: owner.token).status == .upgradeRequired)
            await #expect(throws: (any Error).self) {
                _ = try await EventClient.connect(port: port, token: "not-a-token") { _, _ in }
            }
            // Another tenant's business by name: the socket closes without a word about it.
            let nosy = try await EventClient.connect(port: port, token: owner.token, query: "?business_id=\(other.businessId)") { socket, _ in
                await socket.wait("closed") { $0.closed.withLock { $0 } != nil }
            }
            #expect(nosy.events.isEmpty && nosy.controls("subscribed").isEmpty)
            // Subscribing to it by message: an error, and nothing of it arrives.
            let probing = try await EventClient.connect(port: port, token: owner.token) { socket, outbound in
                await socket.wait("subscribed") { !$0.controls("subscribed").isEmpty }
                try await outbound.write(.text(#"{"type":"subscribe","business_id":"\#(other.businessId)"}"#))
                try await outbound.write(.text(#"{"type":"ping"}"#))
                try await outbound.write(.text("not json"))
                await socket.wait("the answers") { !$0.controls("pong").isEmpty && $0.controls("error").count >= 2 }
                #expect(try await client.createLead(other, phone: "+15550009999").status == .created)
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(probing.events.isEmpty)
            // Logging out ends the socket at its next check.
            let loggedOut = try await EventClient.connect(port: port, token: owner.token) { socket, _ in
                await socket.wait("subscribed") { !$0.controls("subscribed").isEmpty }
                let logout = try await client.call(.post, "/api/auth/logout", token: owner.token, json: "{}")
                #expect(logout.status == .ok)
                await socket.wait("closed after logout") { $0.closed.withLock { $0 } != nil }
            }
            #expect(loggedOut.closed.withLock { $0 } != nil)
        }
    }

    @Test("a client that stops reading is cut off (1013) once its queue is full, after the events it had, in order; others hear everything")
    func stalledClient() async throws {
        var app = TestApp()
        app.configuration.eventSocketQueue = 16
        try await app.serve { client in
            let owner = try await client.register("Owner")
            let notes = String(repeating: "n", count: 9_000)
            // A client with a 4 KB window that reads nothing once its upgrade is sent.
            let stalled = try RawConnection(port: client.port, receiveBuffer: 4096)
            stalled.send(
                "GET /api/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer \(owner.token)\r\n\r\n")
            // Enough to fill what the kernel may buffer for the socket (its largest send buffer), NIO's
            // share (256 KB) and the queue, with room to spare.
            let kernel = (try? String(contentsOfFile: "/proc/sys/net/ipv4/tcp_wmem", encoding: .utf8))
                .flatMap { $0.split(whereSeparator: \.isWhitespace).last.flatMap { Int($0) } } ?? 4 << 20
            let leads = (kernel + 256 * 1024) / 9_000 * 3 / 2 + 32
            let reading = try await EventClient.connect(port: client.port, token: owner.token) { socket, _ in
                await socket.wait("subscribed") { !$0.controls("subscribed").isEmpty }
                for index in 0..<leads {
                    let phone = "+1555100" + String(format: "%04d", index)
                    let created = try await client.createLead(owner, phone: phone, extra: #","notes":"\#(notes)""#)
                    #expect(created.status == .created)
                }
                await socket.wait("every lead", timeout: .seconds(20)) { $0.events("lead.created").count == leads }
            }
            #expect(reading.events("lead.created").count == leads, "a client that reads hears every event")

            // Now the stalled client reads: what was sent before the cut, then a close frame with 1013.
            let bytes = await stalled.bytes(timeout: 15) { received in
                WebSocketFrames(received).frames.contains { $0.opcode == 0x8 }
            }
            let frames = WebSocketFrames(bytes)
            #expect(frames.status == 101)
            let close = try #require(frames.frames.last, "the server closed the socket")
            #expect(close.opcode == 0x8 && close.closeCode == 1013, "closed as too far behind: \(close.opcode) \(close.closeCode ?? 0), \(frames.frames.count) frames, \(bytes.count) bytes")
            let events = frames.frames.dropLast().compactMap { try? JSONParser.parse($0.payload) }.filter { $0["id"] != nil }
            let created = events.filter { $0["type"]?.text == "lead.created" }
            #expect(created.count < leads, "it was cut off before hearing every event (\(created.count))")
            let ids = events.compactMap { $0["id"]?.text }.compactMap(EventSequence.init(id:))
            #expect(ids == ids.sorted(), "the events it had came in order")
        }
    }
}

/// A server's WebSocket frames after its upgrade answer, as a raw client reads them.
struct WebSocketFrames {
    struct Frame {
        let opcode: UInt8
        let payload: [UInt8]
        var closeCode: Int? { payload.count >= 2 ? Int(payload[0]) << 8 | Int(payload[1]) : nil }
    }

    var status: Int?
    var frames: [Frame] = []

    init(_ bytes: [UInt8]) {
        let end = Array("\r\n\r\n".utf8)
        guard let headEnd = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<($0 + 4)]) == end }) else { return }
        status = RawConnection.status(String(decoding: bytes[..<headEnd], as: UTF8.self))
        var at = headEnd + 4
        while at + 2 <= bytes.count {
            let opcode = bytes[at] & 0x0F
            var length = Int(bytes[at + 1] & 0x7F)
            var start = at + 2
            if length == 126 {
                guard start + 2 <= bytes.count else { return }
                length = Int(bytes[start]) << 8 | Int(bytes[start + 1])
                start += 2
            } else if length == 127 {
                guard start + 8 <= bytes.count else { return }
                length = bytes[start..<(start + 8)].reduce(0) { $0 << 8 | Int($1) }
                start += 8
            }
            guard start + length <= bytes.count else { return }
            frames.append(Frame(opcode: opcode, payload: Array(bytes[start..<(start + length)])))
            at = start + length
        }
    }
}
