import Foundation
import FrontdeskCore
import PostgresNIO

struct PostgresUserRepository: UserRepository {
    let db: PostgresDatabase
    let caches: StoreCaches

    func find(_ id: UserID) async throws -> User? {
        try User.decode(try await db.row("SELECT \(unescaped: User.selectList) FROM users WHERE id = \(id.rawValue)"))
    }

    func find(email: EmailAddress) async throws -> User? {
        try User.decode(try await db.row("SELECT \(unescaped: User.selectList) FROM users WHERE lower(email) = lower(\(email.value))"))
    }

    func register(_ user: User, business: Business) async throws {
        do {
            try await db.transaction { db in
                try await db.execute(try user.insertQuery())
                try await db.execute(try business.insertQuery())
                try await db.execute(
                    try Membership(userId: user.id, businessId: business.id, role: .admin, createdAt: user.createdAt).insertQuery())
                try await db.notifyCaches("memberships")
            }
            caches.memberships.clear()
        } catch let error as PSQLError where error.isUniqueViolation {
            throw StoreError.duplicate(message: "An account with this email already exists")
        }
    }

    func updatePassword(_ id: UserID, hash: String, at now: Date) async throws {
        try await db.execute("UPDATE users SET password_hash = \(hash), updated_at = \(now.storedInstant) WHERE id = \(id.rawValue)")
    }

    func role(of user: UserID, in business: BusinessID) async throws -> Role? {
        if let cached = caches.memberships.role(user: user, business: business) { return cached }
        let generation = caches.memberships.generation
        let raw = try await db.row(
            "SELECT role FROM memberships WHERE user_id = \(user.rawValue) AND business_id = \(business.rawValue)"
        ).map { try $0.decode(String.self) }
        let role = raw.flatMap(Role.init(rawValue:))
        caches.memberships.remember(role, user: user, business: business, readAt: generation)
        return role
    }

    func memberships(of user: UserID) async throws -> [Membership] {
        try Membership.decodeAll(
            try await db.rows(
                "SELECT \(unescaped: Membership.selectList) FROM memberships WHERE user_id = \(user.rawValue) ORDER BY created_at"),
            reporting: db.unreadable)
    }

    func members(of business: BusinessID) async throws -> [Membership] {
        try Membership.decodeAll(
            try await db.rows(
                "SELECT \(unescaped: Membership.selectList) FROM memberships WHERE business_id = \(business.rawValue) ORDER BY created_at"),
            reporting: db.unreadable)
    }

    func addMembership(_ membership: Membership) async throws {
        try await db.transaction { db in
            try await db.execute(try membership.upsertQuery(conflict: "user_id, business_id"))
            try await db.notifyCaches("memberships")
        }
        caches.memberships.clear()
    }
}

struct PostgresBusinessRepository: BusinessRepository {
    let db: PostgresDatabase
    let caches: StoreCaches

    func find(_ id: BusinessID) async throws -> Business? {
        if let cached = caches.routing.business(id) { return cached }
        let generation = caches.routing.generation
        let business = try Business.decode(
            try await db.row("SELECT \(unescaped: Business.selectList) FROM businesses WHERE id = \(id.rawValue)"))
        if let business { caches.routing.remember(business, readAt: generation) }
        return business
    }

    func list(for user: UserID, search: String?, page: PageRequest) async throws -> Page<Business> {
        let mine = "id IN (SELECT business_id FROM memberships WHERE user_id = $1)"
        var binds = PostgresBindings()
        binds.append(user.rawValue)
        var condition = mine
        if let search, !search.isEmpty {
            condition += " AND name ILIKE $2 ESCAPE '\\'"
            binds.append("%" + likeEscaped(search) + "%")
        }
        let total = try await db.row(PostgresQuery(unsafeSQL: "SELECT count(*) FROM businesses WHERE \(condition)", binds: binds))
            .map { try $0.decode(Int.self) } ?? 0
        let rows = try await db.rows(
            Business.select(
                "WHERE \(condition) ORDER BY created_at DESC, id DESC LIMIT \(page.limit) OFFSET \(page.offset)", binds))
        return Page(items: try Business.decodeAll(rows, reporting: db.unreadable), total: total)
    }

