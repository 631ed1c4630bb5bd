import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Runs around every dashboard route: the security headers every page carries, the session from its
/// cookie, and failures as pages (a redirect to log in, a readable 404 or 422 — never a stack trace).
struct DashboardMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let auth: DashboardAuth
    let pages: DashboardPages

    /// Scripts, styles, sockets and media from this origin only; no inline script, no framing, forms
    /// post here only.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self'; "
        + "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static let publicPaths: Set<String> = ["/login", "/reset", "/reset/new"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.requestId = APIMiddleware.requestId(from: request)
        context.logger[metadataKey: "request_id"] = .string(context.requestId)
        var response: Response
        do {
            let path = request.uri.path
            if path.hasPrefix("/assets/") || path == "/favicon.ico" {
                response = try await next(request, context)
            } else {
                if request.method == .post, !DashboardAuth.sameOrigin(request) {
                    throw DashboardFailure.forbidden("This form was sent from another site.")
                }
                context.dashboardSession = await auth.session(of: request)
                if context.dashboardSession == nil, !Self.publicPaths.contains(path) {
                    throw DashboardFailure.login
                }
                response = try await next(request, context)
            }
        } catch {
            response = pages.failure(error, request: request, context: context)
        }
        Self.secure(&response.headers, cacheable: request.uri.path.hasPrefix("/assets/"))
        return response
    }

    static func secure(_ headers: inout HTTPFields, cacheable: Bool) {
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        headers[HTTPField.Name("Cross-Origin-Opener-Policy")!] = "same-origin"
        if headers[.cacheControl] == nil { headers[.cacheControl] = cacheable ? "public, max-age=31536000, immutable" : "no-store" }
    }
}

/// What stops a dashboard request short.
enum DashboardFailure: Error {
    /// No session (or it ended): to the login page.
    case login
    case forbidden(String)
    case notFound(String)
    /// The form's token is missing or wrong (an old tab after logging in again, or a forged form).
    case staleForm
    case redirect(String)
}
