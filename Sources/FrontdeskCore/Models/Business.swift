import Foundation

public enum BusinessTag: IdentifierPrefixed { public static let idPrefix = "business" }
public typealias BusinessID = Identifier<BusinessTag>

public struct Business: Sendable, Codable, Hashable {
    public var id: BusinessID
    public var name: String
    public var settings: BusinessSettings
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: BusinessID, name: String, settings: BusinessSettings, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.name = name
        self.settings = settings
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public enum CodingKeys: String, CodingKey {
        case id, name, settings
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}