    func create(_ business: Business, owner: UserID) async throws {
        try await db.transaction { db in
            try await db.execute(try business.insertQuery())
            try await db.execute(
                try Membership(userId: owner, businessId: business.id, role: .admin, createdAt: business.createdAt).insertQuery())
            try await db.notifyCaches("memberships")
        }
        caches.memberships.clear()
    }

    func update(_ business: Business) async throws {
        defer { caches.routing.clear() }
        try await db.transaction { db in
            guard try await db.row(try business.updateQuery()) != nil else { throw RecordNotFound(table: "businesses") }
            try await db.notifyCaches("routing")
        }
    }

    func delete(_ id: BusinessID) async throws {
        defer { caches.routing.clear() }
        try await db.transaction { db in
            try await db.execute("DELETE FROM businesses WHERE id = \(id.rawValue)")
            try await db.notifyCaches("routing")
            try await db.notifyCaches("memberships")
        }
        caches.memberships.clear()
    }

    func count() async throws -> Int {
        try await db.row("SELECT count(*) FROM businesses").map { try $0.decode(Int.self) } ?? 0
    }
}

struct PostgresTokenRepository: TokenRepository {
    let db: PostgresDatabase
    let caches: StoreCaches

    func storeRefreshToken(hash: String, user: UserID, family: String, expiresAt: Date, now: Date) async throws {
        try await db.execute(
            """
            INSERT INTO refresh_tokens (token_hash, user_id, family_id, expires_at, created_at)
            VALUES (\(hash), \(user.rawValue), \(family), \(expiresAt.storedInstant), \(now.storedInstant))
            """)
    }

    func rotate(hash: String, newHash: String, newExpiresAt: Date, now: Date) async throws -> RefreshOutcome {
        let (outcome, revoked) = try await db.transaction { db -> (RefreshOutcome, (UserID, String)?) in
            // FOR UPDATE: two instances presenting one token at once take turns; the second sees it used.
            guard
                let row = try await db.row(
                    "SELECT user_id, family_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = \(hash) FOR UPDATE")
            else { return (.invalid, nil) }
            let (userId, family, expiresAt, usedAt, revokedAt) = try row.decode((String, String, Date, Date?, Date?).self)
            let user = UserID(rawValue: userId)
            if usedAt != nil || revokedAt != nil {
                try await db.execute(
                    "UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, \(now.storedInstant)) WHERE family_id = \(family)")
                try await db.notifyCaches("revoke \(userId) \(family)")
                return (.reuseDetected, (user, family))
            }
            guard expiresAt > now else { return (.invalid, nil) }
            try await db.execute("UPDATE refresh_tokens SET used_at = \(now.storedInstant) WHERE token_hash = \(hash)")
            try await db.execute(
                """
                INSERT INTO refresh_tokens (token_hash, user_id, family_id, expires_at, created_at)
                VALUES (\(newHash), \(userId), \(family), \(newExpiresAt.storedInstant), \(now.storedInstant))
                """)
            return (.rotated(user, session: family), nil)
        }
        if let (user, family) = revoked { caches.accessStates.remember(.sessionRevoked, user: user, session: family) }
        return outcome
    }

    func revokeAll(user: UserID, now: Date) async throws {
        try await db.transaction { db in
            try await db.execute(
                "UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, \(now.storedInstant)) WHERE user_id = \(user.rawValue)")
            try await db.notifyCaches("revoke-all \(user.rawValue)")
        }
        caches.accessStates.revokeAll(user: user)
    }

    func revokeSession(_ session: String, user: UserID, now: Date) async throws {
        try await db.transaction { db in
            try await db.execute(
                """
                UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, \(now.storedInstant))
                WHERE family_id = \(session) AND user_id = \(user.rawValue)
                """)
            try await db.notifyCaches("revoke \(user.rawValue) \(session)")
        }
        caches.accessStates.remember(.sessionRevoked, user: user, session: session)
    }

