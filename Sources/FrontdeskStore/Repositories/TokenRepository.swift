import FrontdeskCore
import Foundation
import GRDB

/// What presenting a refresh token led to.
public enum RefreshOutcome: Sendable, Equatable {
    /// The token was valid and has been replaced; the user may have a new pair.
    case rotated(UserID)
    /// Unknown or expired.
    case invalid
    /// An already used token came back: the whole family has been revoked.
    case reuseDetected
}

/// Refresh tokens (rotating, stored as hashes, grouped in families) and password-reset tokens.
public struct TokenRepository: Sendable {
    let pool: StoreDatabase

    public func storeRefreshToken(hash: String, user: UserID, family: String, expiresAt: Date, now: Date)
        async throws
    {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO refresh_tokens (token_hash, user_id, family_id, expires_at, created_at)
                    VALUES (?, ?, ?, ?, ?)
                    """, arguments: [hash, user, family, expiresAt, now])
        }
    }

    /// Uses the refresh token `hash` once and stores its successor `newHash` in the same family — in one
    /// transaction, so two concurrent uses of one token cannot both succeed.
    public func rotate(hash: String, newHash: String, newExpiresAt: Date, now: Date) async throws -> RefreshOutcome {
        try await pool.write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT user_id, family_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = ?",
                    arguments: [hash])
            else { return .invalid }
            let family: String = row["family_id"]
            if row["used_at"] as Date? != nil || row["revoked_at"] as Date? != nil {
                try db.execute(
                    sql: "UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE family_id = ?",
                    arguments: [now, family])
                return .reuseDetected
            }
            let expiresAt: Date = row["expires_at"]
            guard expiresAt > now else { return .invalid }
            let user: UserID = row["user_id"]
            try db.execute(sql: "UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?", arguments: [now, hash])
            try db.execute(
                sql: """
                    INSERT INTO refresh_tokens (token_hash, user_id, family_id, expires_at, created_at)
                    VALUES (?, ?, ?, ?, ?)
                    """, arguments: [newHash, user, family, newExpiresAt, now])
            return .rotated(user)
        }
    }

    /// Revokes every refresh token of `user` (after a password reset).
    public func revokeAll(user: UserID, now: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE user_id = ?",
                arguments: [now, user])
        }
    }

    public func storePasswordReset(hash: String, user: UserID, expiresAt: Date, now: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO password_resets (token_hash, user_id, expires_at, created_at) VALUES (?, ?, ?, ?)",
                arguments: [hash, user, expiresAt, now])
        }
    }

    /// Marks a reset token used and returns its user, or nil when unknown, used or expired.
    public func consumePasswordReset(hash: String, now: Date) async throws -> UserID? {
        try await pool.write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT user_id, expires_at, used_at FROM password_resets WHERE token_hash = ?",
                    arguments: [hash]),
                row["used_at"] as Date? == nil,
                (row["expires_at"] as Date) > now
            else { return nil }
            try db.execute(sql: "UPDATE password_resets SET used_at = ? WHERE token_hash = ?", arguments: [now, hash])
            return row["user_id"] as UserID
        }
    }
}
