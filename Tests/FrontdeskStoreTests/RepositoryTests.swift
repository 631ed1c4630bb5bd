import Foundation
import FrontdeskCore
import FrontdeskStore
import Testing

/// Every repository method not covered by the other suites, on both engines: the same calls must give
/// the same answers whichever database is behind them.
@Suite("Repositories: the same answers from SQLite and PostgreSQL")
struct RepositoryTests {
    @Test("accounts: e-mail found in any case and unique, passwords changed, members added with their roles", arguments: Engine.allCases)
    func accounts(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (owner, business) = try await temp.business()
            let found = try #require(try await temp.store.users.find(email: EmailAddress(owner.email.value.uppercased())!))
            #expect(found == owner)
            #expect(try await temp.store.users.find(owner.id) == owner)
            let twin = User(
                id: .generate(), email: EmailAddress(owner.email.value.uppercased())!, passwordHash: "y", firstName: "T", lastName: nil,
                createdAt: temp.now, updatedAt: temp.now)
            let other = Business(id: .generate(), name: "Twin", settings: .default, createdAt: temp.now, updatedAt: temp.now)
            await #expect(throws: StoreError.duplicate(message: "An account with this email already exists")) {
                try await temp.store.users.register(twin, business: other)
            }
            #expect(try await temp.store.businesses.find(other.id) == nil, "nothing of a refused registration is kept")
            try await temp.store.users.updatePassword(owner.id, hash: "new-hash", at: temp.now.addingTimeInterval(5))
            #expect(try await temp.store.users.find(owner.id)?.passwordHash == "new-hash")

