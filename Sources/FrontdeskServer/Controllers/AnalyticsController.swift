import Foundation
import FrontdeskCore
import FrontdeskStore
import Hummingbird
import Logging

/// Figures computed from the stored leads, appointments and calls.
struct AnalyticsController {
    let store: Store
    let now: @Sendable () -> Date
    let tenancy: Tenancy

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("overview", use: overview)
        group.get("leads/scored", use: scoredLeads)
        group.get("dashboard", use: dashboard)
        group.get("ai-performance", use: aiPerformance)
        group.get("daily", use: daily)
    }

    struct Overview: Encodable, Sendable {
        struct Leads: Encodable, Sendable {
            let total: Int
            let newToday: Int
            let qualified: Int
            let converted: Int
            enum CodingKeys: String, CodingKey {
                case total
                case newToday = "new_today"
                case qualified, converted
            }
        }
        struct Appointments: Encodable, Sendable {
            let total: Int
            let scheduledToday: Int
            let completed: Int
            let cancelled: Int
            enum CodingKeys: String, CodingKey {
                case total
                case scheduledToday = "scheduled_today"
                case completed, cancelled
            }
        }
        struct Calls: Encodable, Sendable {
            let total: Int
            let today: Int
            /// Seconds.
            let averageDuration: Int
            /// Completed calls over ended calls (0 when none ended).
            let successRate: Double
            /// Media-mode turns: end of the caller's speech → the answer's first frame.
            let turnLatency: LatencySummary
            enum CodingKeys: String, CodingKey {
                case total, today
                case averageDuration = "average_duration"
                case successRate = "success_rate"
                case turnLatency = "turn_latency"
            }
        }
        /// Percentiles of the total and the average of each stage, over the period's media-mode turns.
        struct LatencySummary: Encodable, Sendable {
            let turns: Int
            let p50Ms: Double
            let p95Ms: Double
            let p99Ms: Double
            /// The runtime's own share (the speech providers' time taken out).
            let runtimeP50Ms: Double
            let runtimeP99Ms: Double
            let averageStagesMs: [String: Double]

            init(_ latencies: [TurnLatency]) {
                turns = latencies.count
                func at(_ p: Double, _ sorted: [Double]) -> Double { (sorted.percentile(p) * 10).rounded() / 10 }
                let totals = latencies.map(\.totalMs).sorted()
                (p50Ms, p95Ms, p99Ms) = (at(0.5, totals), at(0.95, totals), at(0.99, totals))
                let runtime = latencies.map(\.runtimeMs).sorted()
                (runtimeP50Ms, runtimeP99Ms) = (at(0.5, runtime), at(0.99, runtime))
                func average(_ stage: KeyPath<TurnLatency, Double>) -> Double {
                    latencies.isEmpty ? 0 : (latencies.map { $0[keyPath: stage] }.reduce(0, +) / Double(latencies.count) * 10).rounded() / 10
                }
                averageStagesMs = [
                    "end_of_turn": average(\.endOfTurnMs), "transcript": average(\.transcriptMs), "reply": average(\.replyMs),
                    "first_audio": average(\.firstAudioMs), "first_frame": average(\.firstFrameMs),
                ]
            }

            enum CodingKeys: String, CodingKey {
                case turns
                case p50Ms = "p50_ms", p95Ms = "p95_ms", p99Ms = "p99_ms"
                case runtimeP50Ms = "runtime_p50_ms", runtimeP99Ms = "runtime_p99_ms"
                case averageStagesMs = "average_stages_ms"
            }
        }
        struct Revenue: Encodable, Sendable {
            /// Completed appointments' service prices in the range.
            let total: Money
            let thisMonth: Money
            /// This month against last month (0 when last month had none).
            let growthRate: Double
            enum CodingKeys: String, CodingKey {
                case total
                case thisMonth = "this_month"
                case growthRate = "growth_rate"
            }
        }
        let leads: Leads
        let appointments: Appointments
        let calls: Calls
        let revenue: Revenue
        let timezone: String
    }

    @Sendable func overview(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Overview> {
        let claims = try context.requireUser()
        let (business, from, to) = try await scope(request, claims)
        let hours = OpeningHours(settings: business.settings)
        let now = now()
        let today = hours.localDate(of: now)
        let todayStart = hours.startOfDay(today)
        let todayEnd = hours.startOfDay(today.adding(days: 1))
        let monthStart = hours.startOfDay(LocalDate(year: today.year, month: today.month, day: 1)!)
        let lastMonthStart = hours.startOfDay(
            LocalDate(hours.calendar.date(byAdding: .month, value: -1, to: monthStart)!, in: hours.calendar))

        let leads = try await store.leads.counts(business: business.id, from: from, to: to, today: todayStart)
        let appointments = try await store.appointments.counts(
            business: business.id, from: from, to: to, todayStart: todayStart, todayEnd: todayEnd)
        let calls = try await store.calls.stats(business: business.id, from: from, to: to, todayStart: todayStart)
        let latencies = try await store.calls.latencies(business: business.id, from: from, to: to)
        let revenue = try await store.appointments.revenue(business: business.id, from: from, to: to)
        let thisMonth = try await store.appointments.revenue(business: business.id, from: monthStart, to: todayEnd)
        let lastMonth = try await store.appointments.revenue(business: business.id, from: lastMonthStart, to: monthStart)
        return APIResponse(
            Overview(
                leads: .init(
                    total: leads.total, newToday: leads.newToday, qualified: leads.qualified, converted: leads.converted),
                appointments: .init(
                    total: appointments.total, scheduledToday: appointments.scheduledToday,
                    completed: appointments.completed, cancelled: appointments.cancelled),
                calls: .init(
                    total: calls.total, today: calls.today, averageDuration: Int(calls.averageDuration.rounded()),
                    successRate: calls.ended == 0 ? 0 : Double(calls.completed) / Double(calls.ended),
                    turnLatency: .init(latencies)),
                revenue: .init(
                    total: Money(cents: revenue), thisMonth: Money(cents: thisMonth),
                    growthRate: lastMonth == 0 ? 0 : Double(thisMonth - lastMonth) / Double(lastMonth)),
                timezone: business.settings.timezone.identifier))
    }

    struct Scored: Encodable, Sendable {
        struct Bands: Encodable, Sendable {
            let qualified: Int
            let warm: Int
            let cold: Int
        }
        struct TopLead: Encodable, Sendable {
            let id: LeadID
            let name: String?
            let phone: PhoneNumber?
            let status: LeadStatus
            let score: Int
            let band: ScoreBand
            let explanation: ScoreExplanation?
        }
        let totalScored: Int
        let averageScore: Double
        let bands: Bands
        let bySource: [String: Int]
        let topLeads: [TopLead]

        enum CodingKeys: String, CodingKey {
            case totalScored = "total_scored"
            case averageScore = "average_score"
            case bands
            case bySource = "by_source"
            case topLeads = "top_leads"
        }
    }

    @Sendable func scoredLeads(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Scored> {
        let claims = try context.requireUser()
        let (business, from, to) = try await scope(request, claims)
        let leads = try await store.leads.scored(business: business.id, from: from, to: to)
        let scores = leads.compactMap(\.qualificationScore)
        let bands = scores.map(ScoreBand.init(score:))
        var bySource: [String: Int] = [:]
        for lead in leads { bySource[lead.source.rawValue, default: 0] += 1 }
        let average = scores.isEmpty ? 0 : Double(scores.reduce(0, +)) / Double(scores.count)
        return APIResponse(
            Scored(
                totalScored: leads.count, averageScore: (average * 10).rounded() / 10,
                bands: .init(
                    qualified: bands.filter { $0 == .qualified }.count, warm: bands.filter { $0 == .warm }.count,
                    cold: bands.filter { $0 == .cold }.count),
                bySource: bySource,
                topLeads: leads.prefix(10).map {
                    Scored.TopLead(
                        id: $0.id, name: $0.name, phone: $0.phone, status: $0.status, score: $0.qualificationScore ?? 0,
                        band: ScoreBand(score: $0.qualificationScore ?? 0), explanation: $0.scoreExplanation)
                }))
    }

    /// The business and the optional `[start_date, end_date]` range (days in the business's zone).
    func scope(_ request: Request, _ claims: AccessClaims) async throws -> (Business, Date?, Date?) {
        let query = QueryReader(request)
        let business = try await tenancy.business(queryValue: query.string("business_id"), for: claims)
        let hours = OpeningHours(settings: business.settings)
        let from = try query.dateBound("start_date")?.start(in: hours)
        let to = try query.dateBound("end_date")?.end(in: hours)
        if let from, let to, from >= to {
            throw AppError.validation(field: "end_date", "must be after start_date")
        }
        return (business, from, to)
    }
}
