import Foundation
import Hummingbird

/// Members and roles, the member's own notification preferences, webhook endpoints with their
/// delivery log.
extension DashboardPages {
    static let emailChoices = [("default", "Default for my role"), ("true", "On"), ("false", "Off")]

    func settings(
        _ request: Request, context: AppRequestContext, failure: FormFailure? = nil, secret: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let frame = try await frame(request, context: context)
        let token = frame.session.token
        let members = try await api.get("/api/businesses/\(Self.segment(frame.id))/members", token: token, context: context).data.array("members")
        let mine = members.first { $0.string("user_id") == frame.session.claims.sub }
        let prefs = try await api.get("/api/notifications/preferences", query: ["business_id": frame.id], token: token, context: context).data
        let hooks = try await api.get("/api/webhooks", query: ["business_id": frame.id, "limit": "50"], token: token, context: context)
        var webhooks: [[String: Any?]] = []
        for hook in hooks.data.array("webhooks") {
            guard let id = hook.string("id") else { continue }
            let deliveries = try await api.get(
                "/api/webhooks/\(Self.segment(id))/deliveries", query: ["limit": "10"], token: token, context: context
            ).data.array("deliveries").map { delivery -> [String: Any?] in
                let code = delivery.int("last_status_code")
                let state = delivery.string("status") ?? ""
                return [
                    "id": delivery.string("id"), "webhook": id, "event": delivery.string("event_type"), "status": state,
                    "tone": state == "succeeded" ? "ok" : state == "failed" ? "bad" : "warn", "attempts": delivery.int("attempts"),
                    "answer": code.map { "HTTP \($0)" + (delivery.int("last_latency_ms").map { " in \($0) ms" } ?? "") } ?? delivery.string("last_error") ?? "—",
                ]
            }
            let events = (hook["events"] as? [Any])?.compactMap { $0 as? String } ?? []
            webhooks.append([
                "id": id, "url": hook.string("url"), "status": hook.string("status"), "tone": hook.string("status") == "active" ? "ok" : "bad",
                "events": events == ["*"] ? "every event" : events.joined(separator: ", "), "description": hook.string("description"),
                "deliveries": deliveries, "hasDeliveries": !deliveries.isEmpty,
            ])
        }
        let quiet = prefs.object("quiet_hours")
        let email = (prefs["email"] as? Bool).map { $0 ? "true" : "false" } ?? "default"
        return render(
            "settings", title: "Settings", frame: frame, request: request,
            values: [
                "members": members.map { ["name": Self.memberName($0), "email": $0.string("email") ?? "", "role": $0.string("role") ?? ""] },
                "isAdmin": mine?.string("role") == "admin",
                "prefs": [
                    "phone": prefs.string("phone"), "sms": prefs.bool("sms") ?? false, "quietStart": quiet.string("start"), "quietEnd": quiet.string("end"),
                ] as [String: Any?],
                "emailOptions": Self.emailChoices.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == email] },
                "webhooks": webhooks, "hasWebhooks": !webhooks.isEmpty, "secret": secret,
            ], failure: failure, status: status)
    }

    func addMember(_ request: Request, context: AppRequestContext) async throws -> Response {
        let b = Self.business(of: request)
        return try await act(
            request, context: context, then: "/settings?b=\(b)&done=member_added#members",
            send: { form, session in
                try await api.send(
                    .post, "/api/businesses/\(Self.segment(b))/members", body: ["email": form.trimmed("email") ?? "", "role": form["role"] ?? ""],
                    token: session.token, context: context)
            },
            refused: { failure, status, _ in try await settings(request, context: context, failure: failure, status: status) })
    }

    func savePreferences(_ request: Request, context: AppRequestContext) async throws -> Response {
        let b = Self.business(of: request)
        return try await act(
            request, context: context, then: "/settings?b=\(b)&done=preferences_saved#notifications",
            send: { form, session in
                var body: [String: Any] = ["business_id": b, "phone": form.trimmed("phone") ?? NSNull(), "sms": form["sms"] == "true"]
                switch form["email"] {
                case "true": body["email"] = true
                case "false": body["email"] = false
                default: body["email"] = NSNull()
                }
                let (start, end) = (form.trimmed("quiet_start"), form.trimmed("quiet_end"))
                body["quiet_hours"] = start == nil && end == nil ? NSNull() : ["start": start ?? "", "end": end ?? ""]
                return try await api.send(.put, "/api/notifications/preferences", body: body, token: session.token, context: context)
            },
            refused: { failure, status, _ in try await settings(request, context: context, failure: failure, status: status) })
    }

    /// A new endpoint: its secret is shown on the page that answers (once, as the API gives it once).
    func addWebhook(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (form, session) = try await checkedForm(request, context: context)
        let b = Self.business(of: request)
        let events = (form["events"] ?? "*").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var body: [String: Any] = ["business_id": b, "url": form.trimmed("url") ?? "", "events": events.isEmpty ? ["*"] : events]
        if let description = form.trimmed("description") { body["description"] = description }
        let answer = try await api.send(.post, "/api/webhooks", body: body, token: session.token, context: context)
        if let failure = answer.failure { return try await settings(request, context: context, failure: failure, status: answer.status) }
        return try await settings(request, context: context, secret: answer.data.string("secret"), status: .created)
    }

    /// Remove an endpoint, or send one of its deliveries again.
    func webhookAction(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = Self.segment(context.parameters.get("id") ?? "")
        let delivery = context.parameters.get("delivery").map(Self.segment)
        return try await act(
            request, context: context, then: "/settings?b=\(Self.business(of: request))&done=\(delivery == nil ? "webhook_removed" : "replayed")#webhooks",
            send: { _, session in
                if let delivery {
                    return try await api.send(.post, "/api/webhooks/\(id)/deliveries/\(delivery)/replay", token: session.token, context: context)
                }
                return try await api.send(.delete, "/api/webhooks/\(id)", token: session.token, context: context)
            },
            refused: { failure, status, _ in try await settings(request, context: context, failure: failure, status: status) })
    }
}
