import FrontdeskCore
import Hummingbird
import Logging
import NIOCore

/// Who is calling, as far as the bearer token says.
public enum Caller: Sendable {
    case anonymous
    case invalidToken(String)
    case authenticated(AccessClaims)
}

/// The request context every route sees: request id, caller, remote address.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestId: String = ""
    public var caller: Caller = .anonymous
    /// Largest accepted body, set from the configuration.
    public var maxBodyBytes = 1 << 20
    public let remoteAddress: SocketAddress?
    /// A request the dashboard made to the API in process on behalf of a signed-in member (not rate
    /// limited on its own: the member's page view is the request).
    public var inProcess = false
    /// The dashboard's signed-in member (set by the dashboard's middleware from the session cookie).
    var dashboardSession: DashboardSession?

    /// The client's IP address: the socket's, or the one a trusted proxy forwarded for (set by the API
    /// middleware); "local" in in-memory tests.
    public var clientAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        clientAddress = remoteAddress?.ipAddress ?? "local"
    }

    /// The authenticated caller's claims, or 401 (`AUTH_REQUIRED` / `AUTH_INVALID_TOKEN`).
    public func requireUser() throws(AppError) -> AccessClaims {
        switch caller {
        case .authenticated(let claims): return claims
        case .anonymous: throw AppError.authRequired
        case .invalidToken(let reason): throw AppError(.authInvalidToken, reason)
        }
    }
}
