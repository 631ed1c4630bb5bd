import Foundation
import FrontdeskCore
@testable import FrontdeskServer
import HTTPTypes
import NIOCore
import Logging
import Synchronization
import Testing

/// What an operator runs Frontdesk with: probes for the load balancer, client addresses through a
/// proxy, logs a collector can read.
@Suite("Operations: health probes, trusted proxies, JSON logs")
struct OperationsTests {
    @Test("liveness and readiness are never rate-limited; readiness is 503 when the database is broken, liveness still 200")
    func probes() async throws {
        var configured = TestApp()
        configured.configuration.rateLimits.anonymous = 2
        let app = configured
        try await app.run { client in
            for _ in 0..<6 {
                let live = try await client.call(.get, "/api/health/live")
                #expect(live.status == .ok)
                #expect(live["status"] as? String == "alive")
                #expect(live.headers[HTTPField.Name("X-RateLimit-Limit")!] == nil)
                let ready = try await client.call(.get, "/api/health/ready")
                #expect(ready.status == .ok)
                #expect(ready["status"] as? String == "ready")
            }
            // The probes used none of the anonymous allowance: two requests pass, the third is limited.
            #expect(try await client.call(.get, "/api/leads").status == .unauthorized)
            #expect(try await client.call(.get, "/api/leads").status == .unauthorized)
            #expect(try await client.call(.get, "/api/leads").status == .tooManyRequests)

            try await app.execute(
                sqlite: "DELETE FROM grdb_migrations WHERE identifier = 'v9-unreadable-appointment-dates'",
                postgres: "DELETE FROM frontdesk_migrations WHERE id = 'pg1-initial'")
            let ready = try await client.call(.get, "/api/health/ready")
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.code == "SERVICE_UNAVAILABLE")
            #expect((ready.json["error"] as? String)?.contains("database") == true)
            #expect(try await client.call(.get, "/api/health/live").status == .ok)
        }
    }

    @Test("/metrics is never rate-limited, counts what it serves by route, and is gone with FRONTDESK_METRICS=0")
    func metricsEndpoint() async throws {
        var configured = TestApp()
        configured.configuration.rateLimits.anonymous = 2
        let app = configured
        try await app.run { client in
            for _ in 0..<5 {
                let scraped = try await client.call(.get, "/metrics")
                #expect(scraped.status == .ok)
                #expect(scraped.headers[.contentType]?.hasPrefix("text/plain") == true)
                #expect(scraped.headers[HTTPField.Name("X-RateLimit-Limit")!] == nil)
            }
            // Route templates, never raw paths: a thousand ids are one series.
            _ = try await client.call(.get, "/api/calls/call_one")
            _ = try await client.call(.get, "/api/calls/call_two")
            // Nor does a made-up method: an attacker cannot grow the series one request at a time.
            for made in ["BREW", "FROBNICATE", "X-ANYTHING"] {
                _ = try await client.call(HTTPRequest.Method(made)!, "/api/leads")
            }
            let text = String(buffer: try await client.call(.get, "/metrics").body)
            #expect(text.contains(#"route="/metrics""#))
            #expect(text.contains(#"route="/api/calls/{id}""#))
            #expect(!text.contains("call_one"))
            #expect(!text.contains("BREW") && !text.contains("FROBNICATE"))
            #expect(text.contains(#"method="other""#))
        }
        var off = TestApp()
        off.configuration.metricsEnabled = false
        try await off.run { client in
            let status = try await client.call(.get, "/metrics").status
            #expect(status == .notFound)
        }
    }

    static func forwarded(_ address: String, proto: String? = nil) -> HTTPFields {
        var fields: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: address]
        if let proto { fields[HTTPField.Name("X-Forwarded-Proto")!] = proto }
        return fields
    }

    static func expect(
        _ client: TestApp.Client, _ forwardedFor: String, _ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let answer = try await client.call(.get, "/api/leads", headers: forwarded(forwardedFor)).status
        #expect(answer == status, "forwarded for \(forwardedFor)", sourceLocation: sourceLocation)
    }

    @Test("behind a trusted proxy each forwarded client has its own rate limit; from anyone else X-Forwarded-For changes nothing")
    func trustedProxy() async throws {
        var trusted = TestApp()
        trusted.configuration.rateLimits.anonymous = 3
        trusted.configuration.connections.trustedProxies = try TrustedProxies.parse("127.0.0.1, ::1").get()
        try await trusted.run(live: true) { client in
            for _ in 0..<3 {
                try await Self.expect(client, "203.0.113.5", .unauthorized)
            }
            try await Self.expect(client, "203.0.113.5", .tooManyRequests)
            // Another caller behind the same proxy, and a caller who claims an address in the chain.
            try await Self.expect(client, "198.51.100.7", .unauthorized)
            try await Self.expect(client, "203.0.113.5, 198.51.100.8", .unauthorized)
        }

        var untrusted = TestApp()
        untrusted.configuration.rateLimits.anonymous = 3
        try await untrusted.run(live: true) { client in
            // Without a trusted proxy the header is the client's own claim: every request is the socket's.
            for index in 0..<3 {
                try await Self.expect(client, "203.0.113.\(index)", .unauthorized)
            }
            try await Self.expect(client, "203.0.113.99", .tooManyRequests)
        }
    }

    @Test("the client address is the nearest untrusted hop; garbage and spoofed hops do not move it past the proxies")
    func forwardedChains() throws {
        let proxies = try TrustedProxies.parse("10.0.0.0/8, 127.0.0.1, fd00::/8").get()
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: "203.0.113.5") == "203.0.113.5")
        // The client put a fake address first; the proxies appended the real one.
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: "1.2.3.4, 203.0.113.5, 10.1.2.3") == "203.0.113.5")
        #expect(proxies.client(peer: "10.9.9.9", forwardedFor: "2001:db8::1") == "2001:db8::1")
        #expect(proxies.client(peer: "fd12::1", forwardedFor: "203.0.113.5") == "203.0.113.5")
        #expect(proxies.client(peer: "::ffff:127.0.0.1", forwardedFor: "203.0.113.5") == "203.0.113.5")
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: "203.0.113.5, not-an-address") == "127.0.0.1")
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: nil) == "127.0.0.1")
        // A peer that is not a proxy is believed about nothing.
        #expect(proxies.client(peer: "198.51.100.1", forwardedFor: "203.0.113.5") == "198.51.100.1")
        #expect(proxies.scheme(peer: "127.0.0.1", forwardedProto: "https") == "https")
        #expect(proxies.scheme(peer: "198.51.100.1", forwardedProto: "https") == "http")
        #expect(proxies.scheme(peer: "127.0.0.1", forwardedProto: "gopher") == "http")
        #expect(!proxies.contains("11.0.0.1"))
        #expect(proxies.contains("10.255.255.255"))

        #expect(throws: ConfigurationError.self) { try AppConfiguration.fromEnvironment(["FRONTDESK_TRUSTED_PROXIES": "10.0.0.0/40"]) }
        #expect(throws: ConfigurationError.self) { try AppConfiguration.fromEnvironment(["FRONTDESK_TRUSTED_PROXIES": "localhost"]) }
        let configured = try AppConfiguration.fromEnvironment(["FRONTDESK_TRUSTED_PROXIES": "127.0.0.1,10.0.0.0/8"])
        #expect(configured.connections.trustedProxies.contains("10.2.3.4"))
    }

    @Test("JSON logs: one parseable object per line with level, message, and the request's metadata at the top level")
    func jsonLogs() throws {
        final class Lines: Sendable { let all = Mutex<[String]>([]) }
        let lines = Lines()
        let output = JSONLogHandler.Output { bytes in lines.all.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) } }
        var logger = Logger(label: "frontdesk") { label in JSONLogHandler(label: label, output: output) }
        logger[metadataKey: "request_id"] = "req_1"
        logger.info("Call \"answered\"\nnext line", metadata: ["call_id": "call_9", "turns": .array(["1", "2"]), "latency": .dictionary(["p50": "12"])])
        logger.debug("not at the default level")
        let written = lines.all.withLock { $0 }
        #expect(written.count == 1)
        let line = try #require(written.first)
        #expect(line.hasSuffix("\n") && line.dropLast().contains("\n") == false, "one line per entry")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "info")
        #expect(object["label"] as? String == "frontdesk")
        #expect(object["message"] as? String == "Call \"answered\"\nnext line")
        #expect(object["request_id"] as? String == "req_1")
        #expect(object["call_id"] as? String == "call_9")
        #expect(object["turns"] as? [String] == ["1", "2"])
        #expect((object["latency"] as? [String: Any])?["p50"] as? String == "12")
        let timestamp = try #require(object["timestamp"] as? String)
        #expect(timestamp.hasSuffix("Z") && timestamp.count == 27, "\(timestamp)")
    }
}
