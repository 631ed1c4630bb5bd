import Foundation
import FrontdeskCore
import GRDB

struct SQLiteUserRepository: UserRepository {
    let pool: StoreDatabase
    let memberships: MembershipCache

    func find(_ id: UserID) async throws -> User? {
        try await pool.read { db in try User.fetchOne(db, key: id.rawValue) }
    }

    func find(email: EmailAddress) async throws -> User? {
        try await pool.read { db in
            try User.filter(sql: "email = ? COLLATE NOCASE", arguments: [email.value]).fetchOne(db)
        }
    }

    /// Creates a user together with its first business, as its admin — in one transaction.
    /// Throws `RESOURCE_ALREADY_EXISTS` when the e-mail is taken.
    func register(_ user: User, business: Business) async throws {
        do {
            try await pool.write { db in
                try user.insert(db)
                try business.insert(db)
                try Membership(userId: user.id, businessId: business.id, role: .admin, createdAt: user.createdAt)
                    .insert(db)
            }
            memberships.clear()
        } catch let error as DatabaseError where error.isUniqueViolation {
            throw StoreError.duplicate(message: "An account with this email already exists")
        }
    }

    func updatePassword(_ id: UserID, hash: String, at now: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
                arguments: [hash, now, id])
        }
    }

    /// The user's role in a business, or nil when not a member.
    func role(of user: UserID, in business: BusinessID) async throws -> Role? {
        if let cached = memberships.role(user: user, business: business) { return cached }
        let generation = memberships.generation
        let role = try await pool.read { db in
            try Role.fetchOne(
                db, sql: "SELECT role FROM memberships WHERE user_id = ? AND business_id = ?",
                arguments: [user, business])
        }
        memberships.remember(role, user: user, business: business, readAt: generation)
        return role
    }

    func memberships(of user: UserID) async throws -> [Membership] {
        try await pool.read { db in
            try Membership.filter(Membership.Columns.userId == user).order(Membership.Columns.createdAt).fetchAll(db)
        }
    }

    func members(of business: BusinessID) async throws -> [Membership] {
        try await pool.read { db in
            try Membership.filter(Membership.Columns.businessId == business).order(Membership.Columns.createdAt).fetchAll(db)
        }
    }

    func addMembership(_ membership: Membership) async throws {
        try await pool.write { db in try membership.save(db) }
        memberships.clear()
    }
}
