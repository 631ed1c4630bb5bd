import Foundation
import FrontdeskCore
import FrontdeskStore
import Testing

/// The scheduler's job table, on both engines: one job per key, one runner per lease, and an
/// outcome recorded only by the attempt that holds the job.
@Suite("Jobs: stored once per key, leased to one runner, retried after a lease runs out")
struct JobStoreTests {
    func job(_ business: Business, key: String, due: Date, at now: Date) -> Job {
        Job(businessId: business.id, kind: .appointmentReminder, key: key, payload: #"{"n":1}"#, dueAt: due, createdAt: now)
    }

    @Test("a key is stored once; due jobs are claimed once, earliest first; a lease that runs out lets another runner take over", arguments: Engine.allCases)
    func leases(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (_, business) = try await temp.business()
            let now = temp.now
            let first = job(business, key: "k1", due: now.addingTimeInterval(10), at: now)
            let second = job(business, key: "k2", due: now.addingTimeInterval(5), at: now)
            #expect(try await temp.store.jobs.schedule([first, second]).count == 2)
            // The same keys again (a retried event, a second instance): nothing new.
            #expect(try await temp.store.jobs.schedule([job(business, key: "k1", due: now, at: now)]).isEmpty)
            #expect(try await temp.store.jobs.nextDue() == now.addingTimeInterval(5))
            #expect(try await temp.store.jobs.claimDue(now: now, lease: .seconds(60), limit: 10).isEmpty)

            // Two runners at once: each job goes to one of them.
            let at = now.addingTimeInterval(11)
            async let a = temp.store.jobs.claimDue(now: at, lease: .seconds(60), limit: 10)
            async let b = temp.store.jobs.claimDue(now: at, lease: .seconds(60), limit: 10)
            let (claimedA, claimedB) = try await (a, b)
            let claimed = claimedA + claimedB
            #expect(claimed.map(\.key).sorted() == ["k1", "k2"])
            #expect(claimed.allSatisfy { $0.status == .running && $0.attempts == 1 && $0.leaseUntil == at.addingTimeInterval(60) })
            #expect((claimedA.count == 2 ? claimedA : claimedB).map(\.key) == ["k2", "k1"], "earliest due first")
            #expect(try await temp.store.jobs.openCount() == 2)

            // k2 finishes; k1's runner dies. After its lease, k1 is due again as attempt 2.
            let k2 = try #require(claimed.first { $0.key == "k2" })
            #expect(try await temp.store.jobs.finish(k2.id, attempt: 1, status: .done, result: "sms msg_1 sent", now: at))
            #expect(try await temp.store.jobs.claimDue(now: at.addingTimeInterval(59), lease: .seconds(60), limit: 10).isEmpty)
            let again = try await temp.store.jobs.claimDue(now: at.addingTimeInterval(60), lease: .seconds(60), limit: 10)
            #expect(again.map(\.key) == ["k1"] && again.first?.attempts == 2)
            // The dead runner's late outcome is refused; the live one's is kept.
            let k1 = try #require(again.first)
            #expect(try await temp.store.jobs.finish(k1.id, attempt: 1, status: .failed, result: "late", now: at) == false)
            #expect(try await temp.store.jobs.retry(k1.id, attempt: 2, at: at.addingTimeInterval(120), error: "provider down"))
            #expect(try await temp.store.jobs.find(k1.id)?.status == .pending)
            #expect(try await temp.store.jobs.find(k1.id)?.result == "provider down")
            let third = try await temp.store.jobs.claimDue(now: at.addingTimeInterval(180), lease: .seconds(60), limit: 10)
            #expect(third.first?.attempts == 3)
            #expect(try await temp.store.jobs.finish(k1.id, attempt: 3, status: .skipped, result: "the appointment is cancelled", now: at))
            #expect(try await temp.store.jobs.openCount() == 0)
            #expect(try await temp.store.jobs.nextDue() == nil)

            // Listed per business and filtered; another business sees none of them.
            let (_, other) = try await temp.business(name: "Other")
            #expect(try await temp.store.jobs.list(JobFilter(business: business.id), page: PageRequest(page: 1, limit: 10)).total == 2)
            #expect(try await temp.store.jobs.list(JobFilter(business: business.id, status: .skipped), page: PageRequest(page: 1, limit: 10)).items.map(\.key) == ["k1"])
            #expect(try await temp.store.jobs.list(JobFilter(business: other.id), page: PageRequest(page: 1, limit: 10)).total == 0)
        }
    }

    @Test("a message claimed under a key is stored once: a second claim gets the first message back", arguments: Engine.allCases)
    func messageKeys(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (_, business) = try await temp.business()
            func message(_ body: String) -> Message {
                Message(
                    id: .generate(), businessId: business.id, leadId: nil, channel: .sms, direction: .outbound, to: "+15551230000", from: nil,
                    subject: nil, body: body, status: .queued, provider: "outbox", providerMessageId: nil, error: nil,
                    createdAt: temp.now, updatedAt: temp.now)
            }
            let first = message("one")
            #expect(try await temp.store.messages.claim(first, key: "job:1").id == first.id)
            async let a = temp.store.messages.claim(message("two"), key: "job:1")
            async let b = temp.store.messages.claim(message("three"), key: "job:2")
            let (again, other) = try await (a, b)
            #expect(again.id == first.id && again.body == "one")
            #expect(other.body == "three")
            #expect(try await temp.store.messages.list(MessageFilter(business: business.id, channel: .sms), page: PageRequest(page: 1, limit: 10)).total == 2)
        }
    }
}
