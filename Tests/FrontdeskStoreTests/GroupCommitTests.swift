import Foundation
import FrontdeskCore
@testable import FrontdeskStore
import GRDB
import Testing

/// Writes that arrive together are committed together, each in its own savepoint.
@Suite("Group commit")
struct GroupCommitTests {
    @Test("of 100 leads created at once, the ten whose phone is taken fail alone and the other ninety are stored")
    func conflictsFailAlone() async throws {
        try await withStore(.sqlite) { temp throws in
            let (_, business) = try await temp.business()
            for index in 0..<10 {
                try await temp.store.leads.insert(lead(business.id, phone: "+1555000\(String(format: "%04d", index))", now: temp.now))
            }
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<100 {
                    // Every tenth one reuses a number stored above.
                    let phone = index % 10 == 0 ? "+1555000\(String(format: "%04d", index / 10))" : "+1555100\(String(format: "%04d", index))"
                    group.addTask {
                        do {
                            try await temp.store.leads.insert(lead(business.id, phone: phone, now: temp.now))
                            return true
                        } catch {
                            return false
                        }
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 90)
            #expect(try await temp.store.leads.counts(business: business.id, from: nil, to: nil, today: temp.now).total == 100)
        }
    }

    @Test("a write that fails halfway leaves nothing behind while the writes beside it commit, and each caller gets its own result")
    func failedWriteRollsBackAlone() async throws {
        try await withStore(.sqlite) { temp throws in
            let (_, business) = try await temp.business()
            struct Halfway: Error {}
            let results = await withTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
                for index in 0..<50 {
                    group.addTask {
                        do {
                            let value = try await temp.store.database.write { db in
                                try lead(business.id, phone: "+1555200\(String(format: "%04d", index))", now: temp.now).insertRow(db)
                                if index % 5 == 0 { throw Halfway() }  // after its insert
                                return index * 2
                            }
                            return (index, .success(value))
                        } catch {
                            return (index, .failure(error))
                        }
                    }
                }
                return await group.reduce(into: [Int: Result<Int, any Error>]()) { $0[$1.0] = $1.1 }
            }
            for (index, result) in results {
                if index % 5 == 0 {
                    #expect(throws: Halfway.self) { try result.get() }
                } else {
                    #expect(try result.get() == index * 2)
                }
            }
            let stored = try await temp.store.pool.read { db in
                try String.fetchAll(db, sql: "SELECT phone FROM leads WHERE business_id = ?", arguments: [business.id])
            }
            #expect(stored.count == 40)
            #expect(!stored.contains("+15552000000") && !stored.contains("+15552000005"))
        }
    }
}

extension GroupCommitTests {
    @Test("a write alone in its transaction that fails halfway leaves nothing behind either")
    func loneFailedWrite() async throws {
        try await withStore(.sqlite) { temp throws in
            let (_, business) = try await temp.business()
            struct Halfway: Error {}
            await #expect(throws: Halfway.self) {
                try await temp.store.database.write { db in
                    try lead(business.id, phone: "+15553000001", now: temp.now).insertRow(db)
                    throw Halfway()
                }
            }
            let stored = try await temp.store.pool.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM leads WHERE business_id = ?", arguments: [business.id])
            }
            #expect(stored == 0)
            // The writer goes on: the next write commits.
            try await temp.store.leads.insert(lead(business.id, phone: "+15553000002", now: temp.now))
            #expect(try await temp.store.leads.find(phone: PhoneNumber("+15553000002")!, in: business.id) != nil)
        }
    }
}

private func lead(_ business: BusinessID, phone: String, now: Date) -> Lead {
    Lead(
        id: .generate(), businessId: business, phone: PhoneNumber(phone), name: nil, email: nil, status: .new, source: .call,
        notes: nil, createdAt: now, updatedAt: now)
}
