import Foundation

public enum ConversationTag: IdentifierPrefixed { public static let idPrefix = "conv" }
public typealias ConversationID = Identifier<ConversationTag>

public enum ConversationChangeTag: IdentifierPrefixed { public static let idPrefix = "convchg" }
public typealias ConversationChangeID = Identifier<ConversationChangeTag>

/// The channels a thread runs on (WhatsApp joins later); `api` is `POST /agents/{id}/execute`.
public enum ThreadChannel: String, Sendable, Codable, CaseIterable {
    case voice, sms, email, api

    public init(_ channel: MessageChannel) {
        switch channel {
        case .sms: self = .sms
        case .email: self = .email
        }
    }
}

public enum ThreadStatus: String, Sendable, Codable, CaseIterable {
    case active, closed
}

/// Who wrote a line of a thread: the contact, the receptionist, a member of the team, or Frontdesk.
public enum ThreadSender: String, Sendable, Codable, CaseIterable {
    case lead, agent, member, system

    /// Who wrote a text or e-mail: the contact (in), a member (sent from the inbox), else the receptionist.
    public init(_ message: Message) {
        self = message.direction == .inbound ? .lead : message.sentBy == nil ? .agent : .member
    }
}

/// The latest line of a thread, for the inbox list.
public struct ThreadPreview: Sendable, Codable, Hashable {
    public var content: String
    public var timestamp: Date
    public var sender: ThreadSender

    public init(content: String, timestamp: Date, sender: ThreadSender) {
        self.content = content
        self.timestamp = timestamp
        self.sender = sender
    }
}

/// One contact's thread on one channel: its calls (voice) or texts (sms, email). While it is assigned
/// to a member of the team, the receptionist does not answer on it.
public struct ConversationThread: Sendable, Codable, Hashable {
    public var id: ConversationID
    public var businessId: BusinessID
    public var contactId: ContactID
    /// The lead the latest activity was for.
    public var leadId: LeadID?
    public var channel: ThreadChannel
    public var status: ThreadStatus
    public var assigneeId: UserID?
    public var assignedAt: Date?
    /// Calls and messages from the contact since the team last read the thread.
    public var unreadCount: Int
    public var lastMessage: ThreadPreview?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: ConversationID, businessId: BusinessID, contactId: ContactID, leadId: LeadID?, channel: ThreadChannel,
        status: ThreadStatus = .active, assigneeId: UserID? = nil, assignedAt: Date? = nil, unreadCount: Int = 0,
        lastMessage: ThreadPreview? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.businessId = businessId
        self.contactId = contactId
        self.leadId = leadId
        self.channel = channel
        self.status = status
        self.assigneeId = assigneeId
        self.assignedAt = assignedAt
        self.unreadCount = unreadCount
        self.lastMessage = lastMessage
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The thread after `change`, or nil when the change changes nothing (assigning it to whom it is
    /// assigned to, releasing a thread nobody holds). Taking a live call over is always kept.
    public func applying(_ change: ConversationChange) -> ConversationThread? {
        var updated = self
        switch change.kind {
        case .assigned, .callTakenOver:
            updated.assigneeId = change.assigneeId
            updated.assignedAt = assigneeId == change.assigneeId ? assignedAt : change.createdAt
        case .released:
            updated.assigneeId = nil
            updated.assignedAt = nil
        case .closed: updated.status = .closed
        case .reopened: updated.status = .active
        }
        guard updated != self || change.kind == .callTakenOver else { return nil }
        updated.updatedAt = change.createdAt
        return updated
    }

    public enum CodingKeys: String, CodingKey {
        case id
        case businessId = "business_id"
        case contactId = "contact_id"
        case leadId = "lead_id"
        case channel, status
        case assigneeId = "assignee_id"
        case assignedAt = "assigned_at"
        case unreadCount = "unread_count"
        case lastMessage = "last_message"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// What happened to a thread, kept as its history.
public enum ConversationChangeKind: String, Sendable, Codable, CaseIterable {
    /// A member took the thread (the receptionist goes quiet on it).
    case assigned
    /// The member gave it back to the receptionist.
    case released
    /// A member took a live call over: it was transferred to their phone.
    case callTakenOver = "call_taken_over"
    case closed, reopened
}

public struct ConversationChange: Sendable, Codable, Hashable {
    public var id: ConversationChangeID
    public var conversationId: ConversationID
    public var kind: ConversationChangeKind
    /// The member who made the change (nil: Frontdesk itself).
    public var actorId: UserID?
    public var assigneeId: UserID?
    public var note: String?
    public var createdAt: Date

    public init(
        id: ConversationChangeID = .generate(), conversationId: ConversationID, kind: ConversationChangeKind, actorId: UserID?,
        assigneeId: UserID?, note: String? = nil, createdAt: Date
    ) {
        self.id = id
        self.conversationId = conversationId
        self.kind = kind
        self.actorId = actorId
        self.assigneeId = assigneeId
        self.note = note
        self.createdAt = createdAt
    }

    public enum CodingKeys: String, CodingKey {
        case id
        case conversationId = "conversation_id"
        case kind
        case actorId = "actor_id"
        case assigneeId = "assignee_id"
        case note
        case createdAt = "created_at"
    }
}

/// A line of a thread as the inbox shows it: a text or e-mail either way, or a turn of a call.
public struct ThreadMessage: Sendable, Codable, Hashable {
    /// The message's id, or `<call id>:<sequence>` for a call's turn.
    public var id: String
    public var conversationId: ConversationID
    public var leadId: LeadID?
    public var channel: ThreadChannel
    public var sender: ThreadSender
    /// The member who sent it (`sender` = member).
    public var senderId: UserID?
    public var content: String
    public var timestamp: Date
    /// A message's status (`received`, `sent`, `outbox` …); nil for a call's turn.
    public var status: String?
    public var callId: CallID?

    public init(
        id: String, conversationId: ConversationID, leadId: LeadID?, channel: ThreadChannel, sender: ThreadSender, senderId: UserID?,
        content: String, timestamp: Date, status: String?, callId: CallID?
    ) {
        self.id = id
        self.conversationId = conversationId
        self.leadId = leadId
        self.channel = channel
        self.sender = sender
        self.senderId = senderId
        self.content = content
        self.timestamp = timestamp
        self.status = status
        self.callId = callId
    }

    public enum CodingKeys: String, CodingKey {
        case id
        case conversationId = "conversation_id"
        case leadId = "lead_id"
        case channel, sender
        case senderId = "sender_id"
        case content, timestamp, status
        case callId = "call_id"
    }
}
