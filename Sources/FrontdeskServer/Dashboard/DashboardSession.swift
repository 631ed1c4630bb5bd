import Crypto
import Foundation
import FrontdeskCore
import FrontdeskStore
import FrontdeskWire
import HTTPTypes
import Hummingbird

/// A signed-in dashboard visitor: the session's token (never in a URL, only in an HttpOnly cookie),
/// its claims, and the form token every state-changing request must carry.
struct DashboardSession: Sendable {
    let token: String
    let claims: AccessClaims
    let csrf: String
}

/// Cookie sessions and CSRF for the dashboard.
///
/// * Logging in goes through `POST /api/auth/login` (its throttling, its refresh-token family); the
///   cookie then holds an access token for that same login with a 12-hour life, so logging out (or a
///   password reset) ends it everywhere at once, as it does for API clients.
/// * The cookie is `HttpOnly; SameSite=Strict` (and `Secure` when the public URL is https).
/// * Every POST carries a form token: HMAC of the login id for a session, or a double-submit cookie on
///   the login and reset forms; a POST whose `Origin` is another site is refused before anything else.
struct DashboardAuth: Sendable {
    static let sessionCookie = "fd_session"
    static let formCookie = "fd_form"
    static let sessionLifetime = 12 * 3600

    let tokens: TokenService
    let store: Store
    let key: SymmetricKey
    let secureCookies: Bool

    init(tokens: TokenService, store: Store, secret: String, secureCookies: Bool) {
        self.tokens = tokens
        self.store = store
        // Its own key, derived from the signing secret: every instance agrees without another setting.
        self.key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data("frontdesk-dashboard-csrf".utf8), using: SymmetricKey(data: Data(secret.utf8)))))
        self.secureCookies = secureCookies
    }

    /// The session the request's cookie names, when its token is valid and its login not ended.
    func session(of request: Request) async -> DashboardSession? {
        guard let token = Self.cookie(Self.sessionCookie, in: request),
            case .authenticated(let claims) = await APIMiddleware.authenticate(token, tokens: tokens, store: store)
        else { return nil }
        return DashboardSession(token: token, claims: claims, csrf: csrfToken(session: claims.sid ?? claims.sub))
    }

    /// The dashboard's own token for a login just made through the API (same login id, longer life).
    func sessionToken(for apiToken: String) async throws -> String? {
        guard case .authenticated(let claims) = await tokens.verify(apiToken) else { return nil }
        return try await tokens.issueAccessToken(
            user: claims.userId, business: claims.businessId.map(BusinessID.init(rawValue:)), role: claims.role, session: claims.sid,
            lifetime: Self.sessionLifetime)
    }

    func csrfToken(session: String) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Data(session.utf8), using: key))
    }

    /// Whether a form's token matches the session's (constant time).
    func checks(_ given: String?, session: DashboardSession) -> Bool {
        guard let given else { return false }
        return Self.constantTimeEqual(given, session.csrf)
    }

    /// The login and reset forms (no session yet): the form field must equal the form cookie.
    func checksAnonymous(_ given: String?, request: Request) -> Bool {
        guard let given, let cookie = Self.cookie(Self.formCookie, in: request), cookie.count >= 20 else { return false }
        return Self.constantTimeEqual(given, cookie)
    }

    func setCookie(_ name: String, _ value: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secureCookies ? "; Secure" : "")
    }

    func clearCookie(_ name: String) -> String { setCookie(name, "", maxAge: 0) }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return String(parts[1]).trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    /// A POST from another site (its `Origin` names another host) is refused whatever it carries.
    static func sameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority, let url = URL(string: origin), let originHost = url.host
        else { return false }
        let originAuthority = url.port.map { "\(originHost):\($0)" } ?? originHost
        return originAuthority.lowercased() == host.lowercased()
    }
}
