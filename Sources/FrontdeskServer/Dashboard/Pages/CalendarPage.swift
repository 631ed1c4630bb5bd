import Foundation
import FrontdeskCore
import FrontdeskWire
import Hummingbird

/// A week of appointments and free time in the business's zone: book, move and cancel.
extension DashboardPages {
    static let weekdays: [(key: String, label: String)] = [
        ("monday", "Monday"), ("tuesday", "Tuesday"), ("wednesday", "Wednesday"), ("thursday", "Thursday"), ("friday", "Friday"),
        ("saturday", "Saturday"), ("sunday", "Sunday"),
    ]

    func calendar(_ request: Request, context: AppRequestContext, failure: FormFailure? = nil, status: HTTPResponse.Status = .ok) async throws
        -> Response
    {
        let frame = try await frame(request, context: context)
        let calendar = frame.format.calendar
        let today = LocalDate(Date(), in: calendar)
        let asked = request.uri.queryParameters["week"].flatMap { LocalDate(String($0)) } ?? today
        let monday = asked.adding(days: -((Weekday.allCases.firstIndex(of: asked.weekday)! + 6) % 7))
        let sunday = monday.adding(days: 6)
        let token = frame.session.token
        let appointments = try await api.get(
            "/api/appointments",
            query: ["business_id": frame.id, "start_date": monday.description, "end_date": sunday.description, "limit": "100"],
            token: token, context: context
        ).data.array("appointments").filter { $0.string("status") != "cancelled" }
        let availability = try await api.get(
            "/api/appointments/availability",
            query: ["business_id": frame.id, "start_date": max(monday, today).description, "end_date": sunday.description], token: token,
            context: context)
        let slots = monday > sunday || sunday < today ? [] : availability.data.array("slots")
        let settings = frame.settings
        let services = settings.array("services").map { ["name": $0.string("name") ?? ""] }
        let days = (0..<7).map { offset -> [String: Any] in
            let date = monday.adding(days: offset)
            let key = date.description
            let hours = Self.hoursText(settings.object("date_overrides").raw.keys.contains(key)
                ? settings.object("date_overrides")[key] : settings.object("business_hours")[Self.weekdays[offset].key])
            let daySlots = slots.filter { $0.string("local_date") == key }.map {
                ["start": $0.string("start") ?? "", "time": Self.twelveHour($0.string("local_time"))]
            }
            let booked = appointments.filter { appointment in
                LocalFormat.instant(appointment.string("scheduled_date")).map { LocalDate($0, in: calendar) } == date
            }.map { appointment -> [String: Any] in
                let start = LocalFormat.instant(appointment.string("scheduled_date")) ?? Date()
                let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: start)
                let local = String(format: "%04d-%02d-%02dT%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
                return [
                    "id": appointment.string("id") ?? "", "time": frame.format.time(start), "type": appointment.string("type") ?? "Appointment",
                    "duration": appointment.int("duration") ?? 0, "who": appointment.string("notes") ?? "",
                    "local": local, "week": monday.description,
                ]
            }
            return [
                "date": key, "label": frame.format.day(calendar.date(from: DateComponents(year: date.year, month: date.month, day: date.day, hour: 12))!),
                "hours": hours, "open": hours != "Closed", "appointments": booked, "slots": daySlots, "hasSlots": !daySlots.isEmpty,
                "services": services, "week": monday.description,
            ]
        }
        return render(
            "calendar", title: "Calendar", frame: frame, request: request,
            values: [
                "days": days, "weekLabel": monday.description, "zone": frame.format.zone.identifier,
                "previousWeek": monday.adding(days: -7).description, "nextWeek": monday.adding(days: 7).description,
            ], failure: failure ?? availability.failure, status: status)
    }

