import Foundation
import HTTPTypes
import Hummingbird

/// The call list, one call (transcript, outcome, summary, score and why, the recording), live calls.
extension DashboardPages {
    static let callStatuses = [("", "Any status"), ("in_progress", "In progress"), ("completed", "Completed"), ("failed", "Failed")]

    func calls(_ request: Request, context: AppRequestContext) async throws -> Response {
        let frame = try await frame(request, context: context)
        let status = request.uri.queryParameters["status"].map(String.init) ?? ""
        let page = request.uri.queryParameters["page"].map(String.init) ?? "1"
        let answer = try await api.get(
            "/api/calls", query: ["business_id": frame.id, "status": status, "page": page, "limit": "25"], token: frame.session.token,
            context: context)
        let calls = answer.data.array("calls").map { call -> [String: Any] in
            [
                "id": call.string("id") ?? "", "when": frame.format.when(call.string("started_at")), "phone": call.string("phone") ?? "Unknown",
                "outcomeLabel": LocalFormat.words(call.string("outcome")) .isEmpty ? LocalFormat.words(call.string("status")) : LocalFormat.words(call.string("outcome")),
                "outcomeTone": Tone.outcome(call.string("outcome"), status: call.string("status")),
                "durationLabel": LocalFormat.duration(call.int("duration")), "summary": call.string("summary") ?? "",
            ]
        }
        return render(
            "calls", title: "Calls", frame: frame, request: request,
            values: [
                "calls": calls, "hasCalls": !calls.isEmpty, "filtered": !status.isEmpty,
                "statuses": Self.callStatuses.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == status] },
                "pager": pager(answer.data.object("pagination"), path: "/calls", query: ["b": frame.id, "status": status]) as Any,
            ], failure: answer.failure)
    }

    func call(_ request: Request, context: AppRequestContext) async throws -> Response {
        let frame = try await frame(request, context: context)
        let id = context.parameters.get("id") ?? ""
        let answer = try await api.get("/api/calls/\(Self.segment(id))", token: frame.session.token, context: context)
        guard answer.ok, answer.data.string("business_id") == frame.id else { throw DashboardFailure.notFound("This call does not exist in \(frame.business.string("name") ?? "this business").") }
        let call = answer.data
        var lead: JSONObject?
        if let leadId = call.string("lead_id") {
            let found = try await api.get("/api/leads/\(Self.segment(leadId))", token: frame.session.token, context: context)
            if found.ok { lead = found.data }
        }
        let explanation = lead?.object("score_explanation")
        let score = lead?.int("qualification_score") ?? call.int("lead_score")
        var previousCallerEnd: Date?
        let turns = call.array("turns").map { turn -> [String: Any?] in
            let speaker = turn.string("speaker") ?? "system"
            var latency: String?
            if let ms = turn.int("latency_ms") {
                latency = "\(ms) ms"
            } else if speaker == "agent", let end = previousCallerEnd, let start = LocalFormat.instant(turn.string("started_at")) {
                latency = "\(max(0, Int((start.timeIntervalSince(end) * 1000).rounded()))) ms"
            }
            previousCallerEnd = speaker == "caller" ? LocalFormat.instant(turn.string("ended_at") ?? turn.string("started_at")) : nil
            var view = Self.turnView(turn, format: frame.format)
            view["latency"] = latency
            return view
        }
        let tokens = (call.int("llm_prompt_tokens") ?? 0) + (call.int("llm_completion_tokens") ?? 0)
        let band = Tone.band(score)
        let view: [String: Any] = [
            "id": call.string("id") ?? "", "phone": call.string("phone") ?? "an unknown number", "when": frame.format.when(call.string("started_at")),
            "outcomeLabel": LocalFormat.words(call.string("outcome") ?? call.string("status")),
            "outcomeTone": Tone.outcome(call.string("outcome"), status: call.string("status")),
            "durationLabel": LocalFormat.duration(call.int("duration")), "summary": call.string("summary") as Any,
            "scoreLabel": score.map(String.init) ?? "—", "band": band.name, "costLabel": LocalFormat.dollars(call.double("cost")), "tokens": tokens,
            "hasRecording": call.string("recording_url") != nil, "turns": turns, "hasTurns": !turns.isEmpty,
            "signals": (explanation?.array("signals") ?? []).map { signal -> [String: Any] in
                ["signal": LocalFormat.words(signal.string("signal")), "group": signal.string("group") ?? "", "points": signal.int("points") ?? 0,
                 "source": signal.string("source") ?? ""]
            },
            "hasSignals": !(explanation?.array("signals") ?? []).isEmpty,
            "lead": lead.map {
                ["name": $0.string("name") ?? $0.string("phone") ?? "lead", "phone": Self.segment($0.string("phone") ?? "")]
            } as Any?,
        ]
        return render("call", title: "Call from \(call.string("phone") ?? "unknown")", frame: frame, request: request, values: ["call": view])
    }

    /// The recording, streamed through from the API (the browser's range requests included).
    func recording(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let session = context.dashboardSession else { throw DashboardFailure.login }
        let id = context.parameters.get("id") ?? ""
        var headers = HTTPFields()
        if let range = request.headers[.range] { headers[.range] = range }
        let response = try await api.raw(.get, "/api/calls/\(Self.segment(id))/recording", token: session.token, context: context, headers: headers)
        guard (200..<300).contains(response.status.code) else { throw DashboardFailure.notFound("This call has no recording.") }
        return response
    }

    func live(_ request: Request, context: AppRequestContext) async throws -> Response {
        let frame = try await frame(request, context: context)
        let answer = try await api.get(
            "/api/calls", query: ["business_id": frame.id, "status": "in_progress", "limit": "50"], token: frame.session.token, context: context)
        var calls: [[String: Any]] = []
        for call in answer.data.array("calls") {
            guard let id = call.string("id") else { continue }
            let detail = try await api.get("/api/calls/\(Self.segment(id))", token: frame.session.token, context: context).data
            let turns = detail.array("turns").map { Self.turnView($0, format: frame.format) }
            calls.append(["id": id, "phone": call.string("phone") ?? "Unknown caller", "when": frame.format.time(call.string("started_at")), "turns": turns])
        }
        return render(
            "live", title: "Live calls", frame: frame, request: request,
            values: ["calls": calls, "hasCalls": !calls.isEmpty, "zone": frame.format.zone.identifier])
    }

    func takeOver(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = Self.segment(context.parameters.get("id") ?? "")
        return try await act(
            request, context: context, then: "/calls/\(id)?b=\(Self.business(of: request))&done=taken_over",
            send: { form, session in
                var body: [String: Any] = [:]
                if let phone = form.trimmed("phone") { body["phone"] = phone }
                return try await api.send(.post, "/api/calls/\(id)/takeover", body: body, token: session.token, context: context)
            }, refused: refusal("The call could not be taken over", request: request, context: context))
    }

    func hangUp(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = Self.segment(context.parameters.get("id") ?? "")
        return try await act(
            request, context: context, then: "/live?b=\(Self.business(of: request))&done=hung_up",
            send: { _, session in try await api.send(.post, "/api/calls/\(id)/hangup", token: session.token, context: context) },
            refused: refusal("The call could not be ended", request: request, context: context))
    }

    /// A transcript turn as the call and live pages show it.
    static func turnView(_ turn: JSONObject, format: LocalFormat) -> [String: Any?] {
        let speaker = turn.string("speaker") ?? "system"
        return [
            "speaker": speaker, "who": speaker == "caller" ? "Caller" : speaker == "agent" ? "Agent" : "System",
            "sequence": turn.int("sequence") ?? 0, "text": turn.string("text") ?? "", "time": format.time(turn.string("started_at")),
            "endedAt": turn.string("ended_at"),
        ]
    }

    /// Page links keeping the filters.
    func pager(_ pagination: JSONObject, path: String, query: [String: String]) -> [String: Any]? {
        let page = pagination.int("page") ?? 1
        let pages = pagination.int("pages") ?? 1
        guard pages > 1 else { return nil }
        func link(_ number: Int) -> String { path + InProcessAPI.queryString(query.merging(["page": String(number)]) { $1 }) }
        var values: [String: Any] = ["page": page, "pages": pages, "total": pagination.int("total") ?? 0]
        if page > 1 { values["previous"] = link(page - 1) }
        if page < pages { values["next"] = link(page + 1) }
        return values
    }

    /// An id from the URL as one path segment (nothing in it can reach another route).
    static func segment(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "_-"))) ?? ""
    }
}
