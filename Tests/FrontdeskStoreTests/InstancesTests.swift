import Foundation
import FrontdeskCore
import FrontdeskStore
import Synchronization
import Testing

/// Two instances — two stores, each with its own connections and caches — on one PostgreSQL database.
@Suite("Several instances on one PostgreSQL database")
struct InstancesTests {
    /// Opens a second store on the test's database, runs `body`, closes it.
    func withTwo(_ body: (TestStore, Store) async throws -> Void) async throws {
        try await withStore(.postgres) { temp throws in
            let other = try await temp.reopen()
            do {
                try await body(temp, other)
            } catch {
                await other.close()
                throw error
            }
            await other.close()
        }
    }

    @Test("100 concurrent bookings of one slot split across two instances create exactly one appointment")
    func bookingAcrossInstances() async throws {
        try await withTwo { temp, other in
            let (_, business) = try await temp.business()
            let start = Date(timeIntervalSince1970: 1_790_100_000)
            let stores = [temp.store, other]
            let booked = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        // Different lengths and starts around the slot: each overlaps the others.
                        let appointment = temp.appointment(business, at: start.addingTimeInterval(Double(index % 3) * 300), minutes: 30 + index % 2 * 15)
                        do {
                            try await stores[index % 2].appointments.save(
                                appointment, rules: BookingRules(), hours: OpeningHours(settings: business.settings))
                            return true
                        } catch StoreError.slotTaken {
                            return false
                        } catch {
                            Issue.record("a booking failed with \(error) instead of 'slot taken'")
                            return false
                        }
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(booked.filter { $0 }.count == 1)
            let live = try await other.appointments.live(business: business.id, from: start.addingTimeInterval(-3600), to: start.addingTimeInterval(3600))
            #expect(live.count == 1)
        }
    }

    @Test("a key is held by one instance at a time; handed-over keys reach the others; a closed instance lets go of its keys")
    func keyOwnership() async throws {
        try await withStore(.postgres) { temp throws in
            let first = try await temp.reopen()
            let second = try await temp.reopen()
            var handovers = second.ownership.handovers.makeAsyncIterator()
            #expect(await first.ownership.claim("call:a"))
            #expect(await first.ownership.claim("call:a"), "this instance's own key, claimed again")
            #expect(await second.ownership.claim("call:a") == false)
            #expect(await second.ownership.claim("call:b"))
            await first.ownership.release("call:a")
            #expect(await second.ownership.claim("call:a") == false, "claimed twice: held until released twice")
            await first.ownership.release("call:a")
            await first.ownership.handOver("call:a")  // in order after the release, on one connection
            #expect(await handovers.next() == "call:a")
            #expect(await second.ownership.claim("call:a"))
            #expect(await first.ownership.claim("call:c"))
            // An instance that goes away (here: closes; kill -9 drops its connection the same way).
            await first.close()
            #expect(await second.ownership.claim("call:c"))
            #expect(second.ownership.held == 3)
            await second.close()
        }
    }

    @Test("one webhook delivered to both instances at once is accepted by exactly one")
    func dedupeAcrossInstances() async throws {
        try await withTwo { temp, other in
            let stores = [temp.store, other]
            let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        try await stores[index % 2].events.accept(
                            provider: "telnyx", eventId: "evt-\(index / 4)", type: "call.hangup", payload: Data("{}".utf8), at: temp.now)
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(accepted.filter { $0 }.count == 10)
            #expect(try await other.events.pending().count == 10)
        }
    }

