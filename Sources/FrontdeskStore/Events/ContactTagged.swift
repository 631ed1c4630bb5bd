import Foundation
import FrontdeskCore

/// `contact.tagged`'s data.
struct ContactTagged: Encodable, Sendable {
    let contactId: ContactID
    let leadId: LeadID?
    let tag: String

    enum CodingKeys: String, CodingKey {
        case tag
        case contactId = "contact_id"
        case leadId = "lead_id"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(contactId, forKey: .contactId)
        try c.encode(leadId, forKey: .leadId)
        try c.encode(tag, forKey: .tag)
    }
}
