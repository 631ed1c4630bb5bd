import Foundation
import FrontdeskWire
import NIOHTTP1

/// Texts: a member of the team in the inbox — taking the caller's thread over, writing to the caller,
/// giving the thread back — and what must hold afterwards: the thread's history, the member's text on
/// it as theirs, and (in `checkEvents`) `conversation.assigned` for each change.
extension ScenarioRun {
    /// The caller's SMS thread, as the inbox lists it.
    func callerThread() async throws -> [String: Any]? {
        guard let leadId = try await callerLead(create: false)?["id"] as? String else { return nil }
        return try await api.call(.GET, "/api/conversations?business_id=\(businessId)&channel=sms&lead_id=\(leadId)").list("conversations").first
    }

    mutating func teamStep(_ step: Scenario.Step, index: Int) async throws {
        guard let thread = try await callerThread(), let id = thread["id"] as? String else {
            failures.append("step \(index + 1): the caller has no SMS thread in the inbox (GET /api/conversations)")
            return
        }
        heldThread = id
        switch step.team {
        case .takeOver?:
            let answer = try await api.call(.POST, "/api/conversations/\(id)/assign", json: [String: Any]())
            lines.append(.init(at: elapsedMs, speaker: "Team", text: "[takes the thread over]", latencyMs: nil))
            if answer.status != 200 || !(answer.data["assignee_id"] is String) {
                failures.append("step \(index + 1): taking the thread over failed: \(answer.problem)")
            } else {
                teamChanges.append("assigned")
            }
        case .release?:
            let answer = try await api.call(.POST, "/api/conversations/\(id)/release")
            lines.append(.init(at: elapsedMs, speaker: "Team", text: "[gives the thread back to the receptionist]", latencyMs: nil))
            if answer.status != 200 || answer.data["assignee_id"] is String {
                failures.append("step \(index + 1): giving the thread back failed: \(answer.problem)")
            } else {
                teamChanges.append("released")
            }
        case nil: break
        }
        if let text = step.teamReply {
            let mark = standIn.count
            let answer = try await api.call(.POST, "/api/messages", json: ["conversation_id": id, "content": text])
            lines.append(.init(at: elapsedMs, speaker: "Team", text: text, latencyMs: nil))
            guard answer.status == 201 else {
                failures.append("step \(index + 1): the member's text was refused: \(answer.problem)")
                return
            }
            teamTexts.append(text)
            let sent = await standIn.settle(after: mark, quiet: pace.quiet, timeout: pace.reply) { received in
                received.action == "messages" && received.body["to"]?.text == caller && received.body["text"]?.text == text
            }
            if !sent.contains(where: { $0.body["text"]?.text == text }) {
                failures.append("step \(index + 1): the member's text did not reach the carrier")
            }
        }
    }

    /// The thread says what the team did: each change in its history in order, each member's text on it
    /// as the member's.
    mutating func checkTeam() async throws {
        guard let id = heldThread else { return }
        let detail = try await api.call(.GET, "/api/conversations/\(id)")
        let history = ((detail.data["history"] as? [[String: Any]]) ?? []).compactMap { $0["kind"] as? String }
        // A live server may have run this script before: this run's changes are the history's last ones.
        if Array(history.suffix(teamChanges.count)) != teamChanges {
            failures.append("the thread's history (GET /api/conversations/{id}) should end with \(teamChanges); it is \(history)")
        }
        guard !teamTexts.isEmpty else { return }
        // The caller's newest texts (the seed's list counts back from the newest).
        guard let leadId = try await callerLead(create: false)?["id"] as? String else { return }
        let recent = try await api.call(.GET, "/api/messages/\(leadId)?limit=100").list("messages")
        for text in teamTexts
        where !recent.contains(where: { $0["content"] as? String == text && $0["sender"] as? String == "member" && $0["conversation_id"] as? String == id }) {
            failures.append("the caller's messages (GET /api/messages/{leadId}) lack the member's \"\(text)\" on the thread")
        }
    }
}
