import Foundation
import FrontdeskCore
import FrontdeskStore
import Logging

/// A text that arrived from any provider: stored, then answered — STOP/UNSUBSCRIBE opt the number
/// out, START opts it back in, HELP gives the business's details, C (to a reminder) confirms the
/// client's next appointment and R starts moving it, a stopped agent takes a note, and
/// anything else is a turn of the receptionist (one conversation per business and caller, resumed
/// across days). The provider delivers the replies (`reply`): Telnyx sends them, Twilio answers TwiML.
/// While a member of the team holds the contact's SMS thread, texts are stored and the member is
/// notified (`message.received` carries the assignee), and the receptionist does not answer.
package struct InboundTexts: Sendable {
    package let store: Store
    package let calls: CallRuntime
    package let conversations: ConversationService
    package let now: @Sendable () -> Date

    package init(store: Store, calls: CallRuntime, conversations: ConversationService, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.calls = calls
        self.conversations = conversations
        self.now = now
    }

    static let stopWords: Set<String> = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT"]
    static let startWords: Set<String> = ["START", "UNSTOP", "SUBSCRIBE"]
    static let helpWords: Set<String> = ["HELP", "INFO"]
    /// Replies to a reminder: confirm the next appointment, or start moving it.
    static let confirmWords: Set<String> = ["C", "CONFIRM", "CONFIRMED"]
    static let rescheduleWords: Set<String> = ["R", "RESCHEDULE"]

    /// A reply to deliver; `evenIfOptedOut` for the opt-out confirmation and HELP.
    package typealias Reply = @Sendable (_ body: String, _ business: Business, _ lead: Lead?, _ evenIfOptedOut: Bool) async throws -> Void

    package func receive(
        from: PhoneNumber, to: PhoneNumber, text raw: String, provider: String, providerMessageId: String?, logger: Logger,
        reply: Reply
    ) async throws {
        let text = raw.trimmingWhitespace()
        guard let agent = try await store.agents.find(phoneNumber: to), let business = try await store.businesses.find(agent.businessId) else {
            logger.warning("A text to a number no agent answers", metadata: ["to": "\(to.e164)"])
            return
        }
        let time = now()
        let lead = try await calls.lead(for: from, business: business.id, source: .sms)
        let received = Message(
            id: .generate(), businessId: business.id, leadId: lead?.id, channel: .sms, direction: .inbound, to: to.e164,
            from: from.e164, subject: nil, body: text, status: .received, provider: provider,
            providerMessageId: providerMessageId, error: nil, createdAt: time, updatedAt: time)
        try await store.messages.save(received)
        let thread = await store.messageStored(received, lead: lead)

        let keyword = text.uppercased().trimmingCharacters(in: .punctuationCharacters.union(.whitespaces))
        if Self.stopWords.contains(keyword) {
            try await store.messages.optOut(business: business.id, phone: from.e164, at: time)
            try await reply("You're unsubscribed from \(business.name) texts and won't get any more. Reply START to resubscribe.", business, lead, true)
            return
        }
        if Self.startWords.contains(keyword) {
            try await store.messages.optIn(business: business.id, phone: from.e164)
            try await reply("You're resubscribed to \(business.name) texts. Reply STOP to opt out.", business, lead, false)
            return
        }
        if Self.helpWords.contains(keyword) {
            let phone = business.settings.phone.map { " Call us at \($0.e164)." } ?? ""
            try await reply("\(business.name): text us to book or ask about hours, location and prices.\(phone) Reply STOP to opt out.", business, lead, true)
            return
        }
        guard !text.isEmpty else { return }
        if try await store.messages.isOptedOut(business: business.id, phone: from.e164) {
            logger.info("A text from a number that opted out: recorded, not answered")
            return
        }
        if let assignee = thread?.assigneeId {
            // A member holds this thread: the receptionist stays quiet (the member is notified of the text).
            logger.info("A text on a thread a member holds: stored, not answered", metadata: ["assignee_id": "\(assignee)"])
            return
        }
        guard agent.isActive else {
            if var current = lead {
                current.notes = [current.notes, "Text while the receptionist was stopped: \(text)"].compactMap { $0 }.joined(separator: "\n")
                current.updatedAt = time
                try await store.leads.update(current)
                await store.leadChanged(from: lead, to: current, at: time)
            }
            try await reply("Thanks for your message to \(business.name). Our receptionist isn't available right now; the team will get back to you.", business, lead, false)
            return
        }
        var words = text
        if Self.confirmWords.contains(keyword) || Self.rescheduleWords.contains(keyword), let lead,
            let next = try await store.appointments.nextLive(lead: lead.id, after: time)
        {
            if Self.confirmWords.contains(keyword) {
                if next.status == .scheduled { try await store.appointments.setStatus(next.id, .confirmed, at: time) }
                logger.info("The client confirmed their appointment by text", metadata: ["appointment_id": "\(next.id)"])
                try await reply(FollowUpTexts.confirmed(next, business: business), business, lead, false)
                return
            }
            // "R" to a reminder: the receptionist takes it from here, as if they had asked.
            words = "I'd like to reschedule my appointment"
        }
        let result = try await conversations.turn(words, agent: agent, business: business, lead: lead, channel: .sms, logger: logger)
        if !result.reply.isEmpty { try await reply(result.reply, business, result.lead ?? lead, false) }
    }
}
