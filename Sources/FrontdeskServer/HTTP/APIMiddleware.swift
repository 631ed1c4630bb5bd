import Foundation
import FrontdeskCore
import FrontdeskStore
import HTTPTypes
import Hummingbird
import Logging

/// Runs around every route (and the not-found fallback), in this order: request id, caller from the
/// bearer token, rate limit, the route, then errors into the envelope and the headers every response
/// carries (`X-Request-ID`, `X-RateLimit-*`).
struct APIMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let tokens: TokenService
    let store: Store
    let limiter: RateLimiter
    let limits: RateLimits
    let routeTable: RouteTable
    let maxBodyBytes: Int
    /// Whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed.
    var proxies = TrustedProxies.none
    let now: @Sendable () -> Date

    static let requestIdHeader = HTTPField.Name("X-Request-ID")!
    static let limitHeader = HTTPField.Name("X-RateLimit-Limit")!
    static let remainingHeader = HTTPField.Name("X-RateLimit-Remaining")!
    static let resetHeader = HTTPField.Name("X-RateLimit-Reset")!
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = ContinuousClock.now
        var context = context
        context.requestId = Self.requestId(from: request)
        context.maxBodyBytes = maxBodyBytes
        context.logger[metadataKey: "request_id"] = .string(context.requestId)
        if !proxies.isEmpty {
            // Behind a proxy: the real client, and whether it reached the proxy over TLS.
            let peer = context.clientAddress
            context.clientAddress = proxies.client(peer: peer, forwardedFor: request.headers[Self.forwardedFor])
            context.logger[metadataKey: "scheme"] = .string(proxies.scheme(peer: peer, forwardedProto: request.headers[Self.forwardedProto]))
        }
        context.logger[metadataKey: "client"] = .string(context.clientAddress)
        context.caller = await caller(of: request)

        // Health, metrics (and the OpenAPI document) are never rate-limited: monitors probe them all day.
        var exempt = Self.isExemptFromRateLimit(request.uri.path)
        if context.inProcess, case .authenticated = context.caller { exempt = true }
        let decision = exempt ? nil : rateLimit(request, context: context)
        var response: Response
        if decision?.allowed ?? true {
            do {
                response = try await next(request, context)
            } catch {
                response = errorResponse(error, request: request, context: context)
            }
        } else {
            let wait = max(1, (decision?.reset ?? 0) - Int(now().timeIntervalSince1970))
            context.logger.notice("Rate limit exceeded")
            response = ErrorMapping.response(
                for: AppError(.rateLimitExceeded, "Rate limit exceeded, retry in \(wait) s", retryAfter: wait),
                requestId: context.requestId)
        }
        response.headers[Self.requestIdHeader] = context.requestId
        // By route template (never the raw path: ids would make a series each).
        Telemetry.httpRequest(
            method: request.method.rawValue, route: context.coreContext.endpointPath.value ?? "NotFound",
            status: Int(response.status.code), duration: .now - started)
        if let decision {
            response.headers[Self.limitHeader] = String(decision.limit)
            response.headers[Self.remainingHeader] = String(decision.remaining)
            response.headers[Self.resetHeader] = String(decision.reset)
        }
        return response
    }

    static func isExemptFromRateLimit(_ path: String) -> Bool {
        path == "/api/health" || path == "/api/health/" || path.hasPrefix("/api/health/") || path == "/api/openapi.json"
            || path == "/metrics"
    }

    private func errorResponse(_ error: any Error, request: Request, context: Context) -> Response {
        var appError = ErrorMapping.appError(from: error, logger: context.logger)
        var allow: [HTTPRequest.Method] = []
        if appError.code == .resourceNotFound, context.coreContext.endpointPath.value == "NotFound" {
            allow = routeTable.methods(matching: request.uri.path)
            if !allow.isEmpty {
                appError = AppError(
                    .methodNotAllowed, "\(request.method) is not allowed here; use \(allow.map(\.rawValue).joined(separator: ", "))")
            }
        }
        var response = ErrorMapping.response(for: appError, requestId: context.requestId)
        if !allow.isEmpty { response.headers[.allow] = allow.map(\.rawValue).joined(separator: ", ") }
        return response
    }

    private func caller(of request: Request) async -> Caller {
        guard let authorization = request.headers[.authorization] else { return .anonymous }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            return .invalidToken("Authorization must be 'Bearer <token>'")
        }
        return await Self.authenticate(String(parts[1]), tokens: tokens, store: store)
    }

    /// The caller an access token names: its signature and expiry checked, and its login still valid.
    static func authenticate(_ token: String, tokens: TokenService, store: Store) async -> Caller {
        let caller = await tokens.verify(token)
        guard case .authenticated(let claims) = caller else { return caller }
        // Signature and expiry are not enough: the login may be revoked, or the account gone.
        switch (try? await store.tokens.accessState(user: claims.userId, session: claims.sid)) ?? .valid {
        case .valid: return caller
        case .sessionRevoked: return .invalidToken("This login has ended (logged out or revoked); log in again")
        case .accountGone: return .invalidToken("The account no longer exists")
        }
    }

    private func rateLimit(_ request: Request, context: Context) -> RateLimiter.Decision {
        let path = request.uri.path
        if Self.isWebhook(path) {
            return limiter.take("webhook:" + context.clientAddress, limit: limits.webhooks, now: now())
        }
        if case .authenticated(let claims) = context.caller {
            return limiter.take("user:" + claims.sub, limit: limits.authenticated, now: now())
        }
        return limiter.take("ip:" + context.clientAddress, limit: limits.anonymous, now: now())
    }

    static func isWebhook(_ path: String) -> Bool {
        path.hasSuffix("/webhook") || path.hasPrefix("/api/twilio/") || path.hasPrefix("/api/retell/")
            || path.hasPrefix("/api/media/")
    }

    /// A client's `X-Request-ID` is kept when it is short and plain; otherwise a new one is made.
    static func requestId(from request: Request) -> String {
        if let given = request.headers[requestIdHeader], (1...128).contains(given.utf8.count),
            given.utf8.allSatisfy({ $0 > 32 && $0 < 127 })
        {
            return given
        }
        return "req_" + RandomToken.base32(count: 16)
    }
}
