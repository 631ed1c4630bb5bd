import Foundation
import FrontdeskCore
@testable import FrontdeskProviders
@testable import FrontdeskServer
import FrontdeskSimulator
import HTTPTypes
import Testing

@Suite("E-mail through Postmark, Resend or SendGrid: each provider's wire format, sent once, failures recorded")
struct EmailProviderTests {
    @Test("a password reset goes out through each provider's API, with its key and fields, and is recorded sent", arguments: HTTPEmailSender.Provider.allCases)
    func passwordReset(provider: HTTPEmailSender.Provider) async throws {
        let standIn = try await EmailStandIn.start()
        defer { standIn.stop() }
        var app = TestApp()
        app.configuration.email = EmailSettings(provider: provider, apiKey: standIn.apiKey, from: "Frontdesk <desk@example.com>", baseURL: standIn.baseURL)
        try await app.run { client in
            let owner = try await client.register("Owner")
            #expect(try await client.call(.post, "/api/auth/forgot-password", json: #"{"email":"\#(owner.email)"}"#).status == .ok)
            let mail = try #require(standIn.accepted.first)
            #expect(standIn.accepted.count == 1)
            #expect(mail.provider == provider.rawValue)
            #expect(mail.to == [owner.email])
            #expect(mail.from == (provider == .sendgrid ? "desk@example.com" : "Frontdesk <desk@example.com>"))
            #expect(mail.subject == "Reset your Frontdesk password")
            #expect(mail.text.contains("Your reset token"))
            #expect((provider == .resend) == (mail.idempotencyKey != nil))
            let logged = try await client.call(.get, "/api/emails?business_id=\(owner.businessId)", token: owner.token).list("messages")
            let stored = try #require(logged.first { $0["subject"] as? String == "Reset your Frontdesk password" })
            #expect(stored["status"] as? String == "sent")
            #expect(stored["provider"] as? String == provider.rawValue)
            #expect(stored["provider_message_id"] as? String == mail.id)
        }
    }

    @Test("a 429 is tried again; a 5xx after sending is recorded unconfirmed and not repeated; a refusal is recorded failed")
    func failures() async throws {
        let standIn = try await EmailStandIn.start()
        defer { standIn.stop() }
        var app = TestApp()
        app.configuration.email = EmailSettings(provider: .postmark, apiKey: standIn.apiKey, from: "desk@example.com", baseURL: standIn.baseURL)
        try await app.run { client in
            let owner = try await client.register("Owner")
            func send(_ subject: String) async throws -> [String: Any] {
                let sent = try await client.call(
                    .post, "/api/emails", token: owner.token,
                    json: #"{"business_id":"\#(owner.businessId)","to":"client@example.com","subject":"\#(subject)","content":"Hello"}"#)
                #expect(sent.status == .created, "\(sent.json)")
                return sent.data
            }
            let before = standIn.requests
            standIn.fail(next: 1, status: 429)
            #expect(try await send("After a 429")["status"] as? String == "sent")
            #expect(standIn.requests == before + 2 && standIn.accepted.count == 1)

            standIn.fail(next: 1, status: 503)
            let uncertain = try await send("After a 503")
            #expect(uncertain["status"] as? String == "unconfirmed")
            #expect((uncertain["error"] as? String)?.contains("not sent again") == true)
            #expect(standIn.requests == before + 3, "a 5xx after sending is not repeated")

            standIn.fail(next: 1, status: 422)
            #expect(try await send("Refused")["status"] as? String == "failed")
            #expect(standIn.accepted.count == 1)
        }

        // A wrong key: every message is refused (401) and recorded failed; the server keeps answering.
        var wrongKey = TestApp()
        wrongKey.configuration.email = EmailSettings(provider: .resend, apiKey: "not-the-key", from: "desk@example.com", baseURL: standIn.baseURL)
        try await wrongKey.run { client in
            let owner = try await client.register("Owner")
            let sent = try await client.call(
                .post, "/api/emails", token: owner.token,
                json: #"{"business_id":"\#(owner.businessId)","to":"client@example.com","subject":"Hi","content":"Hello"}"#)
            #expect(sent.status == .created)
            #expect(sent.data["status"] as? String == "failed")
        }
    }

    @Test("EMAIL_PROVIDER needs EMAIL_API_KEY and a usable EMAIL_FROM; an unknown provider is named")
    func configuration() throws {
        let config = try AppConfiguration.fromEnvironment([
            "EMAIL_PROVIDER": "SendGrid", "EMAIL_API_KEY": "k", "EMAIL_FROM": "Desk <desk@example.com>", "EMAIL_API_BASE": "http://127.0.0.1:9",
        ])
        #expect(config.email?.provider == .sendgrid)
        #expect(config.email?.baseURL?.absoluteString == "http://127.0.0.1:9")
        #expect(try AppConfiguration.fromEnvironment([:]).email == nil)
        for (environment, variable) in [
            (["EMAIL_PROVIDER": "mailchimp"], "EMAIL_PROVIDER"),
            (["EMAIL_PROVIDER": "postmark", "EMAIL_FROM": "desk@example.com"], "EMAIL_API_KEY"),
            (["EMAIL_PROVIDER": "postmark", "EMAIL_API_KEY": "k"], "EMAIL_FROM"),
            (["EMAIL_PROVIDER": "postmark", "EMAIL_API_KEY": "k", "EMAIL_FROM": "not an address"], "EMAIL_FROM"),
        ] {
            #expect {
                try AppConfiguration.fromEnvironment(environment)
            } throws: { error in
                (error as? ConfigurationError)?.variable == variable
            }
        }
    }
}
