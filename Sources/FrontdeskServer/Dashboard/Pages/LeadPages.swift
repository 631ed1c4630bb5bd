import Foundation
import FrontdeskCore
import Hummingbird

/// Leads with their scores and why, filtered by status and score band; status changed in place.
extension DashboardPages {
    static let leadStatuses = ["new", "contacted", "qualified", "unqualified", "converted"]
    /// The bands of domain.md as score ranges for `GET /api/leads`.
    static let scoreBands: [(value: String, label: String, range: (String, String))] = [
        ("", "Any score", ("", "")), ("qualified", "Qualified (70+)", ("70", "100")), ("warm", "Warm (40–69)", ("40", "69")),
        ("cold", "Cold (below 40)", ("0", "39")),
    ]

    func leads(_ request: Request, context: AppRequestContext) async throws -> Response {
        let frame = try await frame(request, context: context)
        let query = request.uri.queryParameters
        let status = query["status"].map(String.init) ?? ""
        let band = query["band"].map(String.init) ?? ""
        let phone = query["phone"].map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        let range = Self.scoreBands.first { $0.value == band }?.range ?? ("", "")
        let answer = try await api.get(
            "/api/leads",
            query: [
                "business_id": frame.id, "status": status, "phone": phone, "min_score": range.0, "max_score": range.1,
                "page": query["page"].map(String.init), "limit": "25",
            ], token: frame.session.token, context: context)
        let leads = answer.data.array("leads").map { lead -> [String: Any] in
            let score = lead.int("qualification_score")
            let tone = Tone.band(score)
            let signals = lead.object("score_explanation").array("signals").prefix(3).map { LocalFormat.words($0.string("signal")) }
            let current = lead.string("status") ?? "new"
            return [
                "id": lead.string("id") ?? "", "nameLabel": lead.string("name") ?? lead.string("phone") ?? "Unnamed",
                "phone": lead.string("phone") ?? "", "email": lead.string("email") ?? "", "score": score.map(String.init) ?? "—",
                "band": tone.name, "bandTone": tone.tone, "why": signals.isEmpty ? nil as String? as Any : signals.joined(separator: ", "),
                "source": LocalFormat.words(lead.string("source")), "when": frame.format.when(lead.string("created_at")),
                "statusOptions": Self.leadStatuses.map { ["value": $0, "label": LocalFormat.words($0), "selected": $0 == current] },
            ]
        }
        return render(
            "leads", title: "Leads", frame: frame, request: request,
            values: [
                "leads": leads, "hasLeads": !leads.isEmpty, "phone": phone,
                "statuses": ([("", "Any status")] + Self.leadStatuses.map { ($0, LocalFormat.words($0)) }).map {
                    ["value": $0.0, "label": $0.1, "selected": $0.0 == status]
                },
                "bands": Self.scoreBands.map { ["value": $0.value, "label": $0.label, "selected": $0.value == band] },
                "pager": pager(answer.data.object("pagination"), path: "/leads", query: ["b": frame.id, "status": status, "band": band, "phone": phone])
                    as Any,
            ], failure: answer.failure)
    }

    /// The receptionist calls the lead (`POST /api/calls` from the business's first started agent with a
    /// number); the owner lands on Live calls to follow it. A refusal (night time, no Telnyx dialing, a
    /// stopped agent) is shown with the API's reason.
    func callLead(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = Self.segment(context.parameters.get("id") ?? "")
        let business = Self.business(of: request)
        return try await act(
            request, context: context, then: "/live?b=\(business)&done=call_placed",
            send: { form, session in
                let agents = try await api.get(
                    "/api/agents", query: ["business_id": business, "status": "active", "limit": "100"], token: session.token, context: context)
                let agent = agents.data.array("agents").first { $0.string("phone_number") != nil }?.string("id") ?? ""
                var body: [String: Any] = ["agent_id": agent, "lead_id": id]
                if let purpose = form["purpose"]?.trimmingCharacters(in: .whitespaces), !purpose.isEmpty { body["purpose"] = purpose }
                return try await api.send(.post, "/api/calls", body: body, token: session.token, context: context)
            }, refused: refusal("The call was not placed", request: request, context: context))
    }

    func setLeadStatus(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = Self.segment(context.parameters.get("id") ?? "")
        return try await act(
            request, context: context, then: "/leads?b=\(Self.business(of: request))&done=status_saved",
            send: { form, session in
                try await api.send(.put, "/api/leads/\(id)", body: ["status": form["status"] ?? ""], token: session.token, context: context)
            }, refused: refusal("The status was not saved", request: request, context: context))
    }
}
