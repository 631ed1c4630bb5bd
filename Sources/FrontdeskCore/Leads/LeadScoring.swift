import Foundation

/// The BANT groups of domain.md, each with its cap.
public enum ScoreGroup: String, Sendable, Codable, CaseIterable {
    case need, timeline, authority, budget, engagement

    public var cap: Int {
        switch self {
        case .need: 30
        case .timeline: 25
        case .authority, .budget, .engagement: 15
        }
    }
}

/// A fact about a lead that moves its score.
public enum ScoreSignal: String, Sendable, Codable, CaseIterable {
    case wantsOfferedService = "wants_offered_service"
    case urgentProblem = "urgent_problem"
    case timelineWithin7Days = "timeline_within_7_days"
    case timelineWithin30Days = "timeline_within_30_days"
    case timelineLater = "timeline_later"
    case justLooking = "just_looking"
    case decisionMaker = "decision_maker"
    case needsApproval = "needs_approval"
    case acceptsPrice = "accepts_price"
    case onlyAsksPrice = "only_asks_price"
    case budgetBelowMinimum = "budget_below_minimum"
    case contactCaptured = "contact_captured"
    case askedForCallback = "asked_for_callback"
    case bookedAppointment = "booked_appointment"

    public var group: ScoreGroup {
        switch self {
        case .wantsOfferedService, .urgentProblem: .need
        case .timelineWithin7Days, .timelineWithin30Days, .timelineLater, .justLooking: .timeline
        case .decisionMaker, .needsApproval: .authority
        case .acceptsPrice, .onlyAsksPrice, .budgetBelowMinimum: .budget
        case .contactCaptured, .askedForCallback, .bookedAppointment: .engagement
        }
    }

    public var points: Int {
        switch self {
        case .wantsOfferedService: 20
        case .urgentProblem: 10
        case .timelineWithin7Days: 25
        case .timelineWithin30Days: 15
        case .timelineLater: 5
        case .justLooking: 0
        case .decisionMaker: 15
        case .needsApproval: 8
        case .acceptsPrice: 15
        case .onlyAsksPrice: 5
        case .budgetBelowMinimum: -10
        case .contactCaptured: 5
        case .askedForCallback: 5
        case .bookedAppointment: 10
        }
    }
}

/// Reasons that disqualify a lead whatever its points.
public enum Disqualifier: String, Sendable, Codable, CaseIterable {
    case spam, outsideServiceArea = "outside_service_area", existingCustomerSupport = "existing_customer_support"
}

public enum ScoreBand: String, Sendable, Codable {
    case qualified, warm, cold

    public init(score: Int) {
        self = score >= 70 ? .qualified : score >= 40 ? .warm : .cold
    }
}

/// A signal that fired, where it came from ("criteria", "turn 3", "lead record"), and what it gave.
public struct FiredSignal: Sendable, Codable, Hashable {
    public var signal: ScoreSignal
    public var group: ScoreGroup
    public var points: Int
    public var source: String

    public init(signal: ScoreSignal, source: String) {
        self.signal = signal
        self.group = signal.group
        self.points = signal.points
        self.source = source
    }
}

/// The stored explanation of a score, so a person can see why.
public struct ScoreExplanation: Sendable, Codable, Hashable {
    public var score: Int
    public var band: ScoreBand
    public var signals: [FiredSignal]
    /// Points per group after the group's cap.
    public var groups: [String: Int]
    public var disqualifiedReason: Disqualifier?
    public var scoredAt: Date

    enum CodingKeys: String, CodingKey {
        case score, band, signals, groups
        case disqualifiedReason = "disqualified_reason"
        case scoredAt = "scored_at"
    }
}

/// Rule-based, explainable lead scoring (0–100) as in domain.md.
public enum LeadScorer {
    public static func score(
        _ signals: [FiredSignal], disqualifier: Disqualifier? = nil, at now: Date
    ) -> ScoreExplanation {
        // A signal counts once, from where it was first seen.
        var seen = Set<ScoreSignal>()
        let unique = signals.filter { seen.insert($0.signal).inserted }
        var groups: [String: Int] = [:]
        var total = 0
        for group in ScoreGroup.allCases {
            let raw = unique.filter { $0.group == group }.reduce(0) { $0 + $1.points }
            let capped = min(raw, group.cap)
            groups[group.rawValue] = capped
            total += capped
        }
        let score = disqualifier == nil ? max(0, min(100, total)) : 0
        return ScoreExplanation(
            score: score, band: ScoreBand(score: score), signals: unique, groups: groups,
            disqualifiedReason: disqualifier, scoredAt: now)
    }

    /// The lead status a score implies, never moving a converted lead back.
    public static func status(after explanation: ScoreExplanation, current: LeadStatus) -> LeadStatus {
        if current == .converted { return .converted }
        if explanation.disqualifiedReason != nil { return .unqualified }
        if explanation.band == .qualified { return .qualified }
        return current == .new ? .contacted : (current == .qualified ? .contacted : current)
    }
}

/// The seed's `POST /leads/{id}/qualify` criteria: `{budget, timeline, decision_maker}` plus the optional
/// `need`, `urgent`, `callback_requested` and `disqualified` facts.
public struct QualificationCriteria: Sendable, Codable, Hashable {
    public enum Budget: String, Sendable, Codable { case high, medium, low, unknown }
    public enum Timeline: String, Sendable, Codable {
        case immediate, thisWeek = "this_week", thisMonth = "this_month", later, justLooking = "just_looking"
        case unknown
    }

    public var budget: Budget?
    public var timeline: Timeline?
    public var decisionMaker: Bool?
    /// The service the lead asked for; scores when the business offers it.
    public var need: String?
    public var urgent: Bool?
    public var callbackRequested: Bool?
    public var disqualified: Disqualifier?

    public init(
        budget: Budget? = nil, timeline: Timeline? = nil, decisionMaker: Bool? = nil, need: String? = nil,
        urgent: Bool? = nil, callbackRequested: Bool? = nil, disqualified: Disqualifier? = nil
    ) {
        self.budget = budget
        self.timeline = timeline
        self.decisionMaker = decisionMaker
        self.need = need
        self.urgent = urgent
        self.callbackRequested = callbackRequested
        self.disqualified = disqualified
    }

    enum CodingKeys: String, CodingKey {
        case budget, timeline, need, urgent, disqualified
        case decisionMaker = "decision_maker"
        case callbackRequested = "callback_requested"
    }

    /// The signals these answers fire, given what the business offers.
    public func signals(offered services: [ServiceOffering]) -> [FiredSignal] {
        var fired: [ScoreSignal] = []
        switch budget {
        case .high: fired.append(.acceptsPrice)
        case .medium: fired.append(.onlyAsksPrice)
        case .low: fired.append(.budgetBelowMinimum)
        case .unknown, nil: break
        }
        switch timeline {
        case .immediate, .thisWeek: fired.append(.timelineWithin7Days)
        case .thisMonth: fired.append(.timelineWithin30Days)
        case .later: fired.append(.timelineLater)
        case .justLooking: fired.append(.justLooking)
        case .unknown, nil: break
        }
        switch decisionMaker {
        case true?: fired.append(.decisionMaker)
        case false?: fired.append(.needsApproval)
        case nil: break
        }
        if let need = need?.lowercased(), services.contains(where: { need.contains($0.name.lowercased()) }) {
            fired.append(.wantsOfferedService)
        }
        if urgent == true { fired.append(.urgentProblem) }
        if callbackRequested == true { fired.append(.askedForCallback) }
        return fired.map { FiredSignal(signal: $0, source: "criteria") }
    }
}
