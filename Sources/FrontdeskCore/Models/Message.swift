import Foundation

public enum MessageTag: IdentifierPrefixed { public static let idPrefix = "message" }
public typealias MessageID = Identifier<MessageTag>

public enum MessageChannel: String, Sendable, Codable, CaseIterable {
    case sms, email
}

public enum MessageDirection: String, Sendable, Codable, CaseIterable {
    case outbound, inbound
}

/// Where a message stands. `outbox` means it was recorded by the embedded outbox because no provider is
/// configured — it did not leave this machine.
public enum MessageStatus: String, Sendable, Codable, CaseIterable {
    case queued, outbox, sent, delivered, failed, received
    /// The provider may have taken it but never confirmed (a timeout after sending): not sent again.
    case unconfirmed
}

/// An SMS or e-mail, either way.
public struct Message: Sendable, Codable, Hashable {
    public var id: MessageID
    public var businessId: BusinessID
    public var leadId: LeadID?
    public var channel: MessageChannel
    public var direction: MessageDirection
    /// Phone number (E.164) or e-mail address.
    public var to: String
    public var from: String?
    public var subject: String?
    public var body: String
    public var status: MessageStatus
    public var provider: String
    public var providerMessageId: String?
    public var error: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// The member of the team who sent it from the inbox (nil: the receptionist or Frontdesk).
    public var sentBy: UserID?

    public init(
        id: MessageID, businessId: BusinessID, leadId: LeadID?, channel: MessageChannel,
        direction: MessageDirection, to: String, from: String?, subject: String?, body: String,
        status: MessageStatus, provider: String, providerMessageId: String?, error: String?, createdAt: Date,
        updatedAt: Date, sentBy: UserID? = nil
    ) {
        self.sentBy = sentBy
        self.id = id
        self.businessId = businessId
        self.leadId = leadId
        self.channel = channel
        self.direction = direction
        self.to = to
        self.from = from
        self.subject = subject
        self.body = body
        self.status = status
        self.provider = provider
        self.providerMessageId = providerMessageId
        self.error = error
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public enum CodingKeys: String, CodingKey {
        case id
        case businessId = "business_id"
        case leadId = "lead_id"
        case channel, direction, to, from, subject, body, status, provider
        case providerMessageId = "provider_message_id"
        case error
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case sentBy = "sent_by"
    }
}
