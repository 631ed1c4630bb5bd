import Foundation
import FrontdeskCore
import FrontdeskStore
import Hummingbird

/// The CRM seed's two analytics views: the business at a glance (`/analytics/dashboard`) and how each
/// receptionist agent does its job (`/analytics/ai-performance`).
extension AnalyticsController {
    struct Dashboard: Encodable, Sendable {
        struct Summary: Encodable, Sendable {
            let totalLeads: Int
            let qualifiedLeads: Int
            /// Converted over all leads of the period.
            let conversionRate: Double
            /// Completed appointments' service prices.
            let totalRevenue: Money
            /// Revenue per completed appointment.
            let avgDealSize: Money
            enum CodingKeys: String, CodingKey {
                case totalLeads = "total_leads", qualifiedLeads = "qualified_leads", conversionRate = "conversion_rate"
                case totalRevenue = "total_revenue", avgDealSize = "avg_deal_size"
            }
        }
        struct Trends: Encodable, Sendable {
            let leadsThisMonth: Int
            let leadsGrowth: Double
            let revenueThisMonth: Money
            let revenueGrowth: Double
            enum CodingKeys: String, CodingKey {
                case leadsThisMonth = "leads_this_month", leadsGrowth = "leads_growth"
                case revenueThisMonth = "revenue_this_month", revenueGrowth = "revenue_growth"
            }
        }
        struct Receptionist: Encodable, Sendable {
            let calls: Int
            let answered: Int
            let booked: Int
            /// Calls that booked over calls.
            let bookingRate: Double
            let textConversations: Int
            enum CodingKeys: String, CodingKey {
                case calls, answered, booked
                case bookingRate = "booking_rate"
                case textConversations = "text_conversations"
            }
        }
        let summary: Summary
        let trends: Trends
        let sourceBreakdown: [String: Int]
        let receptionist: Receptionist
        let timezone: String
        enum CodingKeys: String, CodingKey {
            case summary, trends, receptionist, timezone
            case sourceBreakdown = "source_breakdown"
        }
    }

    static func growth(_ now: Int, over before: Int) -> Double {
        before == 0 ? 0 : (Double(now - before) / Double(before) * 1000).rounded() / 1000
    }

    static func ratio(_ part: Int, _ whole: Int) -> Double {
        whole == 0 ? 0 : (Double(part) / Double(whole) * 1000).rounded() / 1000
    }

