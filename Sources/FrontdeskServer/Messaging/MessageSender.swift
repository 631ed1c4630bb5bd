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
}

/// What a provider said about a message it took.
public struct SendReceipt: Sendable {
    public var status: MessageStatus
    public var providerMessageId: String?
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

/// Sends through the configured sender and records every message, whatever the sender said.
struct Messenger: Sendable {
    let store: Store
    let sms: any MessageSender
    let email: any MessageSender
    let now: @Sendable () -> Date

    func send(
        _ outbound: OutboundMessage, business: BusinessID, lead: LeadID?, logger: Logger
    ) async throws -> Message {
        let sender = outbound.channel == .sms ? sms : email
        let receipt: SendReceipt
        var failure: String?
        do {
            receipt = try await sender.send(outbound)
        } catch {
            logger.warning("Sending failed", metadata: ["provider": "\(sender.providerName)", "error": "\(error)"])
            receipt = SendReceipt(status: .failed, providerMessageId: nil)
            failure = "The provider did not accept the message"
        }
        let time = now()
        let message = Message(
            id: .generate(), businessId: business, leadId: lead, channel: outbound.channel, direction: .outbound,
            to: outbound.to, from: outbound.from, subject: outbound.subject, body: outbound.body,
            status: receipt.status, provider: sender.providerName, providerMessageId: receipt.providerMessageId,
            error: failure, createdAt: time, updatedAt: time)
        try await store.messages.save(message)
        if receipt.status == .outbox {
            logger.info(
                "\(outbound.channel.rawValue.uppercased()) recorded in the outbox (no provider configured)",
                metadata: ["message_id": "\(message.id)"])
        }
        return message
    }
}
