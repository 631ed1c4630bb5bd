import Foundation
import FrontdeskCore
import FrontdeskStore
import Hummingbird

/// The CRM seed's `/api/achievements`: a business's milestones with its receptionist, counted from what
/// is stored (nothing is kept apart that could disagree): the first and the 100th call answered, the
/// first and the 50th booking, the first text and 100 texts answered, 100 contacts. Each is unlocked
/// when the count is reached, at the time its target record was made.
struct AchievementController {
    let store: Store
    let tenancy: Tenancy

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
    }

    struct Milestone: Sendable {
        let id: String
        let title: String
        let description: String
        let category: String
        let rarity: String
        let points: Int
        let kind: MilestoneKind
        let target: Int
    }

    static let milestones: [Milestone] = [
        Milestone(id: "first_call", title: "First call", description: "The receptionist answered its first call", category: "calls", rarity: "common", points: 10, kind: .callsCompleted, target: 1),
        Milestone(id: "calls_100", title: "Switchboard", description: "100 calls answered", category: "calls", rarity: "rare", points: 100, kind: .callsCompleted, target: 100),
        Milestone(id: "calls_1000", title: "Never misses a ring", description: "1,000 calls answered", category: "calls", rarity: "epic", points: 500, kind: .callsCompleted, target: 1000),
        Milestone(id: "first_booking", title: "First booking", description: "The first appointment booked", category: "bookings", rarity: "common", points: 25, kind: .bookings, target: 1),
        Milestone(id: "bookings_50", title: "Full calendar", description: "50 appointments booked", category: "bookings", rarity: "rare", points: 150, kind: .bookings, target: 50),
        Milestone(id: "first_text", title: "First text", description: "The first text from a customer", category: "messages", rarity: "common", points: 10, kind: .textsReceived, target: 1),
        Milestone(id: "texts_100", title: "Pen pal", description: "100 texts from customers", category: "messages", rarity: "rare", points: 100, kind: .textsReceived, target: 100),
        Milestone(id: "contacts_100", title: "Well connected", description: "100 contacts", category: "contacts", rarity: "rare", points: 100, kind: .contacts, target: 100),
    ]

    struct Achievement: Encodable, Sendable {
        struct Progress: Encodable, Sendable {
            let current: Int
            let target: Int
            let percentage: Int
        }
        let id: String
        let title: String
        let description: String
        let category: String
        let rarity: String
        let points: Int
        let unlockedAt: Date?
        let progress: Progress

        enum CodingKeys: String, CodingKey {
            case id, title, description, category, rarity, points, progress
            case unlockedAt = "unlocked_at"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(title, forKey: .title)
            try container.encode(description, forKey: .description)
            try container.encode(category, forKey: .category)
            try container.encode(rarity, forKey: .rarity)
            try container.encode(points, forKey: .points)
            try container.encode(unlockedAt, forKey: .unlockedAt)  // null while locked
            try container.encode(progress, forKey: .progress)
        }
    }

    struct Totals: Encodable, Sendable {
        let totalUnlocked: Int
        let totalAvailable: Int
        let points: Int

        enum CodingKeys: String, CodingKey {
            case totalUnlocked = "total_unlocked", totalAvailable = "total_available", points
        }
    }

    struct ListView: Encodable, Sendable {
        let achievements: [Achievement]
        let progress: Totals
    }

    /// `GET /api/achievements?business_id=`.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> APIResponse<ListView> {
        let claims = try context.requireUser()
        let business = try await tenancy.businessId(QueryReader(request).string("business_id"), for: claims)
        var achievements: [Achievement] = []
        for milestone in Self.milestones {
            let (count, reached) = try await store.analytics.milestone(milestone.kind, business: business, n: milestone.target)
            let current = min(count, milestone.target)
            achievements.append(
                Achievement(
                    id: milestone.id, title: milestone.title, description: milestone.description, category: milestone.category,
                    rarity: milestone.rarity, points: milestone.points, unlockedAt: reached,
                    progress: .init(current: current, target: milestone.target, percentage: current * 100 / milestone.target)))
        }
        let unlocked = achievements.filter { $0.unlockedAt != nil }
        return APIResponse(
            ListView(
                achievements: achievements,
                progress: Totals(totalUnlocked: unlocked.count, totalAvailable: achievements.count, points: unlocked.map(\.points).reduce(0, +))))
    }
}
