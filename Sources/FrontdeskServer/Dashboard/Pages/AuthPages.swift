import Foundation
import FrontdeskCore
import HTTPTypes
import Hummingbird
import Logging

/// Log in, log out and the password reset, all through `/api/auth` (its throttling and checks).
extension DashboardPages {
    func loginPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        if context.dashboardSession != nil { return redirect("/") }
        return anonymousForm(step: "login", request: request, values: [:])
    }

    /// The login, reset and new-password forms: a fresh double-submit token in a cookie and the form.
    func anonymousForm(step: String, request: Request, values: [String: Any], failure: FormFailure? = nil, status: HTTPResponse.Status = .ok)
        -> Response
    {
        // The same token for every form in this browser while its cookie lasts (two tabs, a favicon
        // fetch or a reload must not invalidate a form already on screen).
        let token = DashboardAuth.cookie(DashboardAuth.formCookie, in: request).flatMap { $0.count == 32 ? $0 : nil }
            ?? RandomToken.base32(count: 32)
        var all = values
        all["title"] = step == "login" ? "Log in" : "Reset your password"
        all[step] = true
        all["formToken"] = token
        all["demo"] = demo
        // The page the visitor was sent here from, carried through the login form.
        if let next = Self.safeNext(request) { all["next"] = next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) }
        if let done = request.uri.queryParameters["done"].flatMap({ Self.flashes[String($0)] }) { all["flash"] = done }
        if let failure { all["failure"] = Self.values(failure); all["fields"] = Self.values(failure)["fields"] }
        var headers = HTTPFields()
        headers[.setCookie] = auth.setCookie(DashboardAuth.formCookie, token, maxAge: 3600)
        return html(templates.render("login", all), status: status, headers: headers)
    }

    /// Where to go after logging in: a path of this site only (`/calls?b=…`), never another site's —
    /// `//host` and `/\host` are both another host to a browser.
    static func safeNext(_ request: Request) -> String? {
        guard let next = request.uri.queryParameters["next"].map(String.init), next.hasPrefix("/"), next.count <= 512 else { return nil }
        let rest = next.dropFirst()
        guard !rest.hasPrefix("/"), !next.contains("\\"), next.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 }) else { return nil }
        return next
    }

    func anonymousFormBody(_ request: Request, context: AppRequestContext) async throws -> DashboardForm {
        let form = try await DashboardForm.read(request, context: context)
        guard auth.checksAnonymous(form["_csrf"], request: request) else { throw DashboardFailure.staleForm }
        return form
    }

    func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await anonymousFormBody(request, context: context)
        let email = form.trimmed("email") ?? ""
        let answer = try await api.send(
            .post, "/api/auth/login", body: ["email": email, "password": form["password"] ?? ""], token: nil, context: context)
        guard answer.ok, let apiToken = answer.data.string("token"), let token = try await auth.sessionToken(for: apiToken) else {
            let failure = answer.failure ?? FormFailure(message: "Invalid email or password", code: nil, fields: [:])
            return anonymousForm(step: "login", request: request, values: ["email": email], failure: failure, status: answer.status)
        }
        context.logger.info("Dashboard login", metadata: ["user_id": "\(answer.data.object("user").string("id") ?? "")"])
        let next = Self.safeNext(request) ?? "/"
        return redirect(
            next,
            cookies: [auth.setCookie(DashboardAuth.sessionCookie, token, maxAge: DashboardAuth.sessionLifetime), auth.clearCookie(DashboardAuth.formCookie)])
    }

    func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (_, session) = try await checkedForm(request, context: context)
        _ = try await api.send(.post, "/api/auth/logout", token: session.token, context: context)
        return redirect("/login?done=logged_out", cookies: [auth.clearCookie(DashboardAuth.sessionCookie)])
    }

    func resetPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        anonymousForm(step: "requestReset", request: request, values: [:])
    }

    /// Step 1: the API mails a one-time code (the outbox on the embedded default); the page then asks
    /// for it — a code typed in, never a token in a link.
    func requestReset(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await anonymousFormBody(request, context: context)
        let email = form.trimmed("email") ?? ""
        let answer = try await api.send(.post, "/api/auth/forgot-password", body: ["email": email], token: nil, context: context)
        if let failure = answer.failure {
            return anonymousForm(step: "requestReset", request: request, values: ["email": email], failure: failure, status: answer.status)
        }
        return anonymousForm(
            step: "chooseNew", request: request,
            values: ["flash": "If an account exists for \(email), a reset code is on its way by email."])
    }

    func chooseNewPassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await anonymousFormBody(request, context: context)
        let answer = try await api.send(
            .post, "/api/auth/reset-password", body: ["token": form.trimmed("token") ?? "", "password": form["password"] ?? ""], token: nil,
            context: context)
        if let failure = answer.failure {
            return anonymousForm(step: "chooseNew", request: request, values: [:], failure: failure, status: answer.status)
        }
        return redirect("/login?done=password_reset", cookies: [auth.clearCookie(DashboardAuth.sessionCookie)])
    }
}
