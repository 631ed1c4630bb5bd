import Foundation
import FrontdeskSimulator
import FrontdeskWire
import HTTPTypes
import NIOCore
import Testing

@testable import FrontdeskServer

/// The dashboard as an attacker and a careless browser would meet it: no page without a session,
/// every form's token checked, cookies a script cannot read, another site's forms and sockets refused,
/// a strict Content-Security-Policy, escaped content, and one tenant's pages closed to another.
@Suite("The dashboard's sessions, forms and headers")
struct DashboardSecurityTests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// The form's content type and `extra`.
    static func form(_ extra: HTTPField...) -> HTTPFields {
        var fields = form
        for field in extra { fields.append(field) }
        return fields
    }

    /// The value of cookie `name` among the response's `Set-Cookie` fields, with its attributes.
    static func setCookie(_ name: String, in result: APIResult) -> String? {
        result.headers[values: .setCookie].first { $0.hasPrefix(name + "=") }
    }

    static func value(_ setCookie: String?) -> String {
        setCookie?.split(separator: ";").first.map { String($0.split(separator: "=", maxSplits: 1).last ?? "") } ?? ""
    }

    static func html(_ result: APIResult) -> String { String(buffer: result.body) }

    /// Logs in through the login form; the session cookie's value.
    static func logIn(_ client: some APICaller, email: String, password: String = "correct horse") async throws -> String {
        let page = try await client.call(.get, "/login")
        let token = value(setCookie("fd_form", in: page))
        let answer = try await client.call(
            .post, "/login", rawBody: ByteBuffer(string: "_csrf=\(token)&email=\(email.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&password=correct+horse"),
            headers: form(HTTPField(name: .cookie, value: "fd_form=\(token)")))
        #expect(answer.status == .seeOther, "\(html(answer))")
        let cookie = setCookie("fd_session", in: answer)
        #expect(cookie?.contains("HttpOnly") == true && cookie?.contains("SameSite=Strict") == true && cookie?.contains("Path=/") == true)
        return value(cookie)
    }

    static func csrf(in page: APIResult) -> String {
        let text = html(page)
        guard let range = text.range(of: #"<meta name="csrf" content=""#) else { return "" }
        return String(text[range.upperBound...].prefix { $0 != "\"" })
    }

    @Test("no page without a session: to the login page; the login form's cookie and the session cookie are HttpOnly and SameSite=Strict")
    func sessions() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register("Owner")
            let anonymous = try await client.call(.get, "/calls")
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers[.location] == "/login?next=/calls")
            let login = try await client.call(.get, "/login")
            let formCookie = try #require(Self.setCookie("fd_form", in: login))
            #expect(formCookie.contains("HttpOnly") && formCookie.contains("SameSite=Strict"))
            let csp = try #require(login.headers[.contentSecurityPolicy])
            #expect(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'"))
            #expect(login.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            #expect(login.headers[.cacheControl] == "no-store")

            // Without the form's token, or with another one, nothing is tried.
            let forged = try await client.call(
                .post, "/login", rawBody: ByteBuffer(string: "email=x%40example.com&password=whatever"), headers: Self.form)
            #expect(forged.status == .forbidden)
            #expect(Self.setCookie("fd_session", in: forged) == nil)

            let session = try await Self.logIn(client, email: tenant.email)
            #expect(!session.isEmpty)
            let cookie: HTTPFields = [.cookie: "fd_session=\(session)"]
            let overview = try await client.call(.get, "/", headers: cookie)
            #expect(overview.status == .ok)
            #expect(Self.html(overview).contains("Owner Plumbing"))
            #expect(!Self.html(overview).contains(session), "the token never appears in a page")
        }
    }

    @Test("after logging in, back to the page asked for — a path of this site only, never another host")
    func nextPage() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register("Owner")
            #expect(try await client.call(.get, "/leads").headers[.location] == "/login?next=/leads")
            let page = try await client.call(.get, "/login?next=/leads")
            #expect(Self.html(page).contains(#"action="/login?next=%2Fleads""#))
            let token = Self.value(Self.setCookie("fd_form", in: page))
            for (next, landing) in [("%2Fleads", "/leads"), ("%2F%5Cevil.example", "/"), ("%2F%2Fevil.example", "/"), ("https%3A%2F%2Fevil.example", "/")] {
                let answer = try await client.call(
                    .post, "/login?next=\(next)", rawBody: ByteBuffer(string: "_csrf=\(token)&email=\(tenant.email)&password=correct+horse"),
                    headers: Self.form(HTTPField(name: .cookie, value: "fd_form=\(token)")))
                #expect(answer.status == .seeOther)
                #expect(answer.headers[.location] == landing, "next=\(next)")
            }
        }
    }

    @Test("a wrong password is said on the form (401), with the address kept and no session")
    func wrongPassword() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register("Owner")
            let page = try await client.call(.get, "/login")
            let token = Self.value(Self.setCookie("fd_form", in: page))
            let answer = try await client.call(
                .post, "/login", rawBody: ByteBuffer(string: "_csrf=\(token)&email=\(tenant.email)&password=wrong+password"),
                headers: Self.form(HTTPField(name: .cookie, value: "fd_form=\(token)")))
            #expect(answer.status == .unauthorized)
            #expect(Self.html(answer).contains("Invalid email or password"))
            #expect(Self.html(answer).contains(tenant.email))
            #expect(Self.setCookie("fd_session", in: answer) == nil)
        }
    }

    @Test("every form needs the session's token; another site's form is refused; logging out ends the cookie")
    func forms() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register("Owner")
            let lead = try await client.createLead(tenant)
            let leadId = try #require(lead.data["id"] as? String)
            let session = try await Self.logIn(client, email: tenant.email)
            let cookie = HTTPField(name: .cookie, value: "fd_session=\(session)")
            let page = try await client.call(.get, "/leads?b=\(tenant.businessId)", headers: HTTPFields([cookie]))
            let csrf = Self.csrf(in: page)
            #expect(csrf.count == 64)

            let noToken = try await client.call(
                .post, "/leads/\(leadId)/status?b=\(tenant.businessId)", rawBody: ByteBuffer(string: "status=converted"),
                headers: Self.form(cookie))
            #expect(noToken.status == .forbidden)
            let otherSite = try await client.call(
                .post, "/leads/\(leadId)/status?b=\(tenant.businessId)", rawBody: ByteBuffer(string: "_csrf=\(csrf)&status=converted"),
                headers: Self.form(cookie, HTTPField(name: .origin, value: "https://evil.example")))
            #expect(otherSite.status == .forbidden)
            #expect(try await client.call(.get, "/api/leads/\(leadId)", token: tenant.token).data["status"] as? String == "new")

            let saved = try await client.call(
                .post, "/leads/\(leadId)/status?b=\(tenant.businessId)", rawBody: ByteBuffer(string: "_csrf=\(csrf)&status=converted"),
                headers: Self.form(cookie))
            #expect(saved.status == .seeOther)
            #expect(try await client.call(.get, "/api/leads/\(leadId)", token: tenant.token).data["status"] as? String == "converted")

            let out = try await client.call(.post, "/logout", rawBody: ByteBuffer(string: "_csrf=\(csrf)"), headers: Self.form(cookie))
            #expect(out.status == .seeOther)
            #expect(Self.setCookie("fd_session", in: out)?.contains("Max-Age=0") == true)
            #expect(try await client.call(.get, "/leads", headers: HTTPFields([cookie])).status == .seeOther, "the old cookie is refused")
        }
    }

    @Test("a forgotten password: a one-time code by email, typed into the next form; a wrong code is said on it; the new password logs in")
    func passwordReset() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register("Owner")
            let page = try await client.call(.get, "/reset")
            let token = Self.value(Self.setCookie("fd_form", in: page))
            let formCookie = HTTPField(name: .cookie, value: "fd_form=\(token)")
            let asked = try await client.call(
                .post, "/reset", rawBody: ByteBuffer(string: "_csrf=\(token)&email=\(tenant.email)"), headers: Self.form(formCookie))
            #expect(asked.status == .ok)
            #expect(Self.html(asked).contains("reset code is on its way"))
            let emails = try await client.call(.get, "/api/emails?business_id=\(tenant.businessId)", token: tenant.token)
            let body = try #require(emails.list("messages").first?["body"] as? String)
            let code = try #require(body.split(separator: " ").first { $0.hasPrefix("reset_") }.map { String($0.prefix(70)) })

            let wrong = try await client.call(
                .post, "/reset/new", rawBody: ByteBuffer(string: "_csrf=\(token)&token=reset_nope&password=brand+new+secret"), headers: Self.form(formCookie))
            #expect(wrong.status == .unprocessableContent)
            #expect(Self.html(wrong).contains("is invalid, expired or already used"))
            let done = try await client.call(
                .post, "/reset/new", rawBody: ByteBuffer(string: "_csrf=\(token)&token=\(code)&password=brand+new+secret"), headers: Self.form(formCookie))
            #expect(done.status == .seeOther)
            #expect(done.headers[.location] == "/login?done=password_reset")
            let login = try await client.call(.post, "/api/auth/login", json: #"{"email":"\#(tenant.email)","password":"brand new secret"}"#)
            #expect(login.status == .ok)
        }
    }

    @Test("another tenant's call, lead page or business is not found; a bad value in a form is a page, not a 500")
    func tenancy() async throws {
        try await TestApp().run { client in
            let owner = try await client.register("Owner")
            let other = try await client.register("Other")
            let lead = try await client.createLead(owner, name: "<script>alert(1)</script>")
            #expect(lead.status == .created)
            let session = try await Self.logIn(client, email: owner.email)
            let cookie: HTTPFields = [.cookie: "fd_session=\(session)"]
            let leads = Self.html(try await client.call(.get, "/leads", headers: cookie))
            #expect(leads.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(!leads.contains("<script>alert(1)"))

            #expect(try await client.call(.get, "/leads?b=", headers: cookie).status == .ok, "an empty business is the member's first")
            let theirs = try await client.call(.get, "/leads?b=\(other.businessId)", headers: cookie)
            #expect(theirs.status == .notFound)
            #expect(try await client.call(.get, "/calls/call_doesnotexist", headers: cookie).status == .notFound)
            #expect(try await client.call(.get, "/calls?status=sideways", headers: cookie).status == .unprocessableContent)
            #expect(try await client.call(.get, "/no/such/page", headers: cookie).status == .notFound)
            let huge = ByteBuffer(repeating: UInt8(ascii: "a"), count: 100_000)
            let tooBig = try await client.call(.post, "/business/hours", rawBody: huge, headers: Self.form(HTTPField(name: .cookie, value: "fd_session=\(session)")))
            #expect(tooBig.status == .contentTooLarge)
        }
    }

    @Test("/api/ws takes the session cookie only from a page of the same site")
    func socketCookie() async throws {
        try await TestApp().serve { client in
            let tenant = try await client.register("Owner")
            let session = try await Self.logIn(client, email: tenant.email)
            let host = "127.0.0.1:\(client.port)"
            let same = try await client.call(
                .get, "/api/ws", headers: [.cookie: "fd_session=\(session)", .origin: "http://\(host)"])
            #expect(same.status == .upgradeRequired, "authenticated, but a plain GET")
            let foreign = try await client.call(
                .get, "/api/ws", headers: [.cookie: "fd_session=\(session)", .origin: "https://evil.example"])
            #expect(foreign.status == .unauthorized)
            let noOrigin = try await client.call(.get, "/api/ws", headers: [.cookie: "fd_session=\(session)"])
            #expect(noOrigin.status == .unauthorized)
        }
    }
    @Test("Call on the leads page: the receptionist dials the lead with the purpose typed, and the owner lands on Live calls; at night it is refused with the reason")
    func callALead() async throws {
        let telnyx = try await TelnyxTestServer.start()
        defer { telnyx.stop() }
        var app = TestApp(clock: TestClock(try Date("2026-11-23T15:00:00Z", strategy: .iso8601)), telnyx: telnyx.client())
        app.configuration.telnyxConnectionId = "conn-frontdesk"
        try await app.run { client in
            let tenant = try await client.register("Owner")
            try await client.openWeekdays(tenant)
            _ = try await client.call(
                .post, "/api/agents", token: tenant.token,
                json: #"{"business_id":"\#(tenant.businessId)","name":"Ava","phone_number":"+15550109999"}"#)
            let lead = try await client.createLead(tenant, phone: "+15557650077", name: "Ruth Park")
            let leadId = try #require(lead.data["id"] as? String)
            let session = try await Self.logIn(client, email: tenant.email)
            let cookie = HTTPField(name: .cookie, value: "fd_session=\(session)")
            let page = try await client.call(.get, "/leads?b=\(tenant.businessId)", headers: HTTPFields([cookie]))
            #expect(Self.html(page).contains("/leads/\(leadId)/call"))
            let csrf = Self.csrf(in: page)
            let placed = try await client.call(
                .post, "/leads/\(leadId)/call?b=\(tenant.businessId)", rawBody: ByteBuffer(string: "_csrf=\(csrf)&purpose=about+your+quote"),
                headers: Self.form(cookie))
            #expect(placed.status == .seeOther, "\(Self.html(placed))")
            #expect(placed.headers[.location]?.hasPrefix("/live") == true)
            #expect(telnyx.dials.count == 1)
            #expect(telnyx.dials.first?.body["to"]?.text == "+15557650077")
            let calls = try await client.call(.get, "/api/calls?business_id=\(tenant.businessId)", token: tenant.token).list("calls")
            #expect(calls.first?["purpose"] as? String == "about your quote")

            client.clock.advance(seconds: 12 * 3600)  // 22:00 in New York
            let again = try await Self.logIn(client, email: tenant.email)
            let night = HTTPField(name: .cookie, value: "fd_session=\(again)")
            let nightPage = try await client.call(.get, "/leads?b=\(tenant.businessId)", headers: HTTPFields([night]))
            let refused = try await client.call(
                .post, "/leads/\(leadId)/call?b=\(tenant.businessId)", rawBody: ByteBuffer(string: "_csrf=\(Self.csrf(in: nightPage))"),
                headers: Self.form(night))
            #expect(refused.status == .conflict)
            #expect(Self.html(refused).contains("08:00 and 21:00"))
            #expect(telnyx.dials.count == 1)
        }
    }
}
