import Foundation
import FrontdeskCore
import FrontdeskStore
import Testing

/// Contacts, the inbox's threads and the members' preferences, on both engines.
@Suite("Inbox storage: contacts merged by phone and e-mail, threads per contact and channel, their history")
struct InboxStoreTests {
    @Test("leads become contacts: the same phone links, a new e-mail is learned, a phone and an e-mail found apart are merged", arguments: Engine.allCases)
    func contactsFromLeads(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (_, business) = try await temp.business()
            var caller = temp.lead(business, phone: "+15557654321")
            caller.name = "Maria Lopez"
            try await temp.store.leads.insert(caller)
            let first = try await temp.store.contacts.link(caller, at: temp.now)
            #expect(first.phone?.e164 == "+15557654321" && first.name == "Maria Lopez")
            #expect(try await temp.store.contacts.link(caller, at: temp.now).id == first.id, "linking again changes nothing")

            // A lead known only by e-mail is someone else until something ties them together.
            var byEmail = temp.lead(business, phone: nil, source: .email)
            byEmail.email = EmailAddress("maria@example.com")
            byEmail.company = "Lopez Dental"
            try await temp.store.leads.insert(byEmail)
            let second = try await temp.store.contacts.link(byEmail, at: temp.now)
            #expect(second.id != first.id)
            #expect(try await temp.store.contacts.list(ContactFilter(business: business.id), page: PageRequest(page: 1, limit: 20)).total == 2)
            // The e-mail contact has a thread already: it comes along when the two are merged.
            let emailThread = try await temp.store.inbox.record(
                ThreadActivity(
                    business: business.id, lead: byEmail, channel: .email,
                    preview: ThreadPreview(content: "Quote please", timestamp: temp.now, sender: .lead), inbound: true), at: temp.now)
            #expect(emailThread.contactId == second.id && emailThread.unreadCount == 1)

            // The caller gives that e-mail: phone and e-mail now say they are one person.
            caller.email = EmailAddress("maria@example.com")
            let merged = try await temp.store.contacts.link(caller, at: temp.now.addingTimeInterval(5))
            #expect(merged.id == first.id)
            #expect(merged.email?.value == "maria@example.com" && merged.company == "Lopez Dental", "what the absorbed contact knew is kept")
            #expect(try await temp.store.contacts.find(second.id) == nil)
            #expect(Set(try await temp.store.contacts.leads(of: first.id)) == [caller.id, byEmail.id])
            #expect(try await temp.store.inbox.find(emailThread.id)?.contactId == first.id)
            #expect(try await temp.store.inbox.thread(lead: caller.id, channel: .email)?.id == emailThread.id)

            // Someone else with another phone who shares the e-mail (a family address) stays apart.
            var sibling = temp.lead(business, phone: "+15557650000")
            sibling.email = EmailAddress("maria@example.com")
            try await temp.store.leads.insert(sibling)
            #expect(try await temp.store.contacts.link(sibling, at: temp.now).id != first.id)

            // Search, tags and sorting; another business sees none of them.
            var edited = try #require(try await temp.store.contacts.find(first.id))
            edited.tags = ["vip", "dental"]
            try await temp.store.contacts.update(edited)
            let page = PageRequest(page: 1, limit: 20)
            #expect(try await temp.store.contacts.list(ContactFilter(business: business.id, search: "lopez"), page: page).items.map(\.id) == [first.id])
            #expect(try await temp.store.contacts.list(ContactFilter(business: business.id, search: "%"), page: page).total == 0, "wildcards are literal")
            #expect(try await temp.store.contacts.list(ContactFilter(business: business.id, tags: ["vip"]), page: page).items.map(\.id) == [first.id])
            #expect(try await temp.store.contacts.list(ContactFilter(business: business.id, tags: ["vip", "nope"]), page: page).total == 0)
            let (_, other) = try await temp.business(name: "Other")
            #expect(try await temp.store.contacts.list(ContactFilter(business: other.id), page: page).total == 0)
            // A hand-made contact with a phone another contact has is refused.
            let twin = Contact(id: .generate(), businessId: business.id, phone: PhoneNumber("+15557654321"), createdAt: temp.now, updatedAt: temp.now)
            await #expect(throws: StoreError.self) { try await temp.store.contacts.insert(twin) }
        }
    }

    @Test("a thread per contact and channel: texts and calls on it in order, unread counted, assigned and released with its history", arguments: Engine.allCases)
    func threads(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (owner, business) = try await temp.business()
            let lead = temp.lead(business, phone: "+15557654321", source: .sms)
            try await temp.store.leads.insert(lead)
            var messages: [Message] = []
            for (offset, (direction, body)) in [(MessageDirection.inbound, "Where are you?"), (.outbound, "12 Harbor Street"), (.inbound, "Thanks")].enumerated() {
                let time = temp.now.addingTimeInterval(Double(offset))
                let message = Message(
                    id: .generate(), businessId: business.id, leadId: lead.id, channel: .sms, direction: direction, to: "+1", from: "+2",
                    subject: nil, body: body, status: direction == .inbound ? .received : .sent, provider: "test", providerMessageId: nil,
                    error: nil, createdAt: time, updatedAt: time, sentBy: offset == 1 ? owner.id : nil)
                try await temp.store.messages.save(message)
                messages.append(message)
                try await temp.store.messageStored(message, lead: lead)
            }
            let thread = try #require(try await temp.store.inbox.thread(lead: lead.id, channel: .sms))
            #expect(thread.unreadCount == 2)
            #expect(thread.lastMessage?.content == "Thanks" && thread.lastMessage?.sender == .lead)
            let lines = try await temp.store.inbox.messages(of: thread, page: PageRequest(page: 1, limit: 20))
            #expect(lines.items.map(\.content) == ["Where are you?", "12 Harbor Street", "Thanks"])
            #expect(lines.items.map(\.sender) == [.lead, .member, .lead])
            #expect(lines.items[1].senderId == owner.id)

            // A call on the same contact is its own (voice) thread, its turns as lines.
            let call = temp.call(business, providerCallId: "v3:1", lead: lead.id)
            _ = try await temp.store.calls.start(call, newLead: nil)
            try await temp.store.calls.append(TranscriptTurn(callId: call.id, sequence: 0, speaker: .agent, text: "Thanks for calling", startedAt: temp.now, endedAt: nil, confidence: nil, latencyMs: nil))
            try await temp.store.calls.append(TranscriptTurn(callId: call.id, sequence: 1, speaker: .caller, text: "Hi", startedAt: temp.now.addingTimeInterval(1), endedAt: nil, confidence: 0.9, latencyMs: nil))
            await temp.store.callStarted(call, at: temp.now)
            let voice = try #require(try await temp.store.inbox.thread(lead: lead.id, channel: .voice))
            #expect(voice.id != thread.id && voice.contactId == thread.contactId)
            let turns = try await temp.store.inbox.messages(of: voice, page: PageRequest(page: 1, limit: 20))
            #expect(turns.items.map(\.sender) == [.agent, .lead] && turns.items.first?.callId == call.id)

            let page = PageRequest(page: 1, limit: 20)
            #expect(try await temp.store.inbox.list(ConversationFilter(business: business.id), page: page).total == 2)
            #expect(try await temp.store.inbox.list(ConversationFilter(business: business.id, channel: .sms), page: page).items.map(\.id) == [thread.id])
            #expect(try await temp.store.inbox.list(ConversationFilter(business: business.id, lead: lead.id), page: page).total == 2)

            // Assigned: once (assigning again changes nothing), then released; both kept in order.
            let assign = ConversationChange(conversationId: thread.id, kind: .assigned, actorId: owner.id, assigneeId: owner.id, createdAt: temp.now.addingTimeInterval(10))
            let assigned = try #require(try await temp.store.inbox.apply(assign))
            #expect(assigned.assigneeId == owner.id && assigned.assignedAt != nil)
            #expect(try await temp.store.inbox.apply(ConversationChange(conversationId: thread.id, kind: .assigned, actorId: owner.id, assigneeId: owner.id, createdAt: temp.now.addingTimeInterval(11))) == nil)
            #expect(try await temp.store.inbox.list(ConversationFilter(business: business.id, assignee: owner.id), page: page).items.map(\.id) == [thread.id])
            #expect(try await temp.store.inbox.list(ConversationFilter(business: business.id, assigned: false), page: page).items.map(\.id) == [voice.id])
            #expect(try await temp.store.inbox.apply(ConversationChange(conversationId: thread.id, kind: .released, actorId: owner.id, assigneeId: nil, createdAt: temp.now.addingTimeInterval(12)))?.assigneeId == nil)
            #expect(try await temp.store.inbox.history(of: thread.id).map(\.kind) == [.assigned, .released])

            try await temp.store.inbox.markRead(thread.id, at: temp.now)
            #expect(try await temp.store.inbox.find(thread.id)?.unreadCount == 0)
            #expect(try await temp.store.inbox.list(ConversationFilter(business: business.id, unread: true), page: page).items.map(\.id) == [voice.id])
        }
    }

    @Test("members' preferences are kept per business; a held notification is taken once when its time comes", arguments: Engine.allCases)
    func preferencesAndHeldNotifications(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (owner, business) = try await temp.business()
            #expect(try await temp.store.notifications.preferences(user: owner.id, business: business.id) == MemberPreferences())
            let quiet = QuietHours(start: WallClockTime("22:00")!, end: WallClockTime("07:00")!)
            let preferences = MemberPreferences(phone: PhoneNumber("+15550001111"), email: false, sms: true, quietHours: quiet)
            try await temp.store.notifications.setPreferences(preferences, user: owner.id, business: business.id, at: temp.now)
            #expect(try await temp.store.notifications.preferences(user: owner.id, business: business.id) == preferences)
            #expect(try await temp.store.notifications.members(of: business.id).first?.preferences == preferences)

            let notification = TeamNotification(
                id: .generate(), businessId: business.id, userId: owner.id, category: .lead, reason: "lead.qualified", title: "T", message: "M",
                data: "{}", createdAt: temp.now)
            try await temp.store.notifications.insert([notification])
            try await temp.store.notifications.hold(notification.id, until: temp.now.addingTimeInterval(3600))
            #expect(try await temp.store.notifications.takeDue(at: temp.now, limit: 10).isEmpty)
            #expect(try await temp.store.notifications.takeDue(at: temp.now.addingTimeInterval(3600), limit: 10).map(\.id) == [notification.id])
            #expect(try await temp.store.notifications.takeDue(at: temp.now.addingTimeInterval(7200), limit: 10).isEmpty, "taken once")
        }
    }
}
