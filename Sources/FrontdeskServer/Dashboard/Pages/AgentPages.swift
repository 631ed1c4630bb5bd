import Foundation
import FrontdeskCore
import Hummingbird

/// Agents (start, stop, voice mode) and the business's hours and date overrides, edited as text and
/// checked by the API (its message shown beside the field at fault).
extension DashboardPages {
    static let voiceModes = [("provider", "Carrier speech (text)"), ("media", "Media stream (our own audio)")]

    func agents(_ request: Request, context: AppRequestContext, failure: FormFailure? = nil, typed: DashboardForm? = nil, status: HTTPResponse.Status = .ok)
        async throws -> Response
    {
        let frame = try await frame(request, context: context)
        let answer = try await api.get("/api/agents", query: ["business_id": frame.id, "limit": "100"], token: frame.session.token, context: context)
        let agents = answer.data.array("agents").map { agent -> [String: Any] in
            let active = agent.string("status") == "active"
            let mode = agent.object("voice_settings").string("mode") ?? "provider"
            return [
                "id": agent.string("id") ?? "", "name": agent.string("name") ?? "", "phone": agent.string("phone_number") ?? "",
                "status": agent.string("status") ?? "", "tone": active ? "ok" : "warn", "active": active,
                "action": active ? "stop" : "start", "actionLabel": active ? "Stop" : "Start",
                "modes": Self.voiceModes.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == mode] },
            ]
        }
        let settings = frame.settings
        let problems = failure?.fields ?? [:]
        func problem(for day: String) -> String? {
            problems.first { $0.key.hasSuffix(day) || $0.key.contains(day) }?.value
        }
        let week = Self.weekdays.map { day -> [String: Any] in
            [
                "day": day.key, "label": day.label,
                "value": typed?[day.key] ?? Self.rangesText(settings.object("business_hours")[day.key]),
                "problem": problem(for: day.key) as Any,
            ]
        }
        let overrides = typed?["overrides"] ?? settings.object("date_overrides").raw.keys.sorted().map { date in
            "\(date) \(Self.rangesText(settings.object("date_overrides")[date]))"
        }.joined(separator: "\n")
        let overridesProblem = problems.first { $0.key.contains("date_overrides") }?.value
        return render(
            "agents", title: "Agents", frame: frame, request: request,
            values: [
                "agents": agents, "hasAgents": !agents.isEmpty, "week": week, "overrides": overrides, "zone": frame.format.zone.identifier,
                "overridesProblem": overridesProblem as Any,
            ], failure: failure ?? answer.failure, status: status)
    }

    /// `[{open, close}]` → "09:00-12:00, 13:00-17:00"; closed → "closed".
    static func rangesText(_ value: Any?) -> String {
        let text = hoursText(value)
        return text == "Closed" ? "closed" : text.replacingOccurrences(of: "–", with: "-")
    }

    /// "09:00-12:00, 13:00-17:00" → `[{open, close}]`; "closed" or empty → null. Anything else is sent as
    /// typed, for the API to say what is wrong with it.
    static func ranges(_ text: String) -> Any {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed.lowercased() == "closed" { return NSNull() }
        return trimmed.split(separator: ",").map { piece -> [String: Any] in
            let bounds = piece.split(separator: "-", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            return ["open": bounds.first ?? "", "close": bounds.count > 1 ? bounds[1] : ""]
        }
    }

    func saveHours(_ request: Request, context: AppRequestContext) async throws -> Response {
        let b = Self.business(of: request)
        return try await act(
            request, context: context, then: "/agents?b=\(b)&done=hours_saved#hours",
            send: { form, session in
                var hours: [String: Any] = [:]
                for day in Self.weekdays { hours[day.key] = Self.ranges(form[day.key] ?? "") }
                var overrides: [String: Any] = [:]
                for line in (form["overrides"] ?? "").split(whereSeparator: \.isNewline) {
                    let parts = line.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
                    guard let date = parts.first else { continue }
                    overrides[String(date)] = Self.ranges(parts.count > 1 ? String(parts[1]) : "closed")
                }
                return try await api.send(
                    .put, "/api/businesses/\(Self.segment(b))", body: ["settings": ["business_hours": hours, "date_overrides": overrides]],
                    token: session.token, context: context)
            },
            refused: { failure, status, form in try await agents(request, context: context, failure: failure, typed: form, status: status) })
    }

    /// Start, stop, or the voice mode.
    func agentAction(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = Self.segment(context.parameters.get("id") ?? "")
        let action = context.parameters.get("action") ?? ""
        let done = ["start": "agent_started", "stop": "agent_stopped", "voice": "voice_saved"]
        guard let code = done[action] else { throw DashboardFailure.notFound("There is no such agent action.") }
        return try await act(
            request, context: context, then: "/agents?b=\(Self.business(of: request))&done=\(code)",
            send: { form, session in
                action == "voice"
                    ? try await api.send(.put, "/api/agents/\(id)", body: ["voice_settings": ["mode": form["mode"] ?? ""]], token: session.token, context: context)
                    : try await api.send(.post, "/api/agents/\(id)/\(action)", token: session.token, context: context)
            },
            refused: { failure, status, _ in try await agents(request, context: context, failure: failure, status: status) })
    }
}
