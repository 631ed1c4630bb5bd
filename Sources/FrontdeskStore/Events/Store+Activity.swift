import Foundation
import FrontdeskCore
import Logging

/// What every change to a lead, a message or a call brings with it, decided in one place: the lead
/// linked to its contact, the call or message on its contact's thread in the inbox, and the event
/// published. A failure of the first two is logged and does not undo the change (as an event's).
extension Store {
    private static let logger = Logger(label: "frontdesk.inbox")

    /// A lead was made or changed.
    public func leadChanged(from old: Lead?, to new: Lead, at time: Date) async {
        if old == nil || old?.phone != new.phone || old?.email != new.email || old?.name != new.name || old?.company != new.company {
            do {
                try await contacts.link(new, at: time)
            } catch {
                Self.logger.error("A lead could not be linked to its contact", metadata: ["lead_id": "\(new.id)", "error": "\(error)"])
            }
        }
        await feed.leadChanged(from: old, to: new, at: time)
    }

    /// Tags newly on a contact: one `contact.tagged` event each, carrying the contact's newest lead
    /// (what a workflow enrolls).
    public func contactTagged(_ contact: Contact, added tags: [String], at time: Date) async {
        guard !tags.isEmpty else { return }
        let lead = try? await contacts.leads(of: contact.id).last
        for tag in tags {
            await feed.publish(.contactTagged, business: contact.businessId, data: ContactTagged(contactId: contact.id, leadId: lead ?? nil, tag: tag), at: time)
        }
    }

    /// A text or e-mail was stored, either way. Returns its thread (nil without a lead, or on failure).
    @discardableResult
    public func messageStored(_ message: Message, lead known: Lead? = nil) async -> ConversationThread? {
        let thread = await thread(of: message, lead: known)
        await feed.messageStored(message, thread: thread)
        return thread
    }

    private func thread(of message: Message, lead known: Lead?) async -> ConversationThread? {
        guard let leadId = message.leadId else { return nil }
        do {
            guard let lead = try await (known?.id == leadId ? known : leads.find(leadId)) else { return nil }
            let text = message.subject.map { "\($0): \(message.body)" } ?? message.body
            return try await inbox.record(
                ThreadActivity(
                    business: message.businessId, lead: lead, channel: ThreadChannel(message.channel),
                    preview: ThreadPreview(content: text, timestamp: message.createdAt, sender: ThreadSender(message)), inbound: message.direction == .inbound),
                at: message.createdAt)
        } catch {
            Self.logger.error("A message could not be put on its thread", metadata: ["message_id": "\(message.id)", "error": "\(error)"])
            return nil
        }
    }

    /// `POST /agents/{id}/execute` for a lead: the words and the answer (nil: a member holds the thread)
    /// on the lead's `api` thread. Returns the thread.
    @discardableResult
    public func executed(lead: Lead, agent: AgentID, input: String, reply: String?, at time: Date) async -> ConversationThread? {
        do {
            try await inbox.appendExecution(business: lead.businessId, lead: lead.id, agent: agent, input: input, reply: reply, at: time)
            let preview = reply.flatMap { $0.isEmpty ? nil : ThreadPreview(content: $0, timestamp: time, sender: .agent) }
                ?? ThreadPreview(content: input, timestamp: time, sender: .lead)
            return try await inbox.record(
                ThreadActivity(business: lead.businessId, lead: lead, channel: .api, preview: preview, inbound: true), at: time)
        } catch {
            Self.logger.error("An execution could not be put on its thread", metadata: ["lead_id": "\(lead.id)", "error": "\(error)"])
            return nil
        }
    }

    /// A call began: on its contact's voice thread (unread for the team), and `call.started`.
    public func callStarted(_ call: Call, at time: Date) async {
        await feed.publish(.callStarted, business: call.businessId, data: call, at: time)
        let words = call.direction == .inbound ? "Incoming call" : "Outgoing call"
        await recordCall(call, ThreadPreview(content: words, timestamp: call.startedAt, sender: call.direction == .inbound ? .lead : .agent), inbound: true)
    }

    /// A call ended: its summary on the voice thread, and `call.ended`.
    public func callEnded(_ call: Call, at time: Date) async {
        await feed.publish(.callEnded, business: call.businessId, data: call, at: time)
        let outcome = call.outcome.map { " (\($0.rawValue))" } ?? ""
        let words = call.summary.flatMap { $0.isEmpty ? nil : $0 } ?? "Call ended\(outcome)"
        await recordCall(call, ThreadPreview(content: words, timestamp: call.endedAt ?? time, sender: .system), inbound: false)
    }

    private func recordCall(_ call: Call, _ preview: ThreadPreview, inbound: Bool) async {
        guard let leadId = call.leadId else { return }
        do {
            guard let lead = try await leads.find(leadId) else { return }
            try await inbox.record(
                ThreadActivity(business: call.businessId, lead: lead, channel: .voice, preview: preview, inbound: inbound), at: preview.timestamp)
        } catch {
            Self.logger.error("A call could not be put on its thread", metadata: ["call_id": "\(call.id)", "error": "\(error)"])
        }
    }
}
