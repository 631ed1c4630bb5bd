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
}
