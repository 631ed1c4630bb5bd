import Foundation
import FrontdeskCore
import FrontdeskStore
import Hummingbird

extension AnalyticsController {
    /// `GET /analytics/daily?business_id&days=30`: calls, answered, bookings, after-hours calls caught
    /// and LLM cost per local day (the dashboard's charts), with today's and the period's totals and
    /// turn latency.
    struct Daily: Encodable, Sendable {
        struct Day: Encodable, Sendable {
            let date: String
            let calls: Int
            let answered: Int
            let booked: Int
            let afterHours: Int
            /// Bookings per answered call.
            let conversion: Double
            let llmCost: Double
            init(_ day: DayActivity) {
                date = day.date.description
                (calls, answered, booked, afterHours) = (day.calls, day.answered, day.booked, day.afterHours)
                conversion = AnalyticsController.ratio(day.booked, day.answered)
                llmCost = (day.cost * 10_000).rounded() / 10_000
            }
            enum CodingKeys: String, CodingKey {
                case date, calls, answered, booked, conversion
                case afterHours = "after_hours"
                case llmCost = "llm_cost"
            }
        }
        let timezone: String
        let days: [Day]
        let today: Day
        let period: Day
        let turnLatencyToday: Overview.LatencySummary
        let turnLatencyPeriod: Overview.LatencySummary
        enum CodingKeys: String, CodingKey {
            case timezone, days, today, period
            case turnLatencyToday = "turn_latency_today"
            case turnLatencyPeriod = "turn_latency_period"
        }
    }

    @Sendable func daily(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Daily> {
        let claims = try context.requireUser()
        let query = QueryReader(request)
        let business = try await tenancy.business(queryValue: query.string("business_id"), for: claims)
        let days = try query.int("days", in: 1...92) ?? 30
        let hours = OpeningHours(settings: business.settings)
        let today = hours.localDate(of: now())
        let first = today.adding(days: -(days - 1))
        let (from, to) = (hours.startOfDay(first), hours.startOfDay(today.adding(days: 1)))
        let activity = try await store.calls.activity(business: business.id, from: from, to: to)
        let tally = DailyActivity.tally(activity, hours: hours, last: today, days: days)
        let period = tally.reduce(DayActivity(date: first), +)
        let latencies = try await store.calls.latencies(business: business.id, from: from, to: to)
        let todayLatencies = try await store.calls.latencies(business: business.id, from: hours.startOfDay(today), to: to)
        return APIResponse(
            Daily(
                timezone: business.settings.timezone.identifier, days: tally.map(Daily.Day.init), today: Daily.Day(tally[tally.count - 1]),
                period: Daily.Day(period), turnLatencyToday: .init(todayLatencies), turnLatencyPeriod: .init(latencies)))
    }
}
