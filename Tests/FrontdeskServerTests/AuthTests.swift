import Foundation
import FrontdeskServer
import HTTPTypes
import Testing

@Suite("Accounts and tokens")
struct AuthTests {
    @Test("a new owner registers, logs in, and sees themself and their business")
    func registerLoginMe() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register("Ada")
            let login = try await client.call(
                .post, "/api/auth/login", json: #"{"email":"\#(tenant.email)","password":"correct horse"}"#)
            #expect(login.status == .ok)
            #expect(login["expires_in"] as? Int == 3600)
            #expect(login["user.role"] as? String == "admin")
            #expect(login["user.business_id"] as? String == tenant.businessId)
            let me = try await client.call(.get, "/api/auth/me", token: login["token"] as? String)
            #expect(me["user.email"] as? String == tenant.email)
            #expect((me.data["memberships"] as? [[String: Any]])?.first?["business_id"] as? String == tenant.businessId)
        }
    }

    @Test("a wrong password, an unknown email and a taken email are refused clearly")
    func refusals() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register()
            let wrong = try await client.call(.post, "/api/auth/login", json: #"{"email":"\#(tenant.email)","password":"wrong password"}"#)
            #expect(wrong.status == .unauthorized)
            #expect(wrong.code == "AUTH_INVALID_CREDENTIALS")
            let unknown = try await client.call(.post, "/api/auth/login", json: #"{"email":"nobody@example.com","password":"whatever1"}"#)
            #expect(unknown.status == .unauthorized)
            let taken = try await client.call(
                .post, "/api/auth/register",
                json: #"{"email":"\#(tenant.email.uppercased())","password":"another pass","business_name":"Again"}"#)
            #expect(taken.status == .conflict)
            #expect(taken.code == "RESOURCE_ALREADY_EXISTS")
        }
    }

    @Test("registration validation names every bad field")
    func registrationValidation() async throws {
        try await TestApp().run { client in
            let result = try await client.call(
                .post, "/api/auth/register", json: #"{"email":"not-an-email","password":"short","business_name":"  "}"#)
            #expect(result.status == .unprocessableContent)
            #expect(result.code == "VALIDATION_ERROR")
            #expect(Set(result.details.keys) == ["email", "password", "business_name"])
            let missing = try await client.call(.post, "/api/auth/register", json: #"{"email":"a@b.co","password":"long enough"}"#)
            #expect(missing.status == .unprocessableContent)
            #expect(missing.details["business_name"] == ["is required"])
        }
    }

    @Test("no token, a tampered token and an expired token are all 401 with the right code")
    func badTokens() async throws {
        let clock = TestClock()
        try await TestApp(clock: clock).run { client in
            let tenant = try await client.register()
            let path = "/api/leads?business_id=\(tenant.businessId)"
            let none = try await client.call(.get, path)
            #expect(none.status == .unauthorized)
            #expect(none.code == "AUTH_REQUIRED")
            var parts = tenant.token.split(separator: ".").map(String.init)
            // One character of the claims changed (a middle one: every bit of it is payload).
            var claims = Array(parts[1])
            let middle = claims.count / 2
            claims[middle] = claims[middle] == "A" ? "B" : "A"
            parts[1] = String(claims)
            let tampered = try await client.call(.get, path, token: parts.joined(separator: "."))
            #expect(tampered.status == .unauthorized)
            #expect(tampered.code == "AUTH_INVALID_TOKEN")
            let basic = try await client.call(.get, path, headers: [.authorization: "Basic abc"])
            #expect(basic.code == "AUTH_INVALID_TOKEN")
            #expect(try await client.call(.get, path, token: tenant.token).status == .ok)
            clock.advance(seconds: 3601)
            let expired = try await client.call(.get, path, token: tenant.token)
            #expect(expired.status == .unauthorized)
            #expect(expired.code == "AUTH_INVALID_TOKEN")
            #expect((expired.json["error"] as? String)?.contains("expired") == true)
        }
    }

    @Test("a refresh token rotates; using an old one revokes the whole login")
    func refreshReuse() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register()
            let first = try await client.call(.post, "/api/auth/refresh", json: #"{"refresh_token":"\#(tenant.refreshToken)"}"#)
            #expect(first.status == .ok)
            let second = first["refresh_token"] as! String
            #expect(second != tenant.refreshToken)
            #expect(try await client.call(.get, "/api/auth/me", token: first["token"] as? String).status == .ok)
            // The old token comes back (stolen?): refused, and its successor dies with it.
            let reuse = try await client.call(.post, "/api/auth/refresh", json: #"{"refresh_token":"\#(tenant.refreshToken)"}"#)
            #expect(reuse.status == .unauthorized)
            #expect(reuse.code == "AUTH_INVALID_TOKEN")
            let successor = try await client.call(.post, "/api/auth/refresh", json: #"{"refresh_token":"\#(second)"}"#)
            #expect(successor.status == .unauthorized)
        }
    }

    @Test("forgot password sends a single-use token through the outbox; the old password stops working")
    func passwordReset() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register()
            let forgot = try await client.call(.post, "/api/auth/forgot-password", json: #"{"email":"\#(tenant.email)"}"#)
            #expect(forgot.status == .ok)
            let unknown = try await client.call(.post, "/api/auth/forgot-password", json: #"{"email":"nobody@example.com"}"#)
            #expect(unknown.status == .ok, "the answer does not reveal whether an account exists")
            #expect(unknown.json["message"] as? String == forgot.json["message"] as? String)

            let emails = try await client.call(.get, "/api/emails?business_id=\(tenant.businessId)", token: tenant.token)
            let email = try #require(emails.list("messages").first)
            #expect(email["status"] as? String == "outbox")
            #expect(email["to"] as? String == tenant.email)
            let body = try #require(email["body"] as? String)
            let token = try #require(body.split(separator: " ").first { $0.hasPrefix("reset_") }.map { String($0.prefix(70)) })

            let reset = try await client.call(.post, "/api/auth/reset-password", json: #"{"token":"\#(token)","password":"brand new pass"}"#)
            #expect(reset.status == .ok)
            let again = try await client.call(.post, "/api/auth/reset-password", json: #"{"token":"\#(token)","password":"another new pass"}"#)
            #expect(again.status == .unprocessableContent)
            #expect(again.details["token"] != nil)
            let old = try await client.call(.post, "/api/auth/login", json: #"{"email":"\#(tenant.email)","password":"correct horse"}"#)
            #expect(old.status == .unauthorized)
            let new = try await client.call(.post, "/api/auth/login", json: #"{"email":"\#(tenant.email)","password":"brand new pass"}"#)
            #expect(new.status == .ok)
            let refresh = try await client.call(.post, "/api/auth/refresh", json: #"{"refresh_token":"\#(tenant.refreshToken)"}"#)
            #expect(refresh.status == .unauthorized, "a reset logs out every session")
        }
    }
}
