import Foundation
import FrontdeskCore
import Testing

@Suite("Inbox rules: which contact a lead is, and when quiet hours end")
struct InboxRulesTests {
    static let business = BusinessID(rawValue: "business_1")
    static let now = Date(timeIntervalSince1970: 1_764_000_000)

    static func contact(phone: String? = nil, email: String? = nil) -> Contact {
        Contact(id: .generate(), businessId: business, phone: phone.flatMap(PhoneNumber.init), email: email.flatMap(EmailAddress.init), createdAt: now, updatedAt: now)
    }

    static func lead(phone: String? = nil, email: String? = nil) -> Lead {
        Lead(id: .generate(), businessId: business, phone: phone.flatMap(PhoneNumber.init), name: nil, email: email.flatMap(EmailAddress.init),
             status: .new, source: .call, notes: nil, createdAt: now, updatedAt: now)
    }

    @Test("the phone decides first; a phone's contact and an e-mail's are merged only when they cannot be two people")
    func matching() {
        let byPhone = Self.contact(phone: "+15557654321")
        let byEmail = Self.contact(email: "maria@example.com")
        let lead = Self.lead(phone: "+15557654321", email: "maria@example.com")
        #expect(ContactMatch.decide(lead: lead, byPhone: nil, byEmail: nil, current: nil) == .create)
        #expect(ContactMatch.decide(lead: lead, byPhone: byPhone, byEmail: nil, current: nil) == .link(byPhone.id))
        #expect(ContactMatch.decide(lead: lead, byPhone: byPhone, byEmail: byEmail, current: nil) == .merge(into: byPhone.id, absorbed: byEmail.id))
        // The e-mail's contact has another phone: two people sharing an address.
        let family = Self.contact(phone: "+15550000000", email: "maria@example.com")
        #expect(ContactMatch.decide(lead: lead, byPhone: byPhone, byEmail: family, current: nil) == .link(byPhone.id))
        #expect(ContactMatch.decide(lead: lead, byPhone: nil, byEmail: family, current: nil) == .create)
        #expect(ContactMatch.decide(lead: Self.lead(email: "maria@example.com"), byPhone: nil, byEmail: family, current: nil) == .link(family.id))
        // The phone's contact already has another e-mail: not merged.
        let otherEmail = Self.contact(phone: "+15557654321", email: "other@example.com")
        #expect(ContactMatch.decide(lead: lead, byPhone: otherEmail, byEmail: byEmail, current: nil) == .link(otherEmail.id))
        // Nothing matches but the lead's own contact, which has no other phone.
        let own = Self.contact()
        #expect(ContactMatch.decide(lead: lead, byPhone: nil, byEmail: nil, current: own) == .link(own.id))
    }

    @Test("quiet hours: across midnight and within a day, in the business's zone; outside them nothing is held")
    func quietHours() throws {
        let zone = try #require(BusinessTimeZone("America/New_York"))
        let night = QuietHours(start: WallClockTime("22:00")!, end: WallClockTime("07:00")!)
        let at = { (text: String) in try Date(text, strategy: .iso8601) }
        // 23:30 in New York (04:30Z next day in winter) → held until 07:00 local (12:00Z).
        #expect(night.end(after: try at("2026-12-08T04:30:00Z"), in: zone) == (try at("2026-12-08T12:00:00Z")))
        // 06:59 local → 07:00 the same day.
        #expect(night.end(after: try at("2026-12-08T11:59:00Z"), in: zone) == (try at("2026-12-08T12:00:00Z")))
        #expect(night.end(after: try at("2026-12-08T12:00:00Z"), in: zone) == nil, "07:00 is no longer quiet")
        #expect(night.end(after: try at("2026-12-08T15:00:00Z"), in: zone) == nil)
        let lunch = QuietHours(start: WallClockTime("12:00")!, end: WallClockTime("13:00")!)
        #expect(lunch.end(after: try at("2026-12-08T17:30:00Z"), in: zone) == (try at("2026-12-08T18:00:00Z")))
        #expect(lunch.end(after: try at("2026-12-08T18:00:00Z"), in: zone) == nil)
    }
}