    /// `GET /api/analytics/dashboard?business_id=&start_date=&end_date=` (all time by default).
    @Sendable func dashboard(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Dashboard> {
        let claims = try context.requireUser()
        let (business, from, to) = try await scope(request, claims)
        let hours = OpeningHours(settings: business.settings)
        let today = hours.localDate(of: now())
        let monthStart = hours.startOfDay(LocalDate(year: today.year, month: today.month, day: 1)!)
        let nextMonth = hours.startOfDay(LocalDate(hours.calendar.date(byAdding: .month, value: 1, to: monthStart)!, in: hours.calendar))
        let lastMonthStart = hours.startOfDay(LocalDate(hours.calendar.date(byAdding: .month, value: -1, to: monthStart)!, in: hours.calendar))
        let dayStart = hours.startOfDay(today)

        let leads = try await store.leads.counts(business: business.id, from: from, to: to, today: dayStart)
        let appointments = try await store.appointments.counts(business: business.id, from: from, to: to, todayStart: dayStart, todayEnd: dayStart)
        let revenue = try await store.appointments.revenue(business: business.id, from: from, to: to)
        let leadsThisMonth = try await store.leads.counts(business: business.id, from: monthStart, to: nextMonth, today: dayStart).total
        let leadsLastMonth = try await store.leads.counts(business: business.id, from: lastMonthStart, to: monthStart, today: dayStart).total
        let revenueThisMonth = try await store.appointments.revenue(business: business.id, from: monthStart, to: nextMonth)
        let revenueLastMonth = try await store.appointments.revenue(business: business.id, from: lastMonthStart, to: monthStart)
        let sources = try await store.analytics.leadSources(business: business.id, from: from, to: to)
        let agents = try await store.analytics.agentPerformance(business: business.id, from: from, to: to)
        let calls = try await store.calls.stats(business: business.id, from: from, to: to, todayStart: dayStart)
        let booked = agents.map(\.booked).reduce(0, +)
        let agentCalls = agents.map(\.calls).reduce(0, +)
        return APIResponse(
            Dashboard(
                summary: .init(
                    totalLeads: leads.total, qualifiedLeads: leads.qualified, conversionRate: Self.ratio(leads.converted, leads.total),
                    totalRevenue: Money(cents: revenue),
                    avgDealSize: Money(cents: appointments.completed == 0 ? 0 : revenue / appointments.completed)),
                trends: .init(
                    leadsThisMonth: leadsThisMonth, leadsGrowth: Self.growth(leadsThisMonth, over: leadsLastMonth),
                    revenueThisMonth: Money(cents: revenueThisMonth), revenueGrowth: Self.growth(revenueThisMonth, over: revenueLastMonth)),
                sourceBreakdown: Dictionary(uniqueKeysWithValues: LeadSource.allCases.map { ($0.rawValue, sources[$0] ?? 0) }),
                receptionist: .init(
                    calls: calls.total, answered: calls.completed, booked: booked, bookingRate: Self.ratio(booked, agentCalls),
                    textConversations: agents.map(\.textConversations).reduce(0, +)),
                timezone: business.settings.timezone.identifier))
    }

    struct AIPerformance: Encodable, Sendable {
        struct Latency: Encodable, Sendable {
            let turns: Int
            let p50Ms: Int
            let p95Ms: Int
            enum CodingKeys: String, CodingKey {
                case turns
                case p50Ms = "p50_ms", p95Ms = "p95_ms"
            }
        }
        struct Metrics: Encodable, Sendable {
            /// Calls and text conversations.
            let totalInteractions: Int
            let calls: Int
            let textConversations: Int
            /// Interactions that ended without a person (no transfer, no takeover, not failed).
            let successfulInteractions: Int
            let resolvedWithoutHumanRate: Double
            /// Calls handed to a person and text threads a member took.
            let escalations: Int
            /// Calls that booked over calls.
            let bookingConversion: Double
            let averageTurns: Double
            let turnLatency: Latency
            /// The seed's `avgResponseTime`: the median reply latency, in seconds.
            let avgResponseTime: Double
            let llmPromptTokens: Int
            let llmCompletionTokens: Int
            let llmCost: Double
            let costPerInteraction: Double
            /// Callers whose lead reached the qualified band over callers with a lead.
            let leadQualificationRate: Double
            let minutesHandled: Double
            enum CodingKeys: String, CodingKey {
                case totalInteractions = "total_interactions", calls
                case textConversations = "text_conversations"
                case successfulInteractions = "successful_interactions"
                case resolvedWithoutHumanRate = "resolved_without_human_rate"
                case escalations
                case bookingConversion = "booking_conversion"
                case averageTurns = "average_turns"
                case turnLatency = "turn_latency"
                case avgResponseTime = "avg_response_time"
                case llmPromptTokens = "llm_prompt_tokens", llmCompletionTokens = "llm_completion_tokens", llmCost = "llm_cost"
                case costPerInteraction = "cost_per_interaction"
                case leadQualificationRate = "lead_qualification_rate"
                case minutesHandled = "minutes_handled"
            }
        }
        struct Agent: Encodable, Sendable {
            let agentId: AgentID
            let name: String
            let status: AgentStatus
            let metrics: Metrics
            enum CodingKeys: String, CodingKey {
                case agentId = "agent_id", name, status, metrics
            }
        }
        struct Overall: Encodable, Sendable {
            let totalCost: Double
            /// Staff time saved at `hourly_rate`, less the model's cost (null without a rate).
            let totalSavings: Double?
            /// Interactions resolved without a person over all interactions.
            let automationRate: Double
            let totalInteractions: Int
            let minutesHandled: Double
            enum CodingKeys: String, CodingKey {
                case totalCost = "total_cost", totalSavings = "total_savings", automationRate = "automation_rate"
                case totalInteractions = "total_interactions", minutesHandled = "minutes_handled"
            }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(totalCost, forKey: .totalCost)
                try container.encode(totalSavings, forKey: .totalSavings)  // null without a rate
                try container.encode(automationRate, forKey: .automationRate)
                try container.encode(totalInteractions, forKey: .totalInteractions)
                try container.encode(minutesHandled, forKey: .minutesHandled)
            }
        }
        let agents: [Agent]
        let overall: Overall
    }

