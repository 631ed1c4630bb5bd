import Foundation
import FrontdeskCore
import FrontdeskStore
import Logging

/// An SMS or e-mail to send.
public struct OutboundMessage: Sendable {
    public var channel: MessageChannel
    public var to: String
    public var from: String?
    public var subject: String?
    public var body: String
    /// A key the provider may deduplicate on (set by `Messenger`: the job's key, else the message's id).
    public var idempotencyKey: String?

    public init(channel: MessageChannel, to: String, from: String? = nil, subject: String? = nil, body: String) {
        self.channel = channel
        self.to = to
        self.from = from
        self.subject = subject
        self.body = body
    }
}

/// What a provider said about a message it took.
public struct SendReceipt: Sendable {
    public var status: MessageStatus
    public var providerMessageId: String?

    public init(status: MessageStatus, providerMessageId: String?) {
        self.status = status
        self.providerMessageId = providerMessageId
    }
}

/// A way out for SMS or e-mail. The embedded default is `OutboxSender`; providers plug in here.
public protocol MessageSender: Sendable {
    /// Stored on each message (`outbox`, `telnyx`, …).
    var providerName: String { get }
    func send(_ message: OutboundMessage) async throws -> SendReceipt
}

/// The embedded default: the message is recorded with status `outbox` and goes nowhere. It is visible
/// through `GET /api/sms` and `GET /api/emails`, and the log says so at start-up.
public struct OutboxSender: MessageSender {
    public let providerName = "outbox"

    public init() {}

    public func send(_ message: OutboundMessage) async throws -> SendReceipt {
        SendReceipt(status: .outbox, providerMessageId: nil)
    }
}

/// What a sender throws when a message may have gone out although the provider did not confirm it
/// (a timeout or a 5xx after the request was sent): recorded as unconfirmed and never sent again.
public enum MessageSendError: Error, Equatable {
    case uncertain(String)
}

/// Sends through the configured sender and records every message, whatever the sender said.
package struct Messenger: Sendable {
    let store: Store
    let sms: any MessageSender
    let email: any MessageSender
    let now: @Sendable () -> Date

    package init(store: Store, sms: any MessageSender, email: any MessageSender, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.sms = sms
        self.email = email
        self.now = now
    }

    /// Texts to a number that replied STOP are recorded as failed and not sent (except the opt-out
    /// confirmation and HELP, `evenIfOptedOut`).
    ///
    /// With an `idempotencyKey` (a scheduled job's side effect), the message is stored as `queued`
    /// under the key before it is handed to the provider: sending again with the same key returns the
    /// message stored the first time and sends nothing, and one left `queued` by a process that died
    /// while sending becomes `unconfirmed` — it may have gone out, so it is never sent again.
    package func send(
        _ outbound: OutboundMessage, business: BusinessID, lead: LeadID?, logger: Logger, evenIfOptedOut: Bool = false,
        sentBy: UserID? = nil, idempotencyKey: String? = nil
    ) async throws -> Message {
        var outbound = outbound
        if outbound.channel == .sms, outbound.from == nil {
            outbound.from = try await senderNumber(business)
        }
        let sender = outbound.channel == .sms ? sms : email
        let id = MessageID.generate()
        outbound.idempotencyKey = idempotencyKey ?? id.rawValue
        if let idempotencyKey {
            let time = now()
            let queued = Message(
                id: id, businessId: business, leadId: lead, channel: outbound.channel, direction: .outbound,
                to: outbound.to, from: outbound.from, subject: outbound.subject, body: outbound.body,
                status: .queued, provider: sender.providerName, providerMessageId: nil,
                error: nil, createdAt: time, updatedAt: time, sentBy: sentBy)
            var stored = try await store.messages.claim(queued, key: idempotencyKey)
            if stored.id != id {
                guard stored.status == .queued else { return stored }
                stored.status = .unconfirmed
                stored.error = "Sending was interrupted (the process stopped); it may have been sent, so it was not sent again"
                stored.updatedAt = now()
                try await store.messages.save(stored)
                logger.warning("A message's sending was interrupted; not repeated", metadata: ["message_id": "\(stored.id)"])
                return stored
            }
        }
        var receipt = SendReceipt(status: .failed, providerMessageId: nil)
        var failure: String?
        if outbound.channel == .sms, !evenIfOptedOut, try await store.messages.isOptedOut(business: business, phone: outbound.to) {
            failure = "The recipient opted out of texts (STOP)"
            logger.info("Text not sent: the recipient opted out", metadata: ["to": "\(outbound.to)"])
        } else {
            do {
                receipt = try await sender.send(outbound)
            } catch MessageSendError.uncertain(let reason) {
                // Recorded as it is: maybe sent. Not tried again — a text must not go out twice.
                logger.warning("Sending not confirmed; not repeated", metadata: ["provider": "\(sender.providerName)", "reason": "\(reason)"])
                receipt = SendReceipt(status: .unconfirmed, providerMessageId: nil)
                failure = "The provider did not confirm the message (\(reason)); it may have been sent, so it was not sent again"
            } catch {
                logger.warning("Sending failed", metadata: ["provider": "\(sender.providerName)", "error": "\(error)"])
                receipt = SendReceipt(status: .failed, providerMessageId: nil)
                failure = "The provider did not accept the message"
            }
        }
        let time = now()
        let message = Message(
            id: id, businessId: business, leadId: lead, channel: outbound.channel, direction: .outbound,
            to: outbound.to, from: outbound.from, subject: outbound.subject, body: outbound.body,
            status: receipt.status, provider: sender.providerName, providerMessageId: receipt.providerMessageId,
            error: failure, createdAt: time, updatedAt: time, sentBy: sentBy)
        try await store.messages.save(message)
        await store.messageStored(message)
        if receipt.status == .outbox {
            logger.info(
                "\(outbound.channel.rawValue.uppercased()) recorded in the outbox (no provider configured)",
                metadata: ["message_id": "\(message.id)"])
        }
        return message
    }

    /// Texts go out from the business's receptionist number (an active agent's first), else the
    /// business's own phone.
    private func senderNumber(_ business: BusinessID) async throws -> String? {
        let agents = try await store.agents.list(business: business, status: nil, page: PageRequest(page: 1, limit: 100)).items
        let numbered = agents.filter { $0.phoneNumber != nil }
        if let number = (numbered.first { $0.isActive } ?? numbered.first)?.phoneNumber { return number.e164 }
        return try await store.businesses.find(business)?.settings.phone?.e164
    }
}