    @Test("a call started by both instances at once is one call with one lead")
    func callStartAcrossInstances() async throws {
        try await withTwo { temp, other in
            let (_, business) = try await temp.business()
            let stores = [temp.store, other]
            let starts = try await withThrowingTaskGroup(of: CallStart.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        try await stores[index % 2].calls.start(
                            temp.call(business, providerCallId: "v3:same"), newLead: temp.lead(business, phone: "+15550600001"))
                    }
                }
                return try await group.reduce(into: [CallStart]()) { $0.append($1) }
            }
            let ids = Set(starts.map { start -> CallID in
                switch start {
                case .started(let call, _), .existing(let call, _): call.id
                }
            })
            #expect(ids.count == 1)
            #expect(starts.filter { if case .started = $0 { true } else { false } }.count == 1)
            #expect(try await temp.count("SELECT count(*) FROM leads") == 1)
        }
    }

    @Test("what one instance caches is forgotten when another changes it: memberships, agents by number, revoked logins")
    func cachesFollowOtherInstances() async throws {
        try await withTwo { temp, other in
            let (owner, business) = try await temp.business()
            let (member, _) = try await temp.business()
            // The first instance reads (and caches) each fact.
            #expect(try await temp.store.users.role(of: member.id, in: business.id) == nil)
            let agent = Agent(
                id: .generate(), businessId: business.id, name: "Front", phoneNumber: PhoneNumber("+15550700001"), voiceSettings: .init(),
                behaviorSettings: .init(), workingHours: nil, status: .active, startedAt: nil, createdAt: temp.now, updatedAt: temp.now)
            try await temp.store.agents.save(agent)
            #expect(try await temp.store.agents.find(phoneNumber: PhoneNumber("+15550700001")!)?.id == agent.id)
            let later = temp.now.addingTimeInterval(86_400)
            try await temp.store.tokens.storeRefreshToken(hash: "r1", user: owner.id, family: "login", expiresAt: later, now: temp.now)
            #expect(try await temp.store.tokens.accessState(user: owner.id, session: "login") == .valid)

            // The second instance changes each one.
            try await other.users.addMembership(Membership(userId: member.id, businessId: business.id, role: .user, createdAt: temp.now))
            var moved = agent
            moved.phoneNumber = PhoneNumber("+15550700002")
            try await other.agents.save(moved)
            try await other.tokens.revokeSession("login", user: owner.id, now: temp.now)

            // Within moments (the notification's trip), the first sees every change.
            try await eventually {
                let role = try await temp.store.users.role(of: member.id, in: business.id)
                let old = try await temp.store.agents.find(phoneNumber: PhoneNumber("+15550700001")!)
                let login = try await temp.store.tokens.accessState(user: owner.id, session: "login")
                return role == .user && old == nil && login == .sessionRevoked
            }
        }
    }

    /// Polls `condition` for up to two seconds.
    func eventually(_ condition: () async throws -> Bool) async throws {
        for _ in 0..<40 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the condition did not become true within 2 s")
    }

    @Test("an event one instance stores reaches the other instance's listeners, and its own")
    func eventsAcrossInstances() async throws {
        try await withTwo { temp, other in
            let (_, business) = try await temp.business()
            let (id, events) = other.feed.listen(businesses: [business.id])
            let heard = Mutex<[DomainEvent]>([])
            let reader = Task { for await event in events { heard.withLock { $0.append(event) } } }
            let (localId, local) = temp.store.feed.listen(businesses: nil)
            // The other instance hears from the moment its LISTEN is in place: publish until it does.
            var published: [DomainEvent] = []
            for attempt in 0..<100 where heard.withLock({ $0.isEmpty }) {
                published.append(try #require(await temp.store.feed.publish(.leadCreated, business: business.id, data: ["n": attempt], at: temp.now)))
                try await Task.sleep(for: .milliseconds(50))
            }
            let got = try #require(heard.withLock { $0.first })
            let index = try #require(published.firstIndex(of: got))
            #expect(got.data == #"{"n":\#(index)}"#)
            // From then on every event arrives.
            let later = try #require(await temp.store.feed.publish(.callStarted, business: business.id, data: ["n": -1], at: temp.now))
            for _ in 0..<200 where !heard.withLock({ $0.contains(later) }) { try await Task.sleep(for: .milliseconds(10)) }
            #expect(heard.withLock { $0.contains(later) })
            var mine = local.makeAsyncIterator()
            #expect(await mine.next() == published.first, "this instance's listeners hear it straight away")
            other.feed.stopListening(id)
            temp.store.feed.stopListening(localId)
            reader.cancel()
        }
    }
}
