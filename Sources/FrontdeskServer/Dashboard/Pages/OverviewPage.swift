import Foundation
import Hummingbird

/// Today and the last 30 days at a glance, with the daily charts drawn as SVG.
extension DashboardPages {
    func overview(_ request: Request, context: AppRequestContext) async throws -> Response {
        let frame = try await frame(request, context: context)
        let daily = try await api.get(
            "/api/analytics/daily", query: ["business_id": frame.id, "days": "30"], token: frame.session.token, context: context
        ).data
        let days = daily.array("days")
        func stats(_ day: JSONObject, latency: JSONObject) -> [String: Any] {
            let turns = latency.int("turns") ?? 0
            return [
                "calls": day.int("calls") ?? 0, "answered": day.int("answered") ?? 0, "booked": day.int("booked") ?? 0,
                "afterHours": day.int("after_hours") ?? 0, "conversion": LocalFormat.percent(day.double("conversion")),
                "cost": LocalFormat.dollars(day.double("llm_cost")),
                "latency": turns == 0 ? "—" : "\(Int((latency.double("p50_ms") ?? 0).rounded())) ms",
                "latencySub": turns == 0 ? "no media-mode turns" : "p50 · p95 \(Int((latency.double("p95_ms") ?? 0).rounded())) ms · \(turns) turns",
            ]
        }
        let labels = days.map { day -> String in
            guard let date = day.string("date"), date.count == 10 else { return "" }
            return String(date.suffix(5))
        }
        let calls = zip(days, labels).map { day, label in
            SVGChart.Bar(
                label: label, back: Double(day.int("answered") ?? 0), front: Double(day.int("booked") ?? 0),
                title: "\(day.string("date") ?? ""): \(day.int("calls") ?? 0) calls, \(day.int("answered") ?? 0) answered, \(day.int("booked") ?? 0) booked")
        }
        let afterHours = zip(days, labels).map { day, label in
            SVGChart.Bar(
                label: label, back: Double(day.int("after_hours") ?? 0), front: 0,
                title: "\(day.string("date") ?? ""): \(day.int("after_hours") ?? 0) after-hours calls caught, LLM \(LocalFormat.dollars(day.double("llm_cost")))")
        }
        let period = daily.object("period")
        return render(
            "overview", title: "Overview", frame: frame, request: request,
            values: [
                "today": stats(daily.object("today"), latency: daily.object("turn_latency_today")),
                "period": stats(period, latency: daily.object("turn_latency_period")),
                "todayLabel": days.last?.string("date") ?? "", "zone": frame.format.zone.identifier,
                "noCalls": (period.int("calls") ?? 0) == 0,
                "callsChart": SVGChart.bars(calls, caption: "Answered and booked calls per day, last 30 days"),
                "afterHoursChart": SVGChart.bars(afterHours, caption: "After-hours calls caught per day, last 30 days", height: 120),
            ])
    }
}
