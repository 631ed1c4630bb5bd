import Foundation
import FrontdeskCore
@testable import FrontdeskStore
import GRDB
import Synchronization
import Testing

@Suite("Stored rows that cannot be read, revoked logins, webhook answers kept for redeliveries")
struct RobustnessTests {
    @Test("a row whose date cannot be read is left out of the list and reported; the others are listed", arguments: Engine.allCases)
    func unreadableRowSkipped(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (_, business) = try await temp.business()
            let reported = Mutex<[String]>([])
            temp.store.unreadableRows.onReport { table, id, _ in reported.withLock { $0.append("\(table)/\(id)") } }
            let good = temp.appointment(business, at: temp.now.addingTimeInterval(86_400))
            try await temp.store.appointments.save(good, rules: BookingRules(), hours: OpeningHours(settings: .default))
            // SQLite: a date no build can read back; PostgreSQL: a status no build wrote.
            try await temp.execute(
                sqlite: """
                    INSERT INTO appointments (id, business_id, scheduled_date, duration, status, created_at, updated_at)
                    VALUES ('bad', '\(business.id)', '99999-01-05 15:00:00.000', 30, 'scheduled', '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000')
                    """,
                postgres: """
                    INSERT INTO appointments (id, business_id, scheduled_date, duration, ends_at, status, created_at, updated_at)
                    VALUES ('bad', '\(business.id)', '2026-01-05 15:00Z', 30, '2026-01-05 15:30Z', 'pencilled', '2026-01-01Z', '2026-01-01Z')
                    """)
            let page = try await temp.store.appointments.list(AppointmentFilter(business: business.id), page: PageRequest(page: 1, limit: 20))
            #expect(page.items.map(\.id) == [good.id])
            #expect(reported.withLock { $0 } == ["appointments/bad"])
            #expect(temp.store.unreadableRows.count == 1)
        }
    }

    @Test("opening a database written by an older build repairs far-future appointment dates: cancelled, kept, noted")
    func repairMigration() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("frontdesk-repair-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("old.sqlite").path
        do {
            let old = try DatabaseQueue(path: path)
            try Schema.migrator.migrate(old, upTo: "v8-speech-provider-latency")
            try await old.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO businesses (id, name, settings, created_at, updated_at)
                        VALUES ('b1', 'Acme', '{}', '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000');
                        INSERT INTO appointments (id, business_id, scheduled_date, duration, status, notes, created_at, updated_at)
                        VALUES ('far', 'b1', '99999-01-05 15:00:00.000', 30, 'scheduled', 'Bring forms', '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000'),
                               ('fine', 'b1', '2026-12-07 15:00:00.000', 30, 'scheduled', NULL, '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000');
                        """)
            }
        }
        let store = try Store(path: path)
        let far = try #require(try await store.appointments.find(AppointmentID(rawValue: "far")))
        #expect(far.status == .cancelled)
        #expect(far.notes?.contains("Bring forms") == true)
        #expect(far.notes?.contains("99999-01-05 15:00:00.000") == true)
        let fine = try #require(try await store.appointments.find(AppointmentID(rawValue: "fine")))
        #expect(fine.status == .scheduled)
        let page = try await store.appointments.list(AppointmentFilter(business: BusinessID(rawValue: "b1")), page: PageRequest(page: 1, limit: 20))
        #expect(page.items.count == 2)
        try await store.ping()
    }

    @Test("an access token's login: valid, revoked by log-out or by refresh-token reuse, and gone with the account", arguments: Engine.allCases)
    func accessState(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (user, _) = try await temp.business()
            let later = temp.now.addingTimeInterval(86_400)
            try await temp.store.tokens.storeRefreshToken(hash: "a1", user: user.id, family: "login-a", expiresAt: later, now: temp.now)
            try await temp.store.tokens.storeRefreshToken(hash: "b1", user: user.id, family: "login-b", expiresAt: later, now: temp.now)
            #expect(try await temp.store.tokens.accessState(user: user.id, session: "login-a") == .valid)
            try await temp.store.tokens.revokeSession("login-a", user: user.id, now: temp.now)
            #expect(try await temp.store.tokens.accessState(user: user.id, session: "login-a") == .sessionRevoked)
            #expect(try await temp.store.tokens.accessState(user: user.id, session: "login-b") == .valid)
            _ = try await temp.store.tokens.rotate(hash: "b1", newHash: "b2", newExpiresAt: later, now: temp.now)
            #expect(try await temp.store.tokens.rotate(hash: "b1", newHash: "b3", newExpiresAt: later, now: temp.now) == .reuseDetected)
            #expect(try await temp.store.tokens.accessState(user: user.id, session: "login-b") == .sessionRevoked)
            // A revocation is remembered for good; a valid login for a second (`AccessStateCache`), so an
            // account deleted outside the store's API is refused within that second.
            #expect(try await temp.store.tokens.accessState(user: user.id, session: "login-c") == .valid)
            try await temp.execute(
                sqlite: "DELETE FROM users WHERE id = '\(user.id)'", postgres: "DELETE FROM users WHERE id = '\(user.id)'")
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try await temp.store.tokens.accessState(user: user.id, session: "login-c") == .accountGone)
            #expect(try await temp.store.tokens.accessState(user: user.id, session: "login-b") == .sessionRevoked, "revoked stays revoked")
        }
    }

    @Test("a webhook claimed once: redeliveries get the stored answer, or act again when none was stored", arguments: Engine.allCases)
    func claims(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let events = temp.store.events
            #expect(try await events.claim(provider: "twilio-sms", eventId: "SM1", type: "sms", at: temp.now) == .new)
            #expect(try await events.claim(provider: "twilio-sms", eventId: "SM1", type: "sms", at: temp.now) == .unfinished)
            try await events.storeAnswer(provider: "twilio-sms", eventId: "SM1", answer: Data("<Message>hi</Message>".utf8))
            #expect(try await events.claim(provider: "twilio-sms", eventId: "SM1", type: "sms", at: temp.now) == .answered(Data("<Message>hi</Message>".utf8)))
            #expect(try await events.claim(provider: "twilio-sms", eventId: "SM2", type: "sms", at: temp.now) == .new)
            // Never replayed at start-up as a pending provider event.
            #expect(try await events.pending().isEmpty)
        }
    }
}