    static func metrics(_ work: AgentPerformance) -> AIPerformance.Metrics {
        let interactions = work.calls + work.textConversations
        let escalations = work.transferred + work.textHandoffs
        let resolved = max(0, interactions - escalations - work.failed)
        let sorted = work.latenciesMs.map(Double.init).sorted()
        let p50 = Int(sorted.percentile(0.5).rounded())
        let round = { (value: Double, places: Double) in (value * places).rounded() / places }
        return AIPerformance.Metrics(
            totalInteractions: interactions, calls: work.calls, textConversations: work.textConversations, successfulInteractions: resolved,
            resolvedWithoutHumanRate: ratio(resolved, interactions), escalations: escalations, bookingConversion: ratio(work.booked, work.calls),
            averageTurns: work.calls == 0 ? 0 : round(Double(work.turns) / Double(work.calls), 10),
            turnLatency: .init(turns: sorted.count, p50Ms: p50, p95Ms: Int(sorted.percentile(0.95).rounded())),
            avgResponseTime: round(Double(p50) / 1000, 1000), llmPromptTokens: work.promptTokens, llmCompletionTokens: work.completionTokens,
            llmCost: round(work.cost, 1_000_000), costPerInteraction: interactions == 0 ? 0 : round(work.cost / Double(interactions), 1_000_000),
            leadQualificationRate: ratio(work.qualifiedLeads, work.leads), minutesHandled: round(Double(work.seconds) / 60, 10))
    }

    /// `GET /api/analytics/ai-performance?business_id=&start_date=&end_date=&hourly_rate=`.
    @Sendable func aiPerformance(_ request: Request, context: AppRequestContext) async throws -> APIResponse<AIPerformance> {
        let claims = try context.requireUser()
        let (business, from, to) = try await scope(request, claims)
        var hourlyRate: Double?
        if let raw = QueryReader(request).string("hourly_rate") {
            guard let rate = Double(raw), rate.isFinite, (0...10_000).contains(rate) else {
                throw AppError.validation(field: "hourly_rate", "must be a number from 0 to 10000")
            }
            hourlyRate = rate
        }
        let work = try await store.analytics.agentPerformance(business: business.id, from: from, to: to)
        var agents: [AIPerformance.Agent] = []
        for performance in work {
            guard let agent = try await store.agents.find(performance.agentId) else { continue }
            agents.append(.init(agentId: agent.id, name: agent.name, status: agent.status, metrics: Self.metrics(performance)))
        }
        let interactions = agents.map(\.metrics.totalInteractions).reduce(0, +)
        let resolved = agents.map(\.metrics.successfulInteractions).reduce(0, +)
        let cost = work.map(\.cost).reduce(0, +)
        // Minutes the receptionist handled alone: calls resolved without a person (texts are not timed).
        let minutes = work.map { Double($0.seconds) / 60 * ($0.calls == 0 ? 0 : Double(max(0, $0.calls - $0.transferred - $0.failed)) / Double($0.calls)) }
            .reduce(0, +)
        return APIResponse(
            AIPerformance(
                agents: agents,
                overall: .init(
                    totalCost: (cost * 1_000_000).rounded() / 1_000_000,
                    totalSavings: hourlyRate.map { ((minutes / 60 * $0 - cost) * 100).rounded() / 100 },
                    automationRate: Self.ratio(resolved, interactions), totalInteractions: interactions,
                    minutesHandled: (work.map { Double($0.seconds) / 60 }.reduce(0, +) * 10).rounded() / 10)))
    }
}
