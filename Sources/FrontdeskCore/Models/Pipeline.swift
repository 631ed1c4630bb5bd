import Foundation

public enum PipelineTag: IdentifierPrefixed { public static let idPrefix = "pipeline" }
public typealias PipelineID = Identifier<PipelineTag>
public enum OpportunityTag: IdentifierPrefixed { public static let idPrefix = "opportunity" }
public typealias OpportunityID = Identifier<OpportunityTag>

/// One column of a pipeline: a key that opportunities name (`qualified`), a label, and how likely a
/// deal at this stage is to close (for the weighted value).
public struct PipelineStage: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    /// 0–100 %.
    public var probability: Int

    public init(id: String, name: String, probability: Int) {
        self.id = id
        self.name = name
        self.probability = probability
    }

    enum CodingKeys: String, CodingKey { case id, name, probability }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name).trimmingWhitespace()
        guard (1...100).contains(name.count) else { throw DecodingError.dataCorruptedError(forKey: .name, in: c, debugDescription: "must be 1–100 characters") }
        // The key defaults to the name, lower-cased with dashes (`Proposal sent` → `proposal-sent`).
        let given = try c.decodeIfPresent(String.self, forKey: .id)
        id = given ?? Self.slug(name)
        guard (1...50).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw DecodingError.dataCorruptedError(forKey: .id, in: c, debugDescription: "must be 1–50 of a-z, 0-9, - and _")
        }
        probability = try c.decodeIfPresent(Int.self, forKey: .probability) ?? 0
        guard (0...100).contains(probability) else { throw DecodingError.dataCorruptedError(forKey: .probability, in: c, debugDescription: "must be 0–100") }
    }

    static func slug(_ name: String) -> String {
        var slug = ""
        for character in name.lowercased() {
            if character.isASCII, character.isLetter || character.isNumber {
                slug.append(character)
            } else if !slug.isEmpty, slug.last != "-" {
                slug.append("-")
            }
        }
        while slug.last == "-" { slug.removeLast() }
        return String(slug.prefix(50))
    }
}

/// A business's sales pipeline: ordered stages that its opportunities move through.
public struct Pipeline: Sendable, Hashable {
    public var id: PipelineID
    public var businessId: BusinessID
    public var name: String
    public var stages: [PipelineStage]
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: PipelineID = .generate(), businessId: BusinessID, name: String, stages: [PipelineStage], createdAt: Date, updatedAt: Date) {
        self.id = id
        self.businessId = businessId
        self.name = name
        self.stages = stages
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The stages a new pipeline gets when none are given.
    public static let defaultStages = [
        PipelineStage(id: "new", name: "New", probability: 10), PipelineStage(id: "qualified", name: "Qualified", probability: 30),
        PipelineStage(id: "booked", name: "Appointment booked", probability: 60), PipelineStage(id: "proposal", name: "Proposal sent", probability: 80),
    ]

    /// 1–20 stages with distinct keys; nil when fine, else why not.
    public static func problem(with stages: [PipelineStage]) -> String? {
        guard (1...20).contains(stages.count) else { return "must hold 1–20 stages" }
        guard Set(stages.map(\.id)).count == stages.count else { return "stage ids must differ" }
        return nil
    }

    public func stage(_ id: String) -> PipelineStage? { stages.first { $0.id == id } }
}

public enum OpportunityStatus: String, Sendable, Codable, CaseIterable {
    case open, won, lost
}

/// A deal in a pipeline: a lead (optional) at a stage, worth `value`, owned by a member.
public struct Opportunity: Sendable, Hashable {
    public var id: OpportunityID
    public var businessId: BusinessID
    public var pipelineId: PipelineID
    public var stage: String
    public var name: String
    public var leadId: LeadID?
    public var value: Money
    public var status: OpportunityStatus
    public var ownerId: UserID?
    public var notes: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// When it was won or lost.
    public var closedAt: Date?

    public init(
        id: OpportunityID = .generate(), businessId: BusinessID, pipelineId: PipelineID, stage: String, name: String, leadId: LeadID?, value: Money,
        status: OpportunityStatus, ownerId: UserID?, notes: String?, createdAt: Date, updatedAt: Date, closedAt: Date? = nil
    ) {
        self.id = id
        self.businessId = businessId
        self.pipelineId = pipelineId
        self.stage = stage
        self.name = name
        self.leadId = leadId
        self.value = value
        self.status = status
        self.ownerId = ownerId
        self.notes = notes
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.closedAt = closedAt
    }
}
