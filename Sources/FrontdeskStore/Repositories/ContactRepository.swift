import Foundation
import FrontdeskCore

public enum ContactSort: String, Sendable, CaseIterable {
    case name, company
    case createdAt = "createdAt"
    case lastContact = "lastContactDate"
}

public struct ContactFilter: Sendable {
    public var business: BusinessID
    /// Words looked for in the name, e-mail, phone and company.
    public var search: String?
    /// Contacts carrying every one of these tags.
    public var tags: [String]
    public var status: ContactStatus?
    public var sort: ContactSort
    public var ascending: Bool

    public init(
        business: BusinessID, search: String? = nil, tags: [String] = [], status: ContactStatus? = nil, sort: ContactSort = .createdAt,
        ascending: Bool = false
    ) {
        self.business = business
        self.search = search
        self.tags = tags
        self.status = status
        self.sort = sort
        self.ascending = ascending
    }
}

/// The businesses' contacts; every lead is linked to one (`link`).
public protocol ContactRepository: Sendable {
    func find(_ id: ContactID) async throws -> Contact?

    func list(_ filter: ContactFilter, page: PageRequest) async throws -> Page<Contact>

    /// A contact whose phone or e-mail another contact of the business has already is a conflict.
    func insert(_ contact: Contact) async throws

    func update(_ contact: Contact) async throws

    /// Deletes the contact and its threads; its leads stay (unlinked until they change).
    func delete(_ id: ContactID) async throws

    /// Links `lead` to the contact its phone or e-mail belongs to (`ContactMatch`), creating or merging
    /// contacts as needed, in one transaction. Returns the contact.
    @discardableResult
    func link(_ lead: Lead, at now: Date) async throws -> Contact

    /// The leads linked to a contact, newest first.
    func leads(of contact: ContactID) async throws -> [LeadID]
}

public struct ConversationFilter: Sendable {
    public var business: BusinessID
    public var channel: ThreadChannel?
    public var status: ThreadStatus?
    /// Threads assigned to this member.
    public var assignee: UserID?
    /// true: only threads assigned to someone; false: only the receptionist's.
    public var assigned: Bool?
    /// true: only threads with unread lines; false: only read ones.
    public var unread: Bool?
    public var lead: LeadID?
    public var contact: ContactID?

    public init(
        business: BusinessID, channel: ThreadChannel? = nil, status: ThreadStatus? = nil, assignee: UserID? = nil, assigned: Bool? = nil,
        unread: Bool? = nil, lead: LeadID? = nil, contact: ContactID? = nil
    ) {
        self.business = business
        self.channel = channel
        self.status = status
        self.assignee = assignee
        self.assigned = assigned
        self.unread = unread
        self.lead = lead
        self.contact = contact
    }
}

/// Something that happened on a thread, for `InboxRepository.record`.
public struct ThreadActivity: Sendable {
    public var business: BusinessID
    public var lead: Lead
    public var channel: ThreadChannel
    public var preview: ThreadPreview
    /// From the contact: counts as unread.
    public var inbound: Bool

    public init(business: BusinessID, lead: Lead, channel: ThreadChannel, preview: ThreadPreview, inbound: Bool) {
        self.business = business
        self.lead = lead
        self.channel = channel
        self.preview = preview
        self.inbound = inbound
    }
}

/// The threads of the inbox: one per contact and channel, with their history.
public protocol InboxRepository: Sendable {
    /// Records a call or message on its thread (made on first use; the lead is linked to its contact),
    /// returning the thread as it is now.
    @discardableResult
    func record(_ activity: ThreadActivity, at now: Date) async throws -> ConversationThread

    func find(_ id: ConversationID) async throws -> ConversationThread?

    /// The thread of a lead's contact on a channel, if there is one.
    func thread(lead: LeadID, channel: ThreadChannel) async throws -> ConversationThread?

    /// Threads, latest activity first.
    func list(_ filter: ConversationFilter, page: PageRequest) async throws -> Page<ConversationThread>

    /// The thread's lines, oldest first: its contact's texts or e-mails, or the turns of its calls.
    func messages(of thread: ConversationThread, page: PageRequest) async throws -> Page<ThreadMessage>

    /// Assigns the thread (nil: gives it back to the receptionist), closes or reopens it, and keeps the
    /// change in its history, in one transaction. Returns nil when nothing changed.
    func apply(_ change: ConversationChange) async throws -> ConversationThread?

    /// `POST /agents/{id}/execute`: the words given and the receptionist's answer (empty when a member
    /// holds the thread), kept as the lead's `api` thread lines.
    func appendExecution(business: BusinessID, lead: LeadID, agent: AgentID, input: String, reply: String?, at now: Date) async throws

    /// The team has read the thread.
    func markRead(_ id: ConversationID, at now: Date) async throws

    func history(of id: ConversationID) async throws -> [ConversationChange]
}
