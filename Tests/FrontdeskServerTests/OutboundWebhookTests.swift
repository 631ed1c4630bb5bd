import Foundation
import FrontdeskCore
import FrontdeskProviders
@testable import FrontdeskServer
import FrontdeskSimulator
import FrontdeskStore
import FrontdeskWire
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing

@Suite("Outbound webhooks: signed deliveries, retries, the delivery log, replay, auto-disable, SSRF refusal")
struct OutboundWebhookTests {
    @Test("Standard Webhooks' published test vector, and the seed's X-Signature")
    func signingVector() {
        // From the Standard Webhooks specification's reference libraries.
        let signature = WebhookSigning.standardSignature(
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330,
            body: Array(#"{"test": 2432232314}"#.utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(
            WebhookSigning.verifyStandard(
                secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330,
                body: Array(#"{"test": 2432232314}"#.utf8), header: "v1,bm90IGl0 " + signature!))
        #expect(
            !WebhookSigning.verifyStandard(
                secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_331,
                body: Array(#"{"test": 2432232314}"#.utf8), header: signature!))
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), as the seed's Node snippet computes it.
        #expect(
            WebhookSigning.seedSignature(secret: "key", body: Array("The quick brown fox jumps over the lazy dog".utf8))
                == "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")
        let secret = WebhookSigning.newSecret()
        #expect(secret.hasPrefix("whsec_") && Data(base64Encoded: String(secret.dropFirst(6)))?.count == 24)
    }

    @Test("loopback, private, link-local, CGNAT, mapped and unique-local addresses are refused; public ones pass")
    func addressPolicy() async throws {
        for address in [
            "127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
            "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2002:7f00:1::1",
        ] {
            #expect(OutboundURLPolicy.isNonPublic(address), "\(address)")
        }
        for address in ["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:2800:220:1:248:1893:25c8:1946", "100.128.0.1"] {
            #expect(!OutboundURLPolicy.isNonPublic(address), "\(address)")
        }
        // A name is checked by what it resolves to: one private address among public ones is enough to refuse.
        let policy = OutboundURLPolicy(allowPrivate: false) { host in host == "sneaky.example" ? ["93.184.216.34", "10.0.0.5"] : ["93.184.216.34"] }
        await #expect(throws: OutboundURLPolicy.Refusal.privateAddress("10.0.0.5")) { try await policy.check("https://sneaky.example/hook") }
        try await policy.check("https://hooks.example.com/frontdesk")
        await #expect(throws: OutboundURLPolicy.Refusal.self) { try await policy.check("https://user:pw@hooks.example.com/") }
        await #expect(throws: OutboundURLPolicy.Refusal.self) { try await policy.check("ftp://hooks.example.com/") }
        await #expect(throws: OutboundURLPolicy.Refusal.self) { try await policy.check("http://[::1]:8080/") }
        try await OutboundURLPolicy(allowPrivate: true).check("http://127.0.0.1:9/")
    }

    @Test("an endpoint gets its business's events signed, the secret is shown once, and the log shows each attempt")
    func signedDelivery() async throws {
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        let app = TestApp()
        try await app.serve { client in
            let owner = try await client.register("Owner")
            let other = try await client.register("Other")
            let created = try await client.call(
                .post, "/api/webhooks", token: owner.token,
                json: #"{"business_id":"\#(owner.businessId)","url":"\#(receiver.url)","events":["lead.created","lead.qualified"],"description":"CRM sync"}"#)
            #expect(created.status == .created, "\(created.json)")
            let secret = try #require(created["secret"] as? String)
            #expect(secret.hasPrefix("whsec_"))
            #expect(created["events"] as? [String] == ["lead.created", "lead.qualified"])
            let id = try #require(created["id"] as? String)
            let shown = try await client.call(.get, "/api/webhooks/\(id)", token: owner.token)
            #expect(shown.status == .ok)
            #expect(shown["secret"] == nil, "the secret is shown once")
            #expect(try await client.call(.get, "/api/webhooks/\(id)", token: other.token).status == .notFound)
            #expect(try await client.call(.get, "/api/webhooks?business_id=\(owner.businessId)", token: other.token).status == .notFound)

            // The other tenant's lead is not the owner's event; an update is not a type the endpoint wants.
            #expect(try await client.createLead(other, phone: "+15550009999").status == .created)
            let lead = try await client.createLead(owner, name: "Jane Roe")
            let leadId = try #require(lead["id"] as? String)
            #expect(try await client.call(.put, "/api/leads/\(leadId)", token: owner.token, json: #"{"notes":"called back"}"#).status == .ok)
            let got = try #require(await receiver.wait { $0.count >= 1 })
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.deliveries.count == 1, "only the owner's lead.created: \(receiver.deliveries.map(\.event))")
            let delivery = try #require(got.first)
            #expect(delivery.event == "lead.created")
            #expect(delivery.data["id"]?.text == leadId)
            #expect(delivery.data["name"]?.text == "Jane Roe")
            #expect(delivery.json["timestamp"]?.text != nil)
            #expect(delivery.json["id"]?.text == delivery.webhookId)
            #expect(delivery.verifies(secret: secret))
            #expect(!delivery.verifies(secret: WebhookSigning.newSecret()))

            let log = try await client.call(.get, "/api/webhooks/\(id)/deliveries", token: owner.token)
            let row = try #require(log.list("deliveries").first)
            #expect(row["status"] as? String == "succeeded")
            #expect(row["event_type"] as? String == "lead.created")
            #expect(row["event_id"] as? String == delivery.webhookId)
            #expect(row["last_status_code"] as? Int == 200)
            #expect(row["attempts"] as? Int == 1)
            #expect((row["last_latency_ms"] as? Double).map { $0 >= 0 } == true)
            let detail = try await client.call(.get, "/api/webhooks/\(id)/deliveries/\(row["id"] as! String)", token: owner.token)
            #expect((detail["attempt_log"] as? [[String: Any]])?.first?["status_code"] as? Int == 200)
            #expect(
                try await client.call(.get, "/api/webhooks/\(id)/deliveries/\(row["id"] as! String)", token: other.token).status == .notFound)

            // Deleting the endpoint stops its deliveries.
            #expect(try await client.call(.delete, "/api/webhooks/\(id)", token: owner.token).status == .ok)
            #expect(try await client.createLead(owner, phone: "+15550001111").status == .created)
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.deliveries.count == 1)
        }
    }

    @Test("a failing receiver is retried on the schedule, a replay sends again, and a day of failures disables the endpoint")
    func retriesReplayAndDisable() async throws {
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        var app = TestApp()
        app.webhookRetries = WebhookRetrySchedule(waits: [.seconds(60), .seconds(600)])
        try await app.serve { client in
            let owner = try await client.register("Owner")
            let created = try await client.call(
                .post, "/api/webhooks", token: owner.token, json: #"{"business_id":"\#(owner.businessId)","url":"\#(receiver.url)"}"#)
            #expect(created["events"] as? [String] == ["*"])
            let id = try #require(created["id"] as? String)
            let secret = try #require(created["secret"] as? String)

            // First attempt fails; nothing more until the retry is due (the test clock decides).
            receiver.failuresToGive.withLock { $0 = 1 }
            #expect(try await client.createLead(owner).status == .created)
            #expect(await receiver.wait { $0.count == 1 } != nil)
            try await eventually("the failure recorded") {
                try await client.call(.get, "/api/webhooks/\(id)/deliveries", token: owner.token).list("deliveries").first?["attempts"] as? Int == 1
            }
            try await Task.sleep(for: .milliseconds(1500))
            #expect(receiver.deliveries.count == 1, "the retry waits for its time")
            var log = try await client.call(.get, "/api/webhooks/\(id)/deliveries", token: owner.token)
            var row = try #require(log.list("deliveries").first)
            #expect(row["status"] as? String == "pending")
            #expect(row["last_status_code"] as? Int == 500)
            #expect(row["next_attempt_at"] as? String != nil)
            client.clock.advance(seconds: 61)
            let both = try #require(await receiver.wait { $0.count == 2 })
            #expect(both[0].webhookId == both[1].webhookId, "a retry carries the same webhook-id")
            #expect(both.allSatisfy { $0.verifies(secret: secret) })
            try await eventually("the retry is logged") {
                let log = try await client.call(.get, "/api/webhooks/\(id)/deliveries", token: owner.token)
                return log.list("deliveries").first?["status"] as? String == "succeeded"
            }

            // A manual replay sends it once more, with the same id.
            let deliveryId = try #require(row["id"] as? String)
            let replay = try await client.call(.post, "/api/webhooks/\(id)/deliveries/\(deliveryId)/replay", token: owner.token)
            #expect(replay.status == .accepted, "\(replay.json)")
            let three = try #require(await receiver.wait { $0.count == 3 })
            #expect(three[2].webhookId == three[0].webhookId)
            try await eventually("the replay's success recorded") {
                try await client.call(.get, "/api/webhooks/\(id)/deliveries", token: owner.token).list("deliveries").first?["attempts"] as? Int == 3
            }

            // A receiver down for the whole schedule: the delivery fails and the endpoint turns off.
            receiver.failing.withLock { $0 = true }
            client.clock.advance(seconds: 1)
            #expect(try await client.createLead(owner, phone: "+15550002222").status == .created)
            /// Waits until the newest delivery's attempts are recorded (its retry time is set from the clock then).
            @Sendable func recorded(_ attempts: Int) async throws {
                try await eventually("attempt \(attempts) recorded") {
                    let newest = try await client.call(.get, "/api/webhooks/\(id)/deliveries", token: owner.token).list("deliveries").first
                    return newest?["attempts"] as? Int == attempts
                }
            }
            #expect(await receiver.wait { $0.count == 4 } != nil)
            try await recorded(1)
            client.clock.advance(seconds: 61)
            #expect(await receiver.wait { $0.count == 5 } != nil)
            try await recorded(2)
            client.clock.advance(seconds: 601)
            #expect(await receiver.wait { $0.count == 6 } != nil)
            try await eventually("the endpoint is disabled") {
                try await client.call(.get, "/api/webhooks/\(id)", token: owner.token)["status"] as? String == "disabled"
            }
            let endpoint = try await client.call(.get, "/api/webhooks/\(id)", token: owner.token)
            #expect((endpoint["disabled_reason"] as? String)?.contains("failed") == true)
            log = try await client.call(.get, "/api/webhooks/\(id)/deliveries?status=failed", token: owner.token)
            row = try #require(log.list("deliveries").first)
            #expect(row["attempts"] as? Int == 3)
            let detail = try await client.call(.get, "/api/webhooks/\(id)/deliveries/\(row["id"] as! String)", token: owner.token)
            #expect((detail["attempt_log"] as? [[String: Any]])?.map { $0["status_code"] as? Int } == [500, 500, 500])
            // Disabled: nothing is sent, a replay is refused until it is turned back on.
            #expect(try await client.createLead(owner, phone: "+15550003333").status == .created)
            try await Task.sleep(for: .milliseconds(500))
            #expect(receiver.deliveries.count == 6)
            #expect(
                try await client.call(.post, "/api/webhooks/\(id)/deliveries/\(row["id"] as! String)/replay", token: owner.token).status
                    == .unprocessableContent)
            receiver.failing.withLock { $0 = false }
            #expect(try await client.call(.put, "/api/webhooks/\(id)", token: owner.token, json: #"{"status":"active"}"#)["status"] as? String == "active")
            #expect(
                try await client.call(.post, "/api/webhooks/\(id)/deliveries/\(row["id"] as! String)/replay", token: owner.token).status == .accepted)
            // (Events made while it was off — the admins' notification and its email — may be sent now too.)
            let replayed = row["event_id"] as? String
            if await receiver.wait(timeout: .seconds(30), until: { $0.dropFirst(6).contains { $0.webhookId == replayed } }) == nil {
                let detail = try await client.call(.get, "/api/webhooks/\(id)/deliveries/\(row["id"] as! String)", token: owner.token)
                Issue.record("the replay after turning the endpoint back on was not delivered: \(detail.data)")
            }
        }
    }

    @Test("endpoints to private addresses are refused without FRONTDESK_WEBHOOKS_ALLOW_PRIVATE; bad bodies get field errors")
    func validation() async throws {
        var app = TestApp()
        app.configuration.webhooksAllowPrivate = false
        try await app.run { client in
            let owner = try await client.register("Owner")
            for url in ["http://127.0.0.1:8080/hook", "http://169.254.169.254/latest/meta-data", "http://[::1]/x", "http://10.0.0.7/",
                        "ftp://example.com/", "not a url", "http://localhost:9/"] {
                let refused = try await client.call(
                    .post, "/api/webhooks", token: owner.token, json: #"{"business_id":"\#(owner.businessId)","url":"\#(url)"}"#)
                #expect(refused.status == .unprocessableContent, "\(url): \(refused.json)")
                #expect(refused.details["url"] != nil, "\(url)")
            }
            let unknownType = try await client.call(
                .post, "/api/webhooks", token: owner.token,
                json: #"{"business_id":"\#(owner.businessId)","url":"https://hooks.example.com/","events":["lead.exploded"]}"#)
            #expect(unknownType.status == .unprocessableContent)
            #expect(unknownType.details["events"] != nil)
            let empty = try await client.call(
                .post, "/api/webhooks", token: owner.token,
                json: #"{"business_id":"\#(owner.businessId)","url":"https://hooks.example.com/","events":[]}"#)
            #expect(empty.status == .unprocessableContent)
            #expect(try await client.call(.post, "/api/webhooks", token: owner.token, json: #"{"url":5}"#).status.code / 100 == 4)
            #expect(try await client.call(.get, "/api/webhooks/whk_nothing", token: owner.token).status == .notFound)
            #expect(try await client.call(.get, "/api/webhooks?business_id=\(owner.businessId)").status == .unauthorized)
        }
    }
}
