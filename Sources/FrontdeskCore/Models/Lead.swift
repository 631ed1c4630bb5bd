import Foundation

public enum LeadTag: IdentifierPrefixed { public static let idPrefix = "lead" }
public typealias LeadID = Identifier<LeadTag>

/// The seed's lead lifecycle: `new → contacted → qualified | unqualified → converted`.
public enum LeadStatus: String, Sendable, Codable, CaseIterable {
    case new, contacted, qualified, unqualified, converted
}

/// Where a lead came from: the receptionist's channels (`call`, `sms`, `email`), the CloudGreet seed's
/// `web`, and the CRM seed's `website`, `referral` and `social`.
public enum LeadSource: String, Sendable, Codable, CaseIterable {
    case call, sms, email, web, website, referral, social, other
}

public struct Lead: Sendable, Codable, Hashable {
    public var id: LeadID
    public var businessId: BusinessID
    public var phone: PhoneNumber?
    public var name: String?
    public var email: EmailAddress?
    public var status: LeadStatus
    public var source: LeadSource
    /// 0–100, rule-based; nil until scored.
    public var qualificationScore: Int?
    /// Why the score is what it is: the signals that fired and where they came from.
    public var scoreExplanation: ScoreExplanation?
    public var notes: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// The CRM seed's fields: the organisation the person is with, and what the deal is worth (in the
    /// business's currency).
    public var company: String?
    public var value: Money?

    public init(
        id: LeadID, businessId: BusinessID, phone: PhoneNumber?, name: String?, email: EmailAddress?,
        status: LeadStatus, source: LeadSource, qualificationScore: Int? = nil,
        scoreExplanation: ScoreExplanation? = nil, notes: String?, createdAt: Date, updatedAt: Date,
        company: String? = nil, value: Money? = nil
    ) {
        self.id = id
        self.businessId = businessId
        self.phone = phone
        self.name = name
        self.email = email
        self.status = status
        self.source = source
        self.qualificationScore = qualificationScore
        self.scoreExplanation = scoreExplanation
        self.notes = notes
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.company = company
        self.value = value
    }

    public enum CodingKeys: String, CodingKey {
        case id
        case businessId = "business_id"
        case phone, name, email, status, source
        case qualificationScore = "qualification_score"
        case scoreExplanation = "score_explanation"
        case notes
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case company, value
    }
}
