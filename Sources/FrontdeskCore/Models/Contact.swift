import Foundation

public enum ContactTag: IdentifierPrefixed { public static let idPrefix = "contact" }
public typealias ContactID = Identifier<ContactTag>

public enum ContactStatus: String, Sendable, Codable, CaseIterable {
    case active, archived
}

/// A person a business deals with, once per business however many leads, calls and threads they
/// have: known by phone and/or e-mail. Every lead belongs to one (see `ContactMatch`).
public struct Contact: Sendable, Codable, Hashable {
    public var id: ContactID
    public var businessId: BusinessID
    public var name: String?
    public var phone: PhoneNumber?
    public var email: EmailAddress?
    public var company: String?
    public var position: String?
    public var tags: [String]
    public var status: ContactStatus
    public var notes: String?
    /// The latest call or message either way.
    public var lastContactAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: ContactID, businessId: BusinessID, name: String? = nil, phone: PhoneNumber? = nil, email: EmailAddress? = nil,
        company: String? = nil, position: String? = nil, tags: [String] = [], status: ContactStatus = .active, notes: String? = nil,
        lastContactAt: Date? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.businessId = businessId
        self.name = name
        self.phone = phone
        self.email = email
        self.company = company
        self.position = position
        self.tags = tags
        self.status = status
        self.notes = notes
        self.lastContactAt = lastContactAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public enum CodingKeys: String, CodingKey {
        case id
        case businessId = "business_id"
        case name, phone, email, company, position, tags, status, notes
        case lastContactAt = "last_contact_date"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    /// Fills what the contact does not know yet from what `lead` knows (nothing it knows is overwritten).
    public mutating func learn(from lead: Lead) -> Bool {
        let before = self
        if phone == nil { phone = lead.phone }
        if email == nil { email = lead.email }
        if name == nil { name = lead.name }
        if company == nil { company = lead.company }
        return before != self
    }

    /// Takes in another contact found to be the same person (fields this one lacks, tags, notes).
    public mutating func absorb(_ other: Contact) {
        if phone == nil { phone = other.phone }
        if email == nil { email = other.email }
        if name == nil { name = other.name }
        if company == nil { company = other.company }
        if position == nil { position = other.position }
        for tag in other.tags where !tags.contains(tag) { tags.append(tag) }
        if let more = other.notes, more != notes { notes = [notes, more].compactMap { $0 }.joined(separator: "\n") }
        lastContactAt = [lastContactAt, other.lastContactAt].compactMap { $0 }.max()
        createdAt = min(createdAt, other.createdAt)
    }
}

/// Which contact a lead belongs to, decided from the contacts that share its phone or e-mail.
///
/// The phone decides first, then the e-mail, then the contact the lead had. When the phone finds one
/// contact and the e-mail another, and the two cannot be different people (the e-mail's contact has no
/// phone, or the same one; the phone's contact has no e-mail, or the same one), they are merged: the
/// e-mail's contact is absorbed into the phone's. Two contacts with different phones sharing an e-mail
/// stay apart (a family's shared address): the lead goes with its phone.
public enum ContactMatch: Equatable, Sendable {
    /// No contact knows this lead: make one from it.
    case create
    /// Link the lead to this contact (filling what it lacks).
    case link(ContactID)
    /// Merge `absorbed` into `into`, then link the lead to `into`.
    case merge(into: ContactID, absorbed: ContactID)

    public static func decide(lead: Lead, byPhone: Contact?, byEmail: Contact?, current: Contact?) -> ContactMatch {
        if let phoneContact = byPhone {
            if let emailContact = byEmail, emailContact.id != phoneContact.id,
                emailContact.phone == nil || emailContact.phone == phoneContact.phone,
                phoneContact.email == nil || phoneContact.email == emailContact.email
            {
                return .merge(into: phoneContact.id, absorbed: emailContact.id)
            }
            return .link(phoneContact.id)
        }
        if let emailContact = byEmail {
            // A contact with another phone sharing this e-mail is someone else: a lead with a phone gets its own.
            if lead.phone != nil, emailContact.phone != nil, emailContact.phone != lead.phone {
                return current.map { $0.phone == nil || $0.phone == lead.phone ? .link($0.id) : .create } ?? .create
            }
            return .link(emailContact.id)
        }
        if let current, current.phone == nil || current.phone == lead.phone { return .link(current.id) }
        return .create
    }
}