            let (member, _) = try await temp.business()
            #expect(try await temp.store.users.role(of: member.id, in: business.id) == nil)
            try await temp.store.users.addMembership(
                Membership(userId: member.id, businessId: business.id, role: .agent, createdAt: temp.now.addingTimeInterval(10)))
            #expect(try await temp.store.users.role(of: member.id, in: business.id) == .agent, "the cached 'not a member' is forgotten")
            try await temp.store.users.addMembership(
                Membership(userId: member.id, businessId: business.id, role: .user, createdAt: temp.now.addingTimeInterval(10)))
            #expect(try await temp.store.users.role(of: member.id, in: business.id) == .user, "adding again changes the role")
            #expect(try await temp.store.users.memberships(of: member.id).map(\.role) == [.admin, .user])
        }
    }

    @Test("businesses: listed newest first for their members, searched by name with wildcards taken literally, updated, counted", arguments: Engine.allCases)
    func businesses(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (owner, first) = try await temp.business(name: "Joe's 100% Plumbing")
            let second = Business(id: .generate(), name: "Acme_Dental", settings: .default, createdAt: temp.now.addingTimeInterval(60), updatedAt: temp.now)
            try await temp.store.businesses.create(second, owner: owner.id)
            _ = try await temp.business(name: "Someone else's")
            let all = try await temp.store.businesses.list(for: owner.id, search: nil, page: PageRequest(page: 1, limit: 10))
            #expect(all.items.map(\.id) == [second.id, first.id])
            #expect(all.total == 2)
            #expect(try await temp.store.businesses.list(for: owner.id, search: "100%", page: PageRequest(page: 1, limit: 10)).items.map(\.id) == [first.id])
            #expect(try await temp.store.businesses.list(for: owner.id, search: "e_d", page: PageRequest(page: 1, limit: 10)).items.map(\.id) == [second.id])
            #expect(try await temp.store.businesses.list(for: owner.id, search: "PLUMB", page: PageRequest(page: 1, limit: 10)).total == 1)
            #expect(try await temp.store.businesses.list(for: owner.id, search: "%", page: PageRequest(page: 1, limit: 10)).total == 1)
            let secondPage = try await temp.store.businesses.list(for: owner.id, search: nil, page: PageRequest(page: 2, limit: 1))
            #expect(secondPage.items.map(\.id) == [first.id])
            #expect(secondPage.total == 2)
            var renamed = try #require(try await temp.store.businesses.find(first.id))
            renamed.name = "Joe's Plumbing"
            renamed.settings.timezone = BusinessTimeZone("America/Chicago")!
            try await temp.store.businesses.update(renamed)
            #expect(try await temp.store.businesses.find(first.id) == renamed, "the cached business is replaced")
            #expect(try await temp.store.businesses.count() == 3)
        }
    }

    @Test("agents: one per phone number, found by it, listed by status, counted calls since a time, deleted", arguments: Engine.allCases)
    func agents(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (_, business) = try await temp.business()
            func agent(_ name: String, _ phone: String?, _ status: AgentStatus, at offset: TimeInterval) -> Agent {
                var behavior = BehaviorSettings()
                behavior.greeting = "Hi from \(name)"
                let hours = WeeklyHours([.monday: DayHours([TimeRange(open: WallClockTime(minutes: 540)!, close: WallClockTime(minutes: 1020)!)!])!])
                return Agent(
                    id: .generate(), businessId: business.id, name: name, phoneNumber: phone.flatMap(PhoneNumber.init), voiceSettings: VoiceSettings(),
                    behaviorSettings: behavior, workingHours: hours, status: status, startedAt: status == .active ? temp.now : nil,
                    createdAt: temp.now.addingTimeInterval(offset), updatedAt: temp.now)
            }
            let front = agent("Front", "+15550101000", .active, at: 0)
            let back = agent("Back", nil, .inactive, at: 60)
            try await temp.store.agents.save(front)
            try await temp.store.agents.save(back)
            #expect(try await temp.store.agents.find(phoneNumber: PhoneNumber("+15550101000")!) == front)
            #expect(try await temp.store.agents.find(phoneNumber: PhoneNumber("+15550101001")!) == nil)
            await #expect(throws: StoreError.self) {
                try await temp.store.agents.save(agent("Copy", "+15550101000", .active, at: 120))
            }
            var moved = front
            moved.phoneNumber = PhoneNumber("+15550101001")
            try await temp.store.agents.save(moved)
            #expect(try await temp.store.agents.find(phoneNumber: PhoneNumber("+15550101001")!) == moved, "the cache follows the change")
            #expect(try await temp.store.agents.find(phoneNumber: PhoneNumber("+15550101000")!) == nil)
            #expect(try await temp.store.agents.list(business: business.id, status: nil, page: PageRequest(page: 1, limit: 10)).items.map(\.id) == [back.id, front.id])
            #expect(try await temp.store.agents.list(business: business.id, status: .active, page: PageRequest(page: 1, limit: 10)).items == [moved])
            var call = temp.call(business, providerCallId: "a1", at: temp.now.addingTimeInterval(3600))
            call.agentId = front.id
            try await temp.store.calls.insert(call)
            #expect(try await temp.store.agents.callsSince(front.id, since: temp.now) == 1)
            #expect(try await temp.store.agents.callsSince(front.id, since: temp.now.addingTimeInterval(7200)) == 0)
            try await temp.store.agents.delete(back.id)
            #expect(try await temp.store.agents.find(back.id) == nil)
        }
    }

    @Test("leads: listed by phone, status and source; scored best first; counted in a period; live appointments seen", arguments: Engine.allCases)
    func leads(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (_, business) = try await temp.business()
            var hot = temp.lead(business, phone: "+15550200001", status: .qualified, source: .call, at: temp.now)
            hot.qualificationScore = 90
            var warm = temp.lead(business, phone: "+15550200002", status: .contacted, source: .sms, at: temp.now.addingTimeInterval(60))
            warm.qualificationScore = 50
            let cold = temp.lead(business, phone: nil, status: .converted, source: .web, at: temp.now.addingTimeInterval(120))
            for lead in [hot, warm, cold] { try await temp.store.leads.insert(lead) }
            let page = PageRequest(page: 1, limit: 10)
            #expect(try await temp.store.leads.list(LeadFilter(business: business.id), page: page).items.map(\.id) == [cold.id, warm.id, hot.id])
            #expect(try await temp.store.leads.list(LeadFilter(business: business.id, phone: PhoneNumber("+15550200002")), page: page).items == [warm])
            #expect(try await temp.store.leads.list(LeadFilter(business: business.id, status: .qualified, source: .call), page: page).items == [hot])
            #expect(try await temp.store.leads.list(LeadFilter(business: business.id, source: .sms), page: page).total == 1)
            #expect(try await temp.store.leads.scored(business: business.id, from: nil, to: nil).map(\.id) == [hot.id, warm.id])
            #expect(try await temp.store.leads.scored(business: business.id, from: temp.now.addingTimeInterval(30), to: nil).map(\.id) == [warm.id])
            let counts = try await temp.store.leads.counts(business: business.id, from: nil, to: nil, today: temp.now.addingTimeInterval(30))
            #expect([counts.total, counts.newToday, counts.qualified, counts.converted] as [Int] == [3, 2, 1, 1])
            #expect(try await temp.store.leads.hasLiveAppointment(hot.id) == false)
            let booked = temp.appointment(business, at: temp.now.addingTimeInterval(86_400), lead: hot.id)
            try await temp.store.appointments.save(booked, rules: BookingRules(), hours: OpeningHours(settings: business.settings))
            #expect(try await temp.store.leads.hasLiveAppointment(hot.id))
            try await temp.store.appointments.setStatus(booked.id, .cancelled, at: temp.now)
            #expect(try await temp.store.leads.hasLiveAppointment(hot.id) == false)
        }
    }

    @Test("appointments: filtered lists, the next live one, a full day refused, counts and revenue", arguments: Engine.allCases)
    func appointments(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (_, business) = try await temp.business()
            let hours = OpeningHours(settings: business.settings)
            let lead = temp.lead(business, phone: "+15550300001")
            try await temp.store.leads.insert(lead)
            let day = Date(timeIntervalSince1970: 1_790_100_000)
            var rules = BookingRules()
            rules.maxPerDay = 2
            var first = temp.appointment(business, at: day, lead: lead.id)
            first.price = Money(cents: 12_000)
            first.type = "Repair"
            let second = temp.appointment(business, at: day.addingTimeInterval(3600))
            try await temp.store.appointments.save(first, rules: rules, hours: hours)
            try await temp.store.appointments.save(second, rules: rules, hours: hours)
            await #expect(throws: StoreError.slotTaken("That day is fully booked")) {
                try await temp.store.appointments.save(temp.appointment(business, at: day.addingTimeInterval(7200)), rules: rules, hours: hours)
            }
            #expect(try await temp.store.appointments.find(first.id) == first)
            let page = PageRequest(page: 1, limit: 10)
            #expect(try await temp.store.appointments.list(AppointmentFilter(business: business.id), page: page).items.map(\.id) == [first.id, second.id])
            #expect(try await temp.store.appointments.list(AppointmentFilter(business: business.id, leadId: lead.id), page: page).items == [first])
            #expect(try await temp.store.appointments.list(
                AppointmentFilter(business: business.id, from: day.addingTimeInterval(60), to: day.addingTimeInterval(7200)), page: page).items == [second])
            #expect(try await temp.store.appointments.nextLive(lead: lead.id, after: day.addingTimeInterval(-60)) == first)
            #expect(try await temp.store.appointments.nextLive(lead: lead.id, after: day) == nil)
            try await temp.store.appointments.setStatus(first.id, .completed, at: temp.now)
            #expect(try await temp.store.appointments.list(AppointmentFilter(business: business.id, status: .completed), page: page).total == 1)
            #expect(try await temp.store.appointments.revenue(business: business.id, from: nil, to: nil) == 12_000)
            #expect(try await temp.store.appointments.revenue(business: business.id, from: day.addingTimeInterval(1), to: nil) == 0)
            try await temp.store.appointments.setStatus(second.id, .cancelled, at: temp.now)
            let counts = try await temp.store.appointments.counts(
                business: business.id, from: nil, to: nil, todayStart: day.addingTimeInterval(-3600), todayEnd: day.addingTimeInterval(86_400))
            #expect([counts.total, counts.scheduledToday, counts.completed, counts.cancelled] as [Int] == [2, 1, 1, 1])
        }
    }

    @Test("calls: a provider's call started once, listed, ended with stats, latencies kept per turn, recordings and barge-in text", arguments: Engine.allCases)
    func calls(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (_, business) = try await temp.business()
            let caller = temp.lead(business, phone: "+15550003333", source: .call)
            guard case .started(let call, let lead) = try await temp.store.calls.start(temp.call(business, providerCallId: "v3:c1"), newLead: caller) else {
                Issue.record("the first start made no call")
                return
            }
            #expect(lead == caller)
            guard case .existing(let again, let againLead) = try await temp.store.calls.start(temp.call(business, providerCallId: "v3:c1"), newLead: caller) else {
                Issue.record("a second start of the same provider call made another")
                return
            }
            #expect(again == call)
            #expect(againLead == caller)
            // A second call from the same number finds the caller's lead instead of making one.
            guard case .started(let second, let secondLead) = try await temp.store.calls.start(
                temp.call(business, providerCallId: "v3:c2", at: temp.now.addingTimeInterval(600)), newLead: temp.lead(business, phone: "+15550003333"))
            else {
                Issue.record("the second call was not started")
                return
            }
            #expect(secondLead?.id == caller.id)
            #expect(second.leadId == caller.id)
            #expect(try await temp.store.calls.find(provider: "telnyx", providerCallId: "v3:c2") == second)
            var ended = call
            ended.status = .completed
            ended.duration = 80
            ended.endedAt = temp.now.addingTimeInterval(80)
            try await temp.store.calls.finish(ended, lead: nil)
            let page = PageRequest(page: 1, limit: 10)
            #expect(try await temp.store.calls.list(CallFilter(business: business.id), page: page).items.map(\.id) == [second.id, call.id])
            #expect(try await temp.store.calls.list(CallFilter(business: business.id, status: .completed), page: page).items == [ended])
            #expect(try await temp.store.calls.list(CallFilter(business: business.id, leadId: caller.id), page: page).total == 2)
            #expect(try await temp.store.calls.countEnded() == 1)
            let stats = try await temp.store.calls.stats(business: business.id, from: nil, to: nil, todayStart: temp.now.addingTimeInterval(300))
            #expect([stats.total, stats.today, stats.completed, stats.ended] as [Int] == [2, 1, 1, 1])
            #expect(stats.averageDuration == 80)

            let latency = TurnLatency(turn: 1, endOfTurnMs: 600, transcriptMs: 40, replyMs: 120, firstAudioMs: 80, firstFrameMs: 2,
                                      firstTokenMs: 90, speechToTextMs: 30, textToSpeechMs: 70)
            try await temp.store.calls.recordLatency(latency, call: call.id)
            var again1 = latency
            again1.replyMs = 150
            again1.firstTokenMs = nil
            try await temp.store.calls.recordLatency(again1, call: call.id)
            try await temp.store.calls.recordLatency(TurnLatency(turn: 2, endOfTurnMs: 600, transcriptMs: 1, replyMs: 2, firstAudioMs: 3, firstFrameMs: 4), call: call.id)
            #expect(try await temp.store.calls.latencies(of: call.id).map(\.replyMs) == [150, 2])
            #expect(try await temp.store.calls.latencies(of: call.id).first?.firstTokenMs == nil)
            #expect(try await temp.store.calls.latencies(business: business.id, from: nil, to: nil).count == 2)
            #expect(try await temp.store.calls.latencies(business: business.id, from: temp.now.addingTimeInterval(1), to: nil).isEmpty)

            #expect(try await temp.store.calls.recordingPath(call.id) == nil)
            try await temp.store.calls.setRecording(call.id, url: "/api/calls/\(call.id)/recording", path: "/var/rec/\(call.id).ogg")
            #expect(try await temp.store.calls.recordingPath(call.id) == "/var/rec/\(call.id).ogg")
            #expect(try await temp.store.calls.find(call.id)?.recordingUrl == "/api/calls/\(call.id)/recording")
            try await temp.store.calls.append(TranscriptTurn(callId: call.id, sequence: 0, speaker: .agent, text: "Hello, how can I help you today?",
                                                             startedAt: temp.now, endedAt: nil, confidence: nil, latencyMs: nil))
            try await temp.store.calls.updateTurnText(call: call.id, sequence: 0, text: "Hello, how can—")
            #expect(try await temp.store.calls.transcripts(of: [call.id, second.id]) == [call.id: "Agent: Hello, how can—"])
            // A caller's words keep the carrier event they came in (a takeover does not act on them twice).
            try await temp.store.calls.append(TranscriptTurn(callId: call.id, sequence: 1, speaker: .caller, text: "A cleaning, please",
                                                             startedAt: temp.now, endedAt: nil, confidence: 0.9, latencyMs: nil, providerEventId: "ev-77"))
            #expect(try await temp.store.calls.turns(of: call.id).map(\.providerEventId) == [nil, "ev-77"])
        }
    }

    @Test("messages: saved, listed per channel, delivery reports matched by provider id, opt-outs kept per business", arguments: Engine.allCases)
    func messages(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (_, business) = try await temp.business()
            func message(_ body: String, _ channel: MessageChannel, at offset: TimeInterval, providerId: String?) -> Message {
                Message(
                    id: .generate(), businessId: business.id, leadId: nil, channel: channel, direction: .outbound, to: "+15550400001",
                    from: "+15550400000", subject: channel == .email ? "Hi" : nil, body: body, status: .queued, provider: "telnyx",
                    providerMessageId: providerId, error: nil, createdAt: temp.now.addingTimeInterval(offset), updatedAt: temp.now)
            }
            let first = message("one", .sms, at: 0, providerId: "m-1")
            let second = message("two", .sms, at: 60, providerId: "m-2")
            let mail = message("three", .email, at: 120, providerId: nil)
            for item in [first, second, mail] { try await temp.store.messages.save(item) }
            #expect(try await temp.store.messages.find(mail.id) == mail)
            #expect(try await temp.store.messages.list(MessageFilter(business: business.id, channel: .sms), page: PageRequest(page: 1, limit: 10)).items.map(\.id) == [second.id, first.id])
            #expect(try await temp.store.messages.updateStatus(provider: "telnyx", providerMessageId: "m-1", status: .failed, error: "30003 unreachable", at: temp.now))
            #expect(try await temp.store.messages.updateStatus(provider: "telnyx", providerMessageId: "m-9", status: .delivered, error: nil, at: temp.now) == false)
            #expect(try await temp.store.messages.updateStatus(provider: "telnyx", providerMessageId: "m-1", status: .failed, error: nil, at: temp.now))
            let failed = try #require(try await temp.store.messages.find(first.id))
            #expect(failed.status == .failed)
            #expect(failed.error == "30003 unreachable", "a later report without an error keeps the first one")
            #expect(try await temp.store.messages.list(MessageFilter(business: business.id, channel: .sms, status: .failed), page: PageRequest(page: 1, limit: 10)).items.map(\.id) == [first.id])
            var sent = second
            sent.status = .sent
            try await temp.store.messages.save(sent)
            #expect(try await temp.store.messages.find(second.id)?.status == .sent)

            let (_, other) = try await temp.business()
            try await temp.store.messages.optOut(business: business.id, phone: "+15550400001", at: temp.now)
            try await temp.store.messages.optOut(business: business.id, phone: "+15550400001", at: temp.now)
            #expect(try await temp.store.messages.isOptedOut(business: business.id, phone: "+15550400001"))
            #expect(try await temp.store.messages.isOptedOut(business: other.id, phone: "+15550400001") == false)
            try await temp.store.messages.optIn(business: business.id, phone: "+15550400001")
            #expect(try await temp.store.messages.isOptedOut(business: business.id, phone: "+15550400001") == false)
        }
    }

    @Test("idempotency keys: one request proceeds, a repeat replays its answer, another body is refused, keys expire after a day", arguments: Engine.allCases)
    func idempotency(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (user, _) = try await temp.business()
            let keys = temp.store.idempotency
            #expect(try await keys.claim(user: user.id, key: "k1", method: "POST", path: "/api/leads", requestHash: "h", now: temp.now) == .proceed)
            #expect(try await keys.claim(user: user.id, key: "k1", method: "POST", path: "/api/leads", requestHash: "h", now: temp.now) == .inProgress)
            try await keys.complete(user: user.id, key: "k1", status: 201, body: Data("{\"ok\":true}".utf8))
            #expect(try await keys.claim(user: user.id, key: "k1", method: "POST", path: "/api/leads", requestHash: "h", now: temp.now) == .replay(status: 201, body: Data("{\"ok\":true}".utf8)))
            #expect(try await keys.claim(user: user.id, key: "k1", method: "POST", path: "/api/leads", requestHash: "other", now: temp.now) == .mismatch)
            #expect(try await keys.claim(user: user.id, key: "k1", method: "POST", path: "/api/leads", requestHash: "other", now: temp.now.addingTimeInterval(86_401)) == .proceed)
            #expect(try await keys.claim(user: user.id, key: "k2", method: "POST", path: "/api/leads", requestHash: "h", now: temp.now) == .proceed)
            try await keys.release(user: user.id, key: "k2")
            #expect(try await keys.claim(user: user.id, key: "k2", method: "POST", path: "/api/leads", requestHash: "h2", now: temp.now) == .proceed)
            // Twenty claims of one new key at once: exactly one proceeds.
            let outcomes = try await withThrowingTaskGroup(of: IdempotencyClaim.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await keys.claim(user: user.id, key: "k3", method: "POST", path: "/p", requestHash: "h", now: temp.now) }
                }
                return try await group.reduce(into: [IdempotencyClaim]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == .proceed }.count == 1)
            #expect(outcomes.filter { $0 == .inProgress }.count == 19)
        }
    }

    @Test("text conversations: state kept per business, channel and lead, and replaced on the next turn", arguments: Engine.allCases)
    func conversations(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (_, business) = try await temp.business()
            let lead = temp.lead(business, phone: "+15550500001")
            try await temp.store.leads.insert(lead)
            #expect(try await temp.store.conversations.state(business: business.id, channel: .sms, lead: lead.id) == nil)
            var state = ConversationState()
            state.turn = 1
            state.name = "Ada"
            try await temp.store.conversations.save(state, business: business.id, channel: .sms, lead: lead.id, now: temp.now)
            state.turn = 2
            state.pending = .confirmBooking(start: Date(timeIntervalSince1970: 1_790_100_000))
            try await temp.store.conversations.save(state, business: business.id, channel: .sms, lead: lead.id, now: temp.now)
            #expect(try await temp.store.conversations.state(business: business.id, channel: .sms, lead: lead.id) == state)
            #expect(try await temp.store.conversations.state(business: business.id, channel: .api, lead: lead.id) == nil)
        }
    }

    @Test("provider events: pending ones replayed oldest first, duplicates in one batch refused, progress counted", arguments: Engine.allCases)
    func events(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let events = temp.store.events
            let a = PendingProviderEvent(provider: "telnyx", eventId: "a", type: "call.initiated", payload: Data("a".utf8))
            let b = PendingProviderEvent(provider: "telnyx", eventId: "b", type: nil, payload: Data("b".utf8))
            #expect(try await events.accept([a], at: temp.now) == [true])
            #expect(try await events.accept([b, a, b], at: temp.now.addingTimeInterval(1)) == [true, false, false])
            #expect(try await events.accept(provider: "telnyx", eventId: "c", type: "x", payload: Data("c".utf8), at: temp.now.addingTimeInterval(2)))
            #expect(try await events.accept(provider: "telnyx", eventId: "c", type: "x", payload: Data("c".utf8), at: temp.now.addingTimeInterval(2)) == false)
            #expect(try await events.pending().map(\.eventId) == ["a", "b", "c"])
            #expect(try await events.pending(limit: 1).map(\.eventId) == ["a"])
            #expect(try await events.pending()[1] == b, "a missing type stays missing")
            try await events.markProcessed([("telnyx", "b")], at: temp.now)
            let progress = try await events.progress(provider: "telnyx")
            #expect(progress.accepted == 3)
            #expect(progress.processed == 1)
        }
    }

    @Test("provider events by key: a call's waiting events in the order accepted, and the keys left waiting", arguments: Engine.allCases)
    func eventsByKey(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let events = temp.store.events
            func event(_ id: String, _ key: String) -> PendingProviderEvent {
                PendingProviderEvent(provider: "telnyx", eventId: id, type: "call.transcription", payload: Data(id.utf8), key: key)
            }
            // One batch, ids out of alphabetical order: the order is the batch's.
            #expect(try await events.accept([event("z1", "call:a"), event("b2", "call:b"), event("m3", "call:a"), event("a4", "call:a")], at: temp.now)
                == [true, true, true, true])
            #expect(try await events.accept([event("c5", "call:c")], at: temp.now.addingTimeInterval(10)) == [true])
            #expect(try await events.pending(key: "call:a", limit: 10).map(\.eventId) == ["z1", "m3", "a4"])
            #expect(try await events.pending(key: "call:a", limit: 10).first == event("z1", "call:a"), "the key comes back")
            #expect(try await events.pending().map(\.eventId) == ["z1", "b2", "m3", "a4", "c5"])
            try await events.markProcessed([("telnyx", "z1"), ("telnyx", "b2")], at: temp.now)
            #expect(try await events.pending(key: "call:a", limit: 10).map(\.eventId) == ["m3", "a4"])
            #expect(try await events.pending(key: "call:b", limit: 10).isEmpty)
            // Waiting since before a time: call:c came later.
            #expect(try await events.pendingKeys(acceptedBefore: temp.now.addingTimeInterval(5), limit: 10) == ["call:a"])
            #expect(Set(try await events.pendingKeys(acceptedBefore: temp.now.addingTimeInterval(60), limit: 10)) == ["call:a", "call:c"])
        }
    }

    @Test("calls in progress are listed across businesses, oldest first; ended ones are not", arguments: Engine.allCases)
    func callsInProgress(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (_, first) = try await temp.business()
            let (_, second) = try await temp.business()
            let older = temp.call(second, providerCallId: "v3:old", at: temp.now)
            let newer = temp.call(first, providerCallId: "v3:new", at: temp.now.addingTimeInterval(60))
            var ended = temp.call(first, providerCallId: "v3:ended", at: temp.now.addingTimeInterval(30))
            for call in [newer, older, ended] { _ = try await temp.store.calls.start(call, newLead: nil) }
            ended.status = .completed
            ended.endedAt = temp.now.addingTimeInterval(90)
            try await temp.store.calls.finish(ended, lead: nil)
            #expect(try await temp.store.calls.inProgress(limit: 10).map(\.providerCallId) == ["v3:old", "v3:new"])
            #expect(try await temp.store.calls.inProgress(limit: 1).map(\.providerCallId) == ["v3:old"])
        }
    }
}
