import Foundation

public enum UserTag: IdentifierPrefixed { public static let idPrefix = "user" }
public typealias UserID = Identifier<UserTag>

/// What a member may do in a business (the seed's token roles).
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    /// Read and work the inbox: leads, appointments, messages. Cannot change the business or its agents.
    case agent
    /// Everything an agent may, plus starting/stopping agents.
    case user
    /// Everything: business settings, agents, deletion.
    case admin

    private var rank: Int {
        switch self {
        case .agent: 0
        case .user: 1
        case .admin: 2
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}

public struct User: Sendable, Codable, Hashable {
    public var id: UserID
    public var email: EmailAddress
    public var passwordHash: String
    public var firstName: String?
    public var lastName: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UserID, email: EmailAddress, passwordHash: String, firstName: String?, lastName: String?,
        createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.email = email
        self.passwordHash = passwordHash
        self.firstName = firstName
        self.lastName = lastName
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public enum CodingKeys: String, CodingKey {
        case id, email
        case passwordHash = "password_hash"
        case firstName = "first_name"
        case lastName = "last_name"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// A user's place in a business.
public struct Membership: Sendable, Codable, Hashable {
    public var userId: UserID
    public var businessId: BusinessID
    public var role: Role
    public var createdAt: Date

    public init(userId: UserID, businessId: BusinessID, role: Role, createdAt: Date) {
        self.userId = userId
        self.businessId = businessId
        self.role = role
        self.createdAt = createdAt
    }

    public enum CodingKeys: String, CodingKey {
        case userId = "user_id"
        case businessId = "business_id"
        case role
        case createdAt = "created_at"
    }
}
