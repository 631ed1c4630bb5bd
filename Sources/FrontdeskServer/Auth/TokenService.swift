import Crypto
import Foundation
import FrontdeskCore
import FrontdeskWire
import JWTKit

/// The claims of an access token (the seed's `JWTPayload`).
public struct AccessClaims: JWTPayload, Equatable {
    public var sub: String
    public var businessId: String?
    public var role: Role
    public var iat: Int
    public var exp: Int
    /// The login (refresh-token family) the token was issued for: revoking the login revokes it.
    public var sid: String?

    public var userId: UserID { UserID(rawValue: sub) }

    enum CodingKeys: String, CodingKey {
        case sub
        case businessId = "business_id"
        case role, iat, exp, sid
    }

    /// Expiry is checked by `TokenService` against its own clock (so tests can move time).
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Issues and verifies HS256 access tokens, and makes refresh / reset tokens (random, stored hashed).
public struct TokenService: Sendable {
    public static let accessTokenLifetime = 3600
    public static let refreshTokenLifetime: TimeInterval = 30 * 86_400
    public static let resetTokenLifetime: TimeInterval = 3600

    private let keys: JWTKeyCollection
    private let now: @Sendable () -> Date

    public init(secret: String, now: @escaping @Sendable () -> Date) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
        self.now = now
    }

    /// An access token for `session` (a login); `lifetime` in seconds (the dashboard's cookie lives longer).
    public func issueAccessToken(
        user: UserID, business: BusinessID?, role: Role, session: String?, lifetime: Int = accessTokenLifetime
    ) async throws -> String {
        let issuedAt = Int(now().timeIntervalSince1970)
        let claims = AccessClaims(
            sub: user.rawValue, businessId: business?.rawValue, role: role, iat: issuedAt,
            exp: issuedAt + lifetime, sid: session)
        return try await keys.sign(claims)
    }

    /// Checks signature and expiry.
    public func verify(_ token: String) async -> Caller {
        guard let claims = try? await keys.verify(token, as: AccessClaims.self) else {
            return .invalidToken("Invalid token")
        }
        guard Double(claims.exp) > now().timeIntervalSince1970 else { return .invalidToken("Token has expired") }
        return .authenticated(claims)
    }

    /// A new opaque secret (for refresh and password-reset tokens) and the hash to store for it.
    public static func newOpaqueToken(prefix: String) -> (token: String, hash: String) {
        let token = prefix + "_" + RandomToken.hex(bytes: 32)
        return (token, hash(token))
    }

    /// SHA-256 hex: tokens are stored only as hashes, so a leaked database reveals no usable token.
    public static func hash(_ token: String) -> String {
        Hex.sha256(Data(token.utf8))
    }
}
