import Foundation

public enum CampaignTag: IdentifierPrefixed { public static let idPrefix = "campaign" }
public typealias CampaignID = Identifier<CampaignTag>

/// Which of a business's leads a bulk enrollment or a campaign reaches: every lead that passes all
/// the filters given (`lead_ids` names them one by one).
public struct LeadAudience: Sendable, Hashable, Codable {
    public var leadIds: [String]?
    public var status: LeadStatus?
    public var source: LeadSource?
    public var minScore: Int?
    public var maxScore: Int?
    /// Leads whose contact carries this tag.
    public var tag: String?

    /// The most leads one bulk enrollment or campaign reaches.
    public static let limit = 10_000

    public init(leadIds: [String]? = nil, status: LeadStatus? = nil, source: LeadSource? = nil, minScore: Int? = nil, maxScore: Int? = nil, tag: String? = nil) {
        self.leadIds = leadIds
        self.status = status
        self.source = source
        self.minScore = minScore
        self.maxScore = maxScore
        self.tag = tag
    }

    enum CodingKeys: String, CodingKey {
        case leadIds = "lead_ids"
        case status, source, tag
        case minScore = "min_score"
        case maxScore = "max_score"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        leadIds = try c.decodeIfPresent([String].self, forKey: .leadIds)
        status = try c.decodeIfPresent(LeadStatus.self, forKey: .status)
        source = try c.decodeIfPresent(LeadSource.self, forKey: .source)
        minScore = try c.decodeIfPresent(Int.self, forKey: .minScore)
        maxScore = try c.decodeIfPresent(Int.self, forKey: .maxScore)
        tag = try c.decodeIfPresent(String.self, forKey: .tag)
        if let ids = leadIds, !(1...Self.limit).contains(ids.count) || ids.contains(where: { $0.isEmpty || $0.count > 100 }) {
            throw DecodingError.dataCorruptedError(forKey: .leadIds, in: c, debugDescription: "must hold 1–\(Self.limit) lead ids")
        }
        for (key, score) in [(CodingKeys.minScore, minScore), (.maxScore, maxScore)] {
            if let score, !(0...100).contains(score) { throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "must be 0–100") }
        }
        if let min = minScore, let max = maxScore, min > max {
            throw DecodingError.dataCorruptedError(forKey: .minScore, in: c, debugDescription: "must not be above max_score")
        }
        if let tag, !(1...50).contains(tag.count) { throw DecodingError.dataCorruptedError(forKey: .tag, in: c, debugDescription: "must be 1–50 characters") }
    }

    /// The score range the filter asks for, if any.
    public var scores: ClosedRange<Int>? { minScore == nil && maxScore == nil ? nil : (minScore ?? 0)...(maxScore ?? 100) }
}

public enum CampaignStatus: String, Sendable, Codable, CaseIterable {
    /// Being written: nothing is planned.
    case draft
    /// Its start is planned: at `start_at` the audience is enrolled in the workflow.
    case scheduled
    /// Its audience is enrolled; the workflow's steps are going out at the campaign's rate.
    case running
    /// Every enrollment it made has finished.
    case completed
    /// Stopped by hand: enrollments not finished were ended.
    case cancelled
}

/// A scheduled sequence over a list: at `startAt` the audience is enrolled in the workflow (its
/// sequence of texts, e-mails, waits), the first steps paced at `perMinute`. Texts to numbers that
/// opted out (STOP) are skipped, as every workflow text is.
public struct Campaign: Sendable, Hashable {
    public var id: CampaignID
    public var businessId: BusinessID
    public var name: String
    public var workflowId: WorkflowID
    public var audience: LeadAudience
    public var startAt: Date
    /// First steps per minute (nil: all at the start).
    public var perMinute: Int?
    public var status: CampaignStatus
    /// Leads the audience picked, and those enrolled, when it started.
    public var matched: Int
    public var enrolled: Int
    public var startedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: CampaignID = .generate(), businessId: BusinessID, name: String, workflowId: WorkflowID, audience: LeadAudience, startAt: Date,
        perMinute: Int?, status: CampaignStatus, matched: Int = 0, enrolled: Int = 0, startedAt: Date? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.businessId = businessId
        self.name = name
        self.workflowId = workflowId
        self.audience = audience
        self.startAt = startAt
        self.perMinute = perMinute
        self.status = status
        self.matched = matched
        self.enrolled = enrolled
        self.startedAt = startedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The enrollments' `source` prefix: `bulk:<campaign id>:`.
    public var batch: String { id.rawValue }

    /// The job that starts it (a new start time plans a new job; the old one finds the time changed).
    public var startJobKey: String { "campaign:\(id.rawValue):\(Int(startAt.timeIntervalSince1970))" }
}
