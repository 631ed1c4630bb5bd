import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskStore
import Hummingbird
import Logging

/// Register, log in, rotate refresh tokens, reset passwords, who am I.
struct AuthController {
    let store: Store
    let tokens: TokenService
    let passwords: PasswordHasher
    let messenger: Messenger
    let loginThrottle: LoginThrottle
    let now: @Sendable () -> Date

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("register", use: register)
        group.post("login", use: login)
        group.post("refresh", use: refresh)
        group.post("forgot-password", use: forgotPassword)
        group.post("reset-password", use: resetPassword)
        group.post("logout", use: logout)
        group.get("me", use: me)
    }

    struct RegisterBody: Decodable {
        let email: String
        let password: String
        let businessName: String
        let firstName: String?
        let lastName: String?

        enum CodingKeys: String, CodingKey {
            case email, password
            case businessName = "business_name"
            case firstName = "first_name"
            case lastName = "last_name"
        }
    }

    struct UserView: Encodable, Sendable {
        let id: UserID
        let email: EmailAddress
        let businessId: BusinessID?
        let role: Role
        let firstName: String?
        let lastName: String?

        enum CodingKeys: String, CodingKey {
            case id, email
            case businessId = "business_id"
            case role
            case firstName = "first_name"
            case lastName = "last_name"
        }
    }

    struct TokenResponse: Encodable, Sendable {
        let token: String
        let refreshToken: String
        let tokenType = "Bearer"
        let expiresIn = TokenService.accessTokenLifetime
        let user: UserView

        enum CodingKeys: String, CodingKey {
            case token
            case refreshToken = "refresh_token"
            case tokenType = "token_type"
            case expiresIn = "expires_in"
            case user
        }
    }

    @Sendable func register(_ request: Request, context: AppRequestContext) async throws -> APIResponse<TokenResponse> {
        var request = request
        let body = try await request.decodeJSON(RegisterBody.self, context: context)
        var validator = Validator()
        let email = EmailAddress(body.email)
        validator.check(email != nil, "email", "must be a valid email address")
        Self.checkPassword(body.password, email: body.email, into: &validator)
        let businessName = body.businessName.trimmingWhitespace()
        validator.check((1...200).contains(businessName.count), "business_name", "must be 1–200 characters")
        validator.check((body.firstName?.count ?? 0) <= 100, "first_name", "must be at most 100 characters")
        validator.check((body.lastName?.count ?? 0) <= 100, "last_name", "must be at most 100 characters")
        try validator.throwIfInvalid()

        let now = now()
        let user = User(
            id: .generate(), email: email!, passwordHash: try await passwords.hash(body.password),
            firstName: body.firstName, lastName: body.lastName, createdAt: now, updatedAt: now)
        let business = Business(
            id: .generate(), name: businessName, settings: .default, createdAt: now, updatedAt: now)
        try await store.users.register(user, business: business)
        context.logger.info("Registered user", metadata: ["user_id": "\(user.id)", "business_id": "\(business.id)"])
        return APIResponse(
            try await tokens(for: user, business: business.id, role: .admin), status: .created,
            message: "Account created")
    }

    struct LoginBody: Decodable {
        let email: String
        let password: String
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> APIResponse<TokenResponse> {
        var request = request
        let body = try await request.decodeJSON(LoginBody.self, context: context)
        let invalid = AppError(.invalidCredentials, "Invalid email or password")
        let now = now()
        if case .wait(let seconds) = loginThrottle.check(body.email, now: now) {
            context.logger.notice("Login throttled after repeated failures", metadata: ["retry_after": "\(seconds)"])
            throw AppError(
                .rateLimitExceeded, "Too many failed logins for this account; try again in \(seconds) s", retryAfter: seconds)
        }
        guard let email = EmailAddress(body.email), let user = try await store.users.find(email: email)
        else {
            // Same work as a real check, so response time does not reveal which e-mails exist.
            _ = try await passwords.verify(body.password, hash: passwords.unknownAccountHash)
            _ = loginThrottle.failed(body.email, now: now)
            throw invalid
        }
        guard try await passwords.verify(body.password, hash: user.passwordHash) else {
            if loginThrottle.failed(body.email, now: now) {
                try await warnOwner(user, context: context)
            }
            throw invalid
        }
        loginThrottle.succeeded(body.email)
        let primary = try await store.users.memberships(of: user.id).first
        return APIResponse(
            try await tokens(for: user, business: primary?.businessId, role: primary?.role ?? .user),
            message: "Logged in")
    }

    struct RefreshBody: Decodable {
        let refreshToken: String
        enum CodingKeys: String, CodingKey { case refreshToken = "refresh_token" }
    }

    @Sendable func refresh(_ request: Request, context: AppRequestContext) async throws -> APIResponse<TokenResponse> {
        var request = request
        let body = try await request.decodeJSON(RefreshBody.self, context: context)
        let now = now()
        let next = TokenService.newOpaqueToken(prefix: "rt")
        let outcome = try await store.tokens.rotate(
            hash: TokenService.hash(body.refreshToken), newHash: next.hash,
            newExpiresAt: now.addingTimeInterval(TokenService.refreshTokenLifetime), now: now)
        switch outcome {
        case .invalid:
            throw AppError(.authInvalidToken, "Invalid or expired refresh token")
        case .reuseDetected:
            context.logger.warning("Refresh token reused: its whole family is revoked")
            throw AppError(.authInvalidToken, "Refresh token was already used; all sessions of this login are revoked")
        case .rotated(let userId, let session):
            guard let user = try await store.users.find(userId) else {
                throw AppError(.authInvalidToken, "Invalid or expired refresh token")
            }
            let primary = try await store.users.memberships(of: user.id).first
            let access = try await tokens.issueAccessToken(
                user: user.id, business: primary?.businessId, role: primary?.role ?? .user, session: session)
            return APIResponse(
                TokenResponse(
                    token: access, refreshToken: next.token,
                    user: Self.view(user, business: primary?.businessId, role: primary?.role ?? .user)))
        }
    }

    struct EmailBody: Decodable { let email: String }

    @Sendable func forgotPassword(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Empty> {
        var request = request
        let body = try await request.decodeJSON(EmailBody.self, context: context)
        guard let email = EmailAddress(body.email) else {
            throw AppError.validation(field: "email", "must be a valid email address")
        }
        // The answer is the same whether or not the account exists.
        let answer = APIResponse(Empty(), message: "If an account exists for this email, a reset link has been sent")
        guard let user = try await store.users.find(email: email),
            let business = try await store.users.memberships(of: user.id).first?.businessId
        else { return answer }
        let now = now()
        let reset = TokenService.newOpaqueToken(prefix: "reset")
        try await store.tokens.storePasswordReset(
            hash: reset.hash, user: user.id, expiresAt: now.addingTimeInterval(TokenService.resetTokenLifetime),
            now: now)
        let text = """
            Someone asked to reset the password of your Frontdesk account.
            Your reset token (valid for 1 hour, usable once): \(reset.token)
            Use it with POST /api/auth/reset-password. If you did not ask for this, ignore this email.
            """
        _ = try await messenger.send(
            OutboundMessage(channel: .email, to: email.value, subject: "Reset your Frontdesk password", body: text),
            business: business, lead: nil, logger: context.logger)
        return answer
    }

    struct ResetBody: Decodable {
        let token: String
        let password: String
    }

    @Sendable func resetPassword(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Empty> {
        var request = request
        let body = try await request.decodeJSON(ResetBody.self, context: context)
        var validator = Validator()
        Self.checkPassword(body.password, into: &validator)
        try validator.throwIfInvalid()
        let now = now()
        guard let userId = try await store.tokens.consumePasswordReset(
            hash: TokenService.hash(body.token), now: now)
        else {
            throw AppError.validation(field: "token", "is invalid, expired or already used")
        }
        try await store.users.updatePassword(
            userId, hash: try await passwords.hash(body.password), at: now)
        try await store.tokens.revokeAll(user: userId, now: now)
        return APIResponse(Empty(), message: "Password updated; please log in again")
    }

    /// `POST /auth/logout`: ends this login — its refresh tokens and, at once, its access tokens.
    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Empty> {
        let claims = try context.requireUser()
        guard let session = claims.sid else {
            throw AppError(.authInvalidToken, "This token names no login; log in again to get one that does")
        }
        try await store.tokens.revokeSession(session, user: claims.userId, now: now())
        context.logger.info("Logged out", metadata: ["user_id": "\(claims.userId)"])
        return APIResponse(Empty(), message: "Logged out")
    }

    /// After `LoginThrottle.notifyAt` failures in a row, the account's owner hears of it by email.
    private func warnOwner(_ user: User, context: AppRequestContext) async throws {
        guard let business = try await store.users.memberships(of: user.id).first?.businessId else { return }
        context.logger.warning("Repeated failed logins: the account's owner is told", metadata: ["user_id": "\(user.id)"])
        let text = """
            There have been \(LoginThrottle.notifyAt) failed attempts to log in to your Frontdesk account.
            Each further attempt now waits longer (up to 15 minutes); your own login still works after the wait.
            If this was not you, reset your password (POST /api/auth/forgot-password) — that also ends every session.
            """
        _ = try await messenger.send(
            OutboundMessage(channel: .email, to: user.email.value, subject: "Failed logins on your Frontdesk account", body: text),
            business: business, lead: nil, logger: context.logger)
    }

    struct MeView: Encodable, Sendable {
        let user: UserView
        let memberships: [Membership]
    }

    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> APIResponse<MeView> {
        let claims = try context.requireUser()
        guard let user = try await store.users.find(claims.userId) else {
            throw AppError(.authInvalidToken, "The account no longer exists")
        }
        let memberships = try await store.users.memberships(of: user.id)
        return APIResponse(
            MeView(
                user: Self.view(user, business: memberships.first?.businessId, role: memberships.first?.role ?? claims.role),
                memberships: memberships))
    }

    /// A new login (session): its refresh-token family, and an access token that names it.
    private func tokens(for user: User, business: BusinessID?, role: Role) async throws -> TokenResponse {
        let now = now()
        let session = RandomToken.base32(count: 20)
        let access = try await tokens.issueAccessToken(user: user.id, business: business, role: role, session: session)
        let refresh = TokenService.newOpaqueToken(prefix: "rt")
        try await store.tokens.storeRefreshToken(
            hash: refresh.hash, user: user.id, family: session,
            expiresAt: now.addingTimeInterval(TokenService.refreshTokenLifetime), now: now)
        return TokenResponse(token: access, refreshToken: refresh.token, user: Self.view(user, business: business, role: role))
    }

    static func view(_ user: User, business: BusinessID?, role: Role) -> UserView {
        UserView(
            id: user.id, email: user.email, businessId: business, role: role, firstName: user.firstName,
            lastName: user.lastName)
    }

    static func checkPassword(_ password: String, email: String? = nil, into validator: inout Validator) {
        if let problem = PasswordPolicy.problem(with: password, email: email) {
            validator.add("password", problem)
        }
    }
}
