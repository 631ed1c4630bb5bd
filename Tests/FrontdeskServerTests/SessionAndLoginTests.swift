import Foundation
import FrontdeskCore
@testable import FrontdeskServer
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Logins end when they are revoked; guessing is slowed; weak passwords are refused")
struct SessionAndLoginTests {
    func login(_ client: TestApp.Client, _ email: String, _ password: String = "correct horse") async throws -> APIResult {
        try await client.call(.post, "/api/auth/login", json: #"{"email":"\#(email)","password":"\#(password)"}"#)
    }

    @Test("log-out ends that login's access and refresh tokens at once; another login goes on")
    func logout() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register()
            let other = try await login(client, tenant.email)
            let otherToken = try #require(other["token"] as? String)
            #expect(try await client.call(.post, "/api/auth/logout", token: tenant.token).status == .ok)
            let after = try await client.call(.get, "/api/businesses", token: tenant.token)
            #expect(after.status == .unauthorized)
            #expect(after.code == "AUTH_INVALID_TOKEN")
            #expect(try await client.call(.post, "/api/auth/refresh", json: #"{"refresh_token":"\#(tenant.refreshToken)"}"#).status == .unauthorized)
            #expect(try await client.call(.get, "/api/businesses", token: otherToken).status == .ok)
        }
    }

    @Test("refresh-token reuse revokes the login's access tokens too, not only its refresh tokens")
    func reuseRevokesAccess() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register()
            let rotated = try await client.call(.post, "/api/auth/refresh", json: #"{"refresh_token":"\#(tenant.refreshToken)"}"#)
            let newAccess = try #require(rotated["token"] as? String)
            #expect(try await client.call(.get, "/api/auth/me", token: newAccess).status == .ok)
            let reuse = try await client.call(.post, "/api/auth/refresh", json: #"{"refresh_token":"\#(tenant.refreshToken)"}"#)
            #expect(reuse.status == .unauthorized)
            #expect(try await client.call(.get, "/api/auth/me", token: newAccess).status == .unauthorized)
            #expect(try await client.call(.get, "/api/auth/me", token: tenant.token).status == .unauthorized)
        }
    }

    @Test("a password reset ends every login's access tokens at once")
    func resetRevokesAccess() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register()
            _ = try await client.call(.post, "/api/auth/forgot-password", json: #"{"email":"\#(tenant.email)"}"#)
            let emails = try await client.call(.get, "/api/emails?business_id=\(tenant.businessId)", token: tenant.token)
            let body = try #require(emails.list("messages").first?["body"] as? String)
            let token = try #require(body.split(separator: " ").first { $0.hasPrefix("reset_") }.map { String($0.prefix(70)) })
            #expect(try await client.call(.post, "/api/auth/reset-password", json: #"{"token":"\#(token)","password":"brand new pass"}"#).status == .ok)
            let old = try await client.call(.get, "/api/businesses", token: tenant.token)
            #expect(old.status == .unauthorized)
        }
    }

    @Test("a deleted account's token is refused everywhere")
    func deletedAccount() async throws {
        let app = TestApp()
        try await app.run { client in
            let tenant = try await client.register()
            // The token has just been accepted (its login remembered as valid for up to a second) …
            #expect(try await client.call(.get, "/api/auth/me", token: tenant.token).status == .ok)
            try await app.execute(
                sqlite: "DELETE FROM users WHERE id = '\(tenant.userId)'", postgres: "DELETE FROM users WHERE id = '\(tenant.userId)'")
            // … and an account deleted outside the API is refused within that second.
            try await Task.sleep(for: .milliseconds(1100))
            for path in ["/api/businesses", "/api/auth/me", "/api/leads?business_id=\(tenant.businessId)"] {
                let answer = try await client.call(.get, path, token: tenant.token)
                #expect(answer.status == .unauthorized, "\(path)")
            }
        }
    }

    @Test("failed logins per account: free at first, then a growing wait (429, Retry-After) even from new addresses; the owner is emailed; the real password works after the wait")
    func throttle() async throws {
        let app = TestApp()
        try await app.run { client in
            let tenant = try await client.register()
            for _ in 0..<LoginThrottle.freeFailures {
                #expect(try await login(client, tenant.email, "wrong password").status == .unauthorized)
            }
            let throttled = try await login(client, tenant.email.uppercased(), "wrong password")
            #expect(throttled.status == .tooManyRequests)
            #expect(Int(throttled.headers[.retryAfter] ?? "") == 1)
            #expect(try await login(client, tenant.email).status == .tooManyRequests, "the right password waits too")
            var failures = LoginThrottle.freeFailures
            while failures < LoginThrottle.notifyAt {
                app.clock.advance(seconds: LoginThrottle.delay(after: failures))
                #expect(try await login(client, tenant.email, "wrong password").status == .unauthorized)
                failures += 1
            }
            let wait = try await login(client, tenant.email, "wrong password")
            #expect(Int(wait.headers[.retryAfter] ?? "") == Int(LoginThrottle.delay(after: failures)))
            let emails = try await client.call(.get, "/api/emails?business_id=\(tenant.businessId)", token: tenant.token)
            #expect(emails.list("messages").contains { ($0["subject"] as? String)?.contains("Failed logins") == true })
            app.clock.advance(seconds: LoginThrottle.delay(after: failures))
            #expect(try await login(client, tenant.email).status == .ok)
            #expect(try await login(client, tenant.email, "wrong password").status == .unauthorized, "a success starts the count again")
        }
        #expect(LoginThrottle.delay(after: 250) == LoginThrottle.maxDelay)
    }

    @Test("common and guessable passwords are refused with a clear message; a passphrase is fine")
    func weakPasswords() async throws {
        try await TestApp().run { client in
            for weak in ["password", "12345678", "aaaaaaaa", "Password1", "qwertyuiop", "abcdefgh", "87654321", "abababab", "Welcome1!", "dragon2024"] {
                let answer = try await client.call(
                    .post, "/api/auth/register", json: #"{"email":"w\#(UUID().uuidString.prefix(6))@example.com","password":"\#(weak)","business_name":"Weak"}"#)
                #expect(answer.status == .unprocessableContent, "\(weak)")
                #expect(answer.details["password"]?.first?.isEmpty == false, "\(weak): \(answer.json)")
            }
            let own = try await client.call(.post, "/api/auth/register", json: #"{"email":"maria.lopez@example.com","password":"maria.lopez!","business_name":"Own"}"#)
            #expect(own.details["password"] == ["must not contain your email address"])
            let fine = try await client.call(.post, "/api/auth/register", json: #"{"email":"ok@example.com","password":"plum tree at noon","business_name":"Fine"}"#)
            #expect(fine.status == .created)
        }
    }
}

@Suite("Health is never throttled and says when it is unhealthy")
struct HealthTests {
    @Test("health answers 200 after the caller's limit is spent, with no rate-limit headers")
    func neverRateLimited() async throws {
        try await TestApp(limits: RateLimits(authenticated: 1000, anonymous: 2, webhooks: 10)).run { client in
            _ = try await client.call(.get, "/api/nope")
            _ = try await client.call(.get, "/api/nope")
            #expect(try await client.call(.get, "/api/nope").status == .tooManyRequests)
            for _ in 0..<20 {
                let health = try await client.call(.get, "/api/health")
                #expect(health.status == .ok)
                #expect(health.headers[HTTPField.Name("X-RateLimit-Limit")!] == nil)
            }
            #expect(try await client.call(.get, "/api/openapi.json").status == .ok)
        }
    }

    @Test("an unhealthy database answers 503 with success false, SERVICE_UNAVAILABLE and the failed check")
    func unhealthy() async throws {
        let app = TestApp()
        try await app.run { client in
            try await app.execute(
                sqlite: "DELETE FROM grdb_migrations WHERE identifier = 'v9-unreadable-appointment-dates'",
                postgres: "DELETE FROM frontdesk_migrations WHERE id = 'pg1-initial'")
            let health = try await client.call(.get, "/api/health")
            #expect(health.status == .serviceUnavailable)
            #expect(health.json["success"] as? Bool == false)
            #expect(health.code == "SERVICE_UNAVAILABLE")
            #expect(health["overall"] as? String == "unhealthy")
            #expect((health.json["error"] as? String)?.contains("migrations") == true)
        }
    }
}
