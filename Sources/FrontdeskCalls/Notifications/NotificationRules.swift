import Foundation
import FrontdeskCore
import FrontdeskStore
import FrontdeskWire

/// Which events the team hears about, and what each notification says: a lead that qualified, an
/// appointment booked, moved or cancelled, a caller who asked for a person (the call was transferred),
/// a call that failed, an agent that stopped. Every member of the business gets one.
package enum NotificationRules {
    package static func notifications(for event: DomainEvent, members: [TeamMember], now: Date) -> [TeamNotification] {
        guard let data = try? JSONParser.parse(event.data), let (category, title, message, ids) = describe(event.type, data) else {
            return []
        }
        let payload = String(decoding: (try? JSONWriter.encoder.encode(JSONValue.object(ids))) ?? Data("{}".utf8), as: UTF8.self)
        // A text on a thread a member holds is for that member alone.
        let to = event.type == .messageReceived ? members.filter { $0.userId.rawValue == data["assignee_id"]?.text } : members
        return to.map { member in
            TeamNotification(
                id: .generate(), businessId: event.businessId, userId: member.userId, category: category, reason: event.type.rawValue,
                title: title, message: message, data: payload, createdAt: now, event: event.sequence)
        }
    }

    static func describe(_ type: EventType, _ data: JSONValue) -> (NotificationCategory, String, String, [String: JSONValue])? {
        let id = data["id"] ?? .null
        switch type {
        case .leadQualified:
            let who = person(data)
            let score = data["qualification_score"]?.double.map { " (score \(Int($0)))" } ?? ""
            return (.lead, "New qualified lead", "\(who) qualified\(score) and is ready for follow-up.", ["lead_id": id, "lead_name": .string(who)])
        case .appointmentBooked, .appointmentMoved, .appointmentCancelled:
            let what = data["type"]?.text ?? "An appointment"
            let verb = type == .appointmentBooked ? "booked" : type == .appointmentMoved ? "moved" : "cancelled"
            var ids: [String: JSONValue] = ["appointment_id": id, "scheduled_date": data["scheduled_date"] ?? .null]
            if let lead = data["lead_id"] { ids["lead_id"] = lead }
            return (.appointment, "Appointment \(verb)", "\(what) was \(verb).", ids)
        case .callEnded:
            let caller = data["phone"]?.text ?? "A caller"
            var ids: [String: JSONValue] = ["call_id": id]
            if let lead = data["lead_id"] { ids["lead_id"] = lead }
            if data["outcome"]?.text == "transferred" {
                return (.call, "A caller asked for a person", "\(caller) was transferred to the team.", ids)
            }
            if data["status"]?.text == "failed" || data["outcome"]?.text == "failed" {
                return (.call, "A call failed", "The call from \(caller) failed (\(data["hangup_cause"]?.text ?? "no cause given")).", ids)
            }
            return nil
        case .messageReceived where data["assignee_id"]?.text != nil:
            let from = data["from"]?.text ?? "A contact"
            let body = data["body"]?.text ?? ""
            var ids: [String: JSONValue] = ["message_id": id, "conversation_id": data["conversation_id"] ?? .null]
            if let lead = data["lead_id"] { ids["lead_id"] = lead }
            return (.message, "New message on your conversation", "\(from): \(body.count > 160 ? String(body.prefix(157)) + "…" : body)", ids)
        case .agentStatus where data["status"]?.text == "inactive":
            let name = data["name"]?.text ?? "An agent"
            return (.agent, "Agent stopped", "\(name) stopped answering: calls hear the unavailable message.", ["agent_id": data["agent_id"] ?? .null])
        default:
            return nil
        }
    }

    static func person(_ lead: JSONValue) -> String {
        lead["name"]?.text ?? lead["phone"]?.text ?? lead["email"]?.text ?? "A lead"
    }

    /// Whether `member` also gets `notification` by email: as they chose, or by default the admins, for
    /// every kind but appointments (those are many; the in-app list has them).
    package static func emails(_ notification: TeamNotification, to member: TeamMember) -> Bool {
        member.preferences.email ?? (member.role == .admin && notification.category != .appointment)
    }

    /// Whether `member` also gets `notification` by SMS: when they turned SMS on and gave a phone.
    package static func texts(_ notification: TeamNotification, to member: TeamMember) -> Bool {
        member.preferences.sms && member.preferences.phone != nil
    }
}