    /// `[{open, close}]`, one range, or null → "9:00–12:00, 13:00–17:00" / "Closed".
    static func hoursText(_ value: Any?) -> String {
        let ranges: [[String: Any]]
        if let list = value as? [[String: Any]] { ranges = list } else if let one = value as? [String: Any] { ranges = [one] } else { ranges = [] }
        let text = ranges.compactMap { range -> String? in
            guard let open = range["open"] as? String, let close = range["close"] as? String else { return nil }
            return "\(open)–\(close)"
        }
        return text.isEmpty ? "Closed" : text.joined(separator: ", ")
    }

    static func twelveHour(_ time: String?) -> String {
        guard let time, let minutes = WallClockTime(time)?.minutes else { return time ?? "" }
        let hour = minutes / 60 % 24
        return String(format: "%d:%02d %@", hour % 12 == 0 ? 12 : hour % 12, minutes % 60, hour < 12 ? "AM" : "PM")
    }

    func book(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (form, session) = try await checkedForm(request, context: context)
        let b = Self.business(of: request)
        let week = request.uri.queryParameters["week"].map(String.init) ?? ""
        var leadId: String?
        if let phone = form.trimmed("phone") {
            var body: [String: Any] = ["business_id": b, "phone": phone, "source": "web"]
            if let name = form.trimmed("name") { body["name"] = name }
            let created = try await api.send(.post, "/api/leads", body: body, token: session.token, context: context)
            if created.ok {
                leadId = created.data.string("id")
            } else if created.status == .conflict {
                leadId = try await api.get("/api/leads", query: ["business_id": b, "phone": phone], token: session.token, context: context)
                    .data.array("leads").first?.string("id")
            } else {
                return try await calendar(request, context: context, failure: created.failure, status: created.status)
            }
        }
        var body: [String: Any] = ["business_id": b, "scheduled_date": form["start"] ?? "", "type": form["type"] ?? ""]
        if let leadId { body["lead_id"] = leadId }
        if let name = form.trimmed("name") ?? form.trimmed("phone") { body["notes"] = "Booked from the dashboard for \(name)" }
        let answer = try await api.send(.post, "/api/appointments", body: body, token: session.token, context: context)
        if let failure = answer.failure { return try await calendar(request, context: context, failure: failure, status: answer.status) }
        return redirect("/calendar?b=\(b)&week=\(week)&done=booked")
    }

    func cancelAppointment(_ request: Request, context: AppRequestContext) async throws -> Response {
        let week = request.uri.queryParameters["week"].map(String.init) ?? ""
        let id = Self.segment(context.parameters.get("id") ?? "")
        return try await act(
            request, context: context, then: "/calendar?b=\(Self.business(of: request))&week=\(week)&done=cancelled",
            send: { _, session in try await api.send(.delete, "/api/appointments/\(id)", token: session.token, context: context) },
            refused: { failure, status, _ in try await calendar(request, context: context, failure: failure, status: status) })
    }

    /// The new time is typed in the business's zone (`datetime-local`), turned into an instant here.
    func moveAppointment(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (form, session) = try await checkedForm(request, context: context)
        let frame = try await frame(request, context: context)
        let week = request.uri.queryParameters["week"].map(String.init) ?? ""
        let id = context.parameters.get("id") ?? ""
        let calendar = frame.format.calendar
        let text = form.trimmed("when") ?? ""
        let parts = text.split(separator: "T")
        guard parts.count == 2, let date = LocalDate(String(parts[0])), let time = WallClockTime(String(parts[1].prefix(5))),
            let instant = calendar.date(from: DateComponents(year: date.year, month: date.month, day: date.day, hour: time.minutes / 60, minute: time.minutes % 60))
        else {
            return try await self.calendar(
                request, context: context, failure: FormFailure(message: "The new time must be a date and time, like 2026-12-09T10:30", code: "VALIDATION_ERROR", fields: [:]),
                status: .unprocessableContent)
        }
        let answer = try await api.send(
            .put, "/api/appointments/\(Self.segment(id))", body: ["scheduled_date": InstantText.format(instant)], token: session.token, context: context)
        if let failure = answer.failure { return try await self.calendar(request, context: context, failure: failure, status: answer.status) }
        return redirect("/calendar?b=\(frame.id)&week=\(week)&done=moved")
    }
}
