import Foundation
import FrontdeskCore
import GRDB

struct SQLiteBusinessRepository: BusinessRepository {
    let pool: StoreDatabase
    let memberships: MembershipCache
    let routing: RoutingCache

    func find(_ id: BusinessID) async throws -> Business? {
        if let cached = routing.business(id) { return cached }
        let generation = routing.generation
        let business = try await pool.read { db in try Business.fetchOne(db, key: id.rawValue) }
        if let business { routing.remember(business, readAt: generation) }
        return business
    }

    /// The businesses `user` belongs to, optionally filtered by name, newest first.
    func list(for user: UserID, search: String?, page: PageRequest) async throws -> Page<Business> {
        try await pool.read { db in
            var request = Business.filter(
                sql: "id IN (SELECT business_id FROM memberships WHERE user_id = ?)", arguments: [user])
            if let search, !search.isEmpty {
                request = request.filter(sql: "name LIKE ? ESCAPE '\\'", arguments: ["%" + likeEscaped(search) + "%"])
            }
            let total = try request.fetchCount(db)
            let items = try request.order(Business.Columns.createdAt.desc, Business.Columns.id.desc)
                .limit(page.limit, offset: page.offset).fetchReadable(db, reporting: pool.unreadable)
            return Page(items: items, total: total)
        }
    }

    /// Creates a business with `owner` as its admin.
    func create(_ business: Business, owner: UserID) async throws {
        try await pool.write { db in
            try business.insert(db)
            try Membership(userId: owner, businessId: business.id, role: .admin, createdAt: business.createdAt)
                .insert(db)
        }
        memberships.clear()
    }

    func update(_ business: Business) async throws {
        defer { routing.clear() }
        try await pool.write { db in try business.update(db) }
    }

    /// Deletes the business and, by cascade, everything it owns.
    func delete(_ id: BusinessID) async throws {
        defer { routing.clear() }
        _ = try await pool.write { db in try Business.deleteOne(db, key: id.rawValue) }
        memberships.clear()
    }

    func count() async throws -> Int {
        try await pool.read { db in try Business.fetchCount(db) }
    }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
func likeEscaped(_ text: String) -> String {
    text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
        .replacingOccurrences(of: "_", with: "\\_")
}
