import Foundation
import FrontdeskCore
import Testing

@Suite("Lead scoring")
struct LeadScoringTests {
    let services = [ServiceOffering(name: "Cleaning", price: Money(cents: 12_000), duration: 45)]
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    @Test("a ready buyer who decides alone and wants an offered service is qualified, with reasons")
    func readyBuyer() {
        let criteria = QualificationCriteria(
            budget: .high, timeline: .immediate, decisionMaker: true, need: "a cleaning please")
        let explanation = LeadScorer.score(criteria.signals(offered: services), at: now)
        #expect(explanation.score == 20 + 25 + 15 + 15)
        #expect(explanation.band == .qualified)
        #expect(Set(explanation.signals.map(\.signal)) == [.acceptsPrice, .timelineWithin7Days, .decisionMaker, .wantsOfferedService])
        #expect(explanation.signals.allSatisfy { $0.source == "criteria" })
        #expect(LeadScorer.status(after: explanation, current: .new) == .qualified)
    }

    @Test("groups are capped and the total stays within 0–100")
    func caps() {
        let signals = [ScoreSignal.wantsOfferedService, .urgentProblem, .contactCaptured, .askedForCallback, .bookedAppointment]
            .map { FiredSignal(signal: $0, source: "turn 1") }
        let explanation = LeadScorer.score(signals, at: now)
        #expect(explanation.groups["need"] == 30)
        #expect(explanation.groups["engagement"] == 15, "5 + 5 + 10 capped at 15")
        #expect(explanation.score == 45)
        #expect(explanation.band == .warm)
        let low = LeadScorer.score([FiredSignal(signal: .budgetBelowMinimum, source: "criteria")], at: now)
        #expect(low.score == 0)
    }

    @Test("a signal counts once even when heard twice")
    func duplicates() {
        let signals = [FiredSignal(signal: .decisionMaker, source: "turn 2"), FiredSignal(signal: .decisionMaker, source: "turn 5")]
        let explanation = LeadScorer.score(signals, at: now)
        #expect(explanation.score == 15)
        #expect(explanation.signals.first?.source == "turn 2")
    }

    @Test("a disqualifier makes the lead unqualified whatever its points")
    func disqualified() {
        let criteria = QualificationCriteria(budget: .high, timeline: .immediate, decisionMaker: true, disqualified: .spam)
        let explanation = LeadScorer.score(criteria.signals(offered: services), disqualifier: criteria.disqualified, at: now)
        #expect(explanation.score == 0)
        #expect(LeadScorer.status(after: explanation, current: .contacted) == .unqualified)
    }

    @Test("a converted lead stays converted")
    func converted() {
        let explanation = LeadScorer.score([], at: now)
        #expect(LeadScorer.status(after: explanation, current: .converted) == .converted)
        #expect(LeadScorer.status(after: explanation, current: .new) == .contacted)
    }
}