    func accessState(user: UserID, session: String?) async throws -> AccessState {
        if let known = caches.accessStates.state(user: user, session: session) { return known }
        guard
            let row = try await db.row(
                """
                SELECT EXISTS(SELECT 1 FROM users WHERE id = \(user.rawValue)),
                       EXISTS(SELECT 1 FROM refresh_tokens WHERE family_id = \(session ?? "") AND revoked_at IS NOT NULL)
                """)
        else { return .accountGone }
        let (exists, revoked) = try row.decode((Bool, Bool).self)
        let state: AccessState = !exists ? .accountGone : revoked ? .sessionRevoked : .valid
        caches.accessStates.remember(state, user: user, session: session)
        return state
    }

    func storePasswordReset(hash: String, user: UserID, expiresAt: Date, now: Date) async throws {
        try await db.execute(
            """
            INSERT INTO password_resets (token_hash, user_id, expires_at, created_at)
            VALUES (\(hash), \(user.rawValue), \(expiresAt.storedInstant), \(now.storedInstant))
            """)
    }

    func consumePasswordReset(hash: String, now: Date) async throws -> UserID? {
        // One statement: of two concurrent uses only one finds it unused.
        try await db.row(
            """
            UPDATE password_resets SET used_at = \(now.storedInstant)
            WHERE token_hash = \(hash) AND used_at IS NULL AND expires_at > \(now.storedInstant)
            RETURNING user_id
            """
        ).map { UserID(rawValue: try $0.decode(String.self)) }
    }
}

struct PostgresIdempotencyRepository: IdempotencyRepository {
    let db: PostgresDatabase

    func claim(user: UserID, key: String, method: String, path: String, requestHash: String, now: Date) async throws
        -> IdempotencyClaim
    {
        try await db.transaction { db -> IdempotencyClaim in
            // Delete an expired reservation first, then insert; a concurrent claim of the same key waits
            // on the row and then sees it (ON CONFLICT), so exactly one request proceeds.
            try await db.execute(
                """
                DELETE FROM idempotency_keys WHERE user_id = \(user.rawValue) AND key = \(key)
                  AND created_at <= \(now.addingTimeInterval(-IdempotencyKeys.lifetime).storedInstant)
                """)
            let inserted = try await db.row(
                """
                INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, status_code, response_body, created_at)
                VALUES (\(user.rawValue), \(key), \(method), \(path), \(requestHash), 0, ''::bytea, \(now.storedInstant))
                ON CONFLICT DO NOTHING RETURNING 1
                """)
            if inserted != nil { return .proceed }
            guard
                let row = try await db.row(
                    "SELECT request_hash, status_code, response_body FROM idempotency_keys WHERE user_id = \(user.rawValue) AND key = \(key)")
            else { return .inProgress }
            let (hash, status, body) = try row.decode((String, Int, Data).self)
            guard hash == requestHash else { return .mismatch }
            return status == 0 ? .inProgress : .replay(status: status, body: body)
        }
    }

    func complete(user: UserID, key: String, status: Int, body: Data) async throws {
        try await db.execute(
            "UPDATE idempotency_keys SET status_code = \(status), response_body = \(body) WHERE user_id = \(user.rawValue) AND key = \(key)")
    }

    func release(user: UserID, key: String) async throws {
        try await db.execute(
            "DELETE FROM idempotency_keys WHERE user_id = \(user.rawValue) AND key = \(key) AND status_code = 0")
    }
}

/// An update of a row that is not stored.
struct RecordNotFound: Error, CustomStringConvertible {
    let table: String
    var description: String { "no such row in \(table)" }
}

extension PostgresRecord {
    /// Inserts, or replaces every other column of the row with the same values in `conflict`.
    func upsertQuery(conflict: String) throws -> PostgresQuery {
        let keys = Set(conflict.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        let updates = Self.columns.filter { !keys.contains($0.name) }.map { "\($0.quoted) = EXCLUDED.\($0.quoted)" }
        return try insertQuery(
            suffix: " ON CONFLICT (\(conflict)) " + (updates.isEmpty ? "DO NOTHING" : "DO UPDATE SET \(updates.joined(separator: ", "))"))
    }
}
