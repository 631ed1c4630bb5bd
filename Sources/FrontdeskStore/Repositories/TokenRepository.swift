import Foundation
import FrontdeskCore

/// What presenting a refresh token led to.
public enum RefreshOutcome: Sendable, Equatable {
    /// The token was valid and has been replaced; the user may have a new pair in the same session (family).
    case rotated(UserID, session: String)
    /// Unknown or expired.
    case invalid
    /// An already used token came back: the whole family has been revoked.
    case reuseDetected
}

/// Whether an access token may still be used.
public enum AccessState: Sendable, Equatable {
    case valid
    case sessionRevoked
    case accountGone
}

public protocol TokenRepository: Sendable {
    func storeRefreshToken(hash: String, user: UserID, family: String, expiresAt: Date, now: Date) async throws

    /// Uses the refresh token `hash` once and stores its successor `newHash` in the same family — in one
    /// transaction, so two concurrent uses of one token cannot both succeed.
    func rotate(hash: String, newHash: String, newExpiresAt: Date, now: Date) async throws -> RefreshOutcome

    /// Revokes every refresh token of `user` (after a password reset).
    func revokeAll(user: UserID, now: Date) async throws

    /// Revokes one login (its refresh-token family): a log-out.
    func revokeSession(_ session: String, user: UserID, now: Date) async throws

    /// Whether an access token of `user` issued for login `session` may still be used: the account
    /// exists and the login has not been revoked (log-out, refresh-token reuse, password reset).
    /// Answered from memory when this process looked less than a second ago or made the revocation
    /// itself (`AccessStateCache`); otherwise one indexed read, so it holds across restarts and instances.
    func accessState(user: UserID, session: String?) async throws -> AccessState

    func storePasswordReset(hash: String, user: UserID, expiresAt: Date, now: Date) async throws

    /// Marks a reset token used and returns its user, or nil when unknown, used or expired.
    func consumePasswordReset(hash: String, now: Date) async throws -> UserID?
}
