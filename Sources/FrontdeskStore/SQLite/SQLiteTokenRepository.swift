import Foundation
import FrontdeskCore
import GRDB



/// Refresh tokens (rotating, stored as hashes, grouped in families) and password-reset tokens.
struct SQLiteTokenRepository: TokenRepository {
    let pool: StoreDatabase
    let cache: AccessStateCache

    func storeRefreshToken(hash: String, user: UserID, family: String, expiresAt: Date, now: Date)
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
    func rotate(hash: String, newHash: String, newExpiresAt: Date, now: Date) async throws -> RefreshOutcome {
        let cache = cache
        return try await pool.write { db in
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
                cache.remember(.sessionRevoked, user: row["user_id"], session: family)
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
            return .rotated(user, session: family)
        }
    }

    /// Revokes every refresh token of `user` (after a password reset).
    func revokeAll(user: UserID, now: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE user_id = ?",
                arguments: [now, user])
        }
        cache.revokeAll(user: user)
    }

    /// Revokes one login (its refresh-token family): a log-out.
    func revokeSession(_ session: String, user: UserID, now: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE family_id = ? AND user_id = ?",
                arguments: [now, session, user])
        }
        cache.remember(.sessionRevoked, user: user, session: session)
    }

    /// Whether an access token of `user` issued for login `session` may still be used: the account
    /// exists and the login has not been revoked (log-out, refresh-token reuse, password reset).
    /// Answered from memory when this process looked less than a second ago or made the revocation
    /// itself (`AccessStateCache`); otherwise one indexed read, so it holds across restarts and instances.
    func accessState(user: UserID, session: String?) async throws -> AccessState {
        if let known = cache.state(user: user, session: session) { return known }
        let state = try await pool.read { db -> AccessState in
            let statement = try db.cachedStatement(
                sql: """
                    SELECT EXISTS(SELECT 1 FROM users WHERE id = ?),
                           EXISTS(SELECT 1 FROM refresh_tokens WHERE family_id = ? AND revoked_at IS NOT NULL)
                    """)
            guard let row = try Row.fetchOne(statement, arguments: [user, session ?? ""]) else { return .accountGone }
            if !(row[0] as Bool) { return .accountGone }
            if row[1] as Bool { return .sessionRevoked }
            return .valid
        }
        cache.remember(state, user: user, session: session)
        return state
    }

    func storePasswordReset(hash: String, user: UserID, expiresAt: Date, now: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO password_resets (token_hash, user_id, expires_at, created_at) VALUES (?, ?, ?, ?)",
                arguments: [hash, user, expiresAt, now])
        }
    }

    /// Marks a reset token used and returns its user, or nil when unknown, used or expired.
    func consumePasswordReset(hash: String, now: Date) async throws -> UserID? {
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
