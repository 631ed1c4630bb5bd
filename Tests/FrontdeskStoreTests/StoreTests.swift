import Foundation
import FrontdeskCore
import FrontdeskStore
import GRDB
import Testing

@Suite("Storage: every repository on SQLite and on PostgreSQL")
struct StoreTests {
    @Test("an empty file is migrated to the full schema with WAL and foreign keys")
    func migrationFromEmpty() async throws {
        try await withStore(.sqlite) { temp throws in
            #expect(Set(try await temp.store.appliedMigrations()) == ["v1-accounts-and-businesses", "v1-receptionist", "v2-lead-counters", "v3-conversations", "v4-call-llm-usage",
                "v5-webhook-inbox-and-opt-outs", "v6-media-mode", "v7-first-token-latency", "v8-speech-provider-latency",
                "v9-unreadable-appointment-dates", "v10-event-keys-and-live-calls", "v11-turn-provider-events",
                "v12-lead-company-value", "v13-events-and-webhooks", "v14-notifications", "v15-contacts-and-threads", "v16-jobs", "v17-workflows", "v18-campaigns-templates", "v19-pipelines", "v20-outbound-calls",
            ])
            let (journal, foreignKeys, tables) = try await temp.store.pool.read { db in
                (
                    try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA foreign_keys"),
                    try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                )
            }
            #expect(journal == "wal")
            #expect(foreignKeys == 1)
            for table in ["users", "memberships", "businesses", "agents", "leads", "appointments", "calls",
                          "transcript_turns", "messages", "processed_events", "idempotency_keys", "refresh_tokens",
                          "password_resets", "call_turn_latencies", "events", "webhook_endpoints", "webhook_deliveries", "webhook_attempts",
                          "contacts", "threads", "thread_changes", "member_preferences", "jobs", "workflows", "enrollments", "campaigns", "message_templates", "pipelines", "opportunities"] {
                #expect(tables.contains(table), "missing table \(table)")
            }
            // Opening the same file again does not re-run migrations.
            let again = try await temp.reopen()
            #expect(try await again.appliedMigrations().count == 21)
            await again.close()
        }
    }

    @Test("an empty PostgreSQL database is migrated once, even by instances starting together, and answers the health check")
    func postgresMigration() async throws {
        try await withStore(.postgres) { temp throws in
            #expect(try await temp.store.appliedMigrations() == ["pg1-initial", "pg2-turn-provider-events", "pg3-lead-company-value", "pg4-events-and-webhooks", "pg5-notifications", "pg6-contacts-and-threads", "pg7-jobs", "pg8-workflows", "pg9-campaigns-templates", "pg10-pipelines", "pg11-outbound-calls"])
            try await temp.store.ping()
            let tables = try await temp.count(
                """
                SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN
                ('users', 'memberships', 'businesses', 'agents', 'leads', 'appointments', 'calls', 'transcript_turns', 'messages',
                 'processed_events', 'idempotency_keys', 'refresh_tokens', 'password_resets', 'call_turn_latencies',
                 'conversations', 'sms_opt_outs', 'lead_counts')
                """)
            #expect(tables == 17)
            // Three more instances open the same database at once: the advisory lock lets one check at a time.
            let others = try await withThrowingTaskGroup(of: Store.self) { group in
                for _ in 0..<3 { group.addTask { try await temp.reopen() } }
                return try await group.reduce(into: [Store]()) { $0.append($1) }
            }
            for other in others {
                #expect(try await other.appliedMigrations() == ["pg1-initial", "pg2-turn-provider-events", "pg3-lead-company-value", "pg4-events-and-webhooks", "pg5-notifications", "pg6-contacts-and-threads", "pg7-jobs", "pg8-workflows", "pg9-campaigns-templates", "pg10-pipelines", "pg11-outbound-calls"])
                await other.close()
            }
        }
    }

    @Test("a business round-trips with its settings, and deleting it removes what it owns", arguments: Engine.allCases)
    func businessRoundTrip(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (user, business) = try await temp.business()
            #expect(try await temp.store.businesses.find(business.id) == business)
            #expect(try await temp.store.users.role(of: user.id, in: business.id) == .admin)
            let lead = Lead(
                id: .generate(), businessId: business.id, phone: PhoneNumber("+15550001111"), name: "Ann", email: nil,
                status: .new, source: .call, notes: nil, createdAt: temp.now, updatedAt: temp.now)
            try await temp.store.leads.insert(lead)
            #expect(try await temp.store.leads.find(lead.id) == lead)
            try await temp.store.businesses.delete(business.id)
            #expect(try await temp.store.leads.find(lead.id) == nil)
            #expect(try await temp.store.users.role(of: user.id, in: business.id) == nil)
        }
    }

    @Test("a second lead with the same phone in one business is a conflict, in another business it is fine", arguments: Engine.allCases)
    func leadPhoneUniqueness(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (_, a) = try await temp.business()
            let (_, b) = try await temp.business()
            func lead(_ business: Business) -> Lead {
                Lead(id: .generate(), businessId: business.id, phone: PhoneNumber("+15550002222"), name: nil, email: nil,
                     status: .new, source: .sms, notes: nil, createdAt: temp.now, updatedAt: temp.now)
            }
            try await temp.store.leads.insert(lead(a))
            await #expect(throws: StoreError.self) { try await temp.store.leads.insert(lead(a)) }
            try await temp.store.leads.insert(lead(b))
            #expect(try await temp.store.leads.list(LeadFilter(business: a.id), page: .init(page: 1, limit: 20)).total == 1)
        }
    }

    @Test("list totals stay exact through inserts, status changes and deletes", arguments: Engine.allCases)
    func leadTotals(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (_, business) = try await temp.business()
            var leads: [Lead] = []
            for index in 0..<5 {
                let lead = Lead(
                    id: .generate(), businessId: business.id, phone: PhoneNumber("+1555000100\(index)"), name: nil, email: nil,
                    status: .new, source: index < 2 ? .call : .web, notes: nil, createdAt: temp.now, updatedAt: temp.now)
                try await temp.store.leads.insert(lead)
                leads.append(lead)
            }
            var changed = leads[0]
            changed.status = .qualified
            try await temp.store.leads.update(changed)
            try await temp.store.leads.delete(leads[4].id)
            func total(_ status: LeadStatus? = nil, _ source: LeadSource? = nil) async throws -> Int {
                try await temp.store.leads.list(LeadFilter(business: business.id, status: status, source: source), page: .init(page: 1, limit: 1)).total
            }
            #expect(try await total() == 4)
            #expect(try await total(.new) == 3)
            #expect(try await total(.qualified, .call) == 1)
            #expect(try await total(nil, .web) == 2)
            #expect(try await temp.count("SELECT COUNT(*) FROM leads WHERE business_id = '\(business.id)'") == 4)
        }
    }

    @Test("of 20 concurrent bookings of one slot exactly one succeeds", arguments: Engine.allCases)
    func concurrentBooking(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (_, business) = try await temp.business()
            let start = Date(timeIntervalSince1970: 1_790_100_000)
            let results = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        do {
                            try await temp.store.appointments.save(
                                temp.appointment(business, at: start), rules: BookingRules(),
                                hours: OpeningHours(settings: business.settings))
                            return true
                        } catch { return false }
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.filter { $0 }.count == 1)
            let live = try await temp.store.appointments.live(
                business: business.id, from: start.addingTimeInterval(-1), to: start.addingTimeInterval(1))
            #expect(live.count == 1)
        }
    }

    @Test("overlaps count buffers; a cancelled appointment frees its slot", arguments: Engine.allCases)
    func overlapAndBuffers(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (_, business) = try await temp.business()
            var rules = BookingRules()
            rules.bufferAfter = 15
            let hours = OpeningHours(settings: business.settings)
            let start = Date(timeIntervalSince1970: 1_790_100_000)
            let first = temp.appointment(business, at: start)
            try await temp.store.appointments.save(first, rules: rules, hours: hours)
            // Starts 40 minutes later: after the 30 minutes but inside the 15-minute buffer.
            await #expect(throws: StoreError.slotTaken("That time is already booked")) {
                try await temp.store.appointments.save(
                    temp.appointment(business, at: start.addingTimeInterval(40 * 60)), rules: rules, hours: hours)
            }
            try await temp.store.appointments.save(
                temp.appointment(business, at: start.addingTimeInterval(45 * 60)), rules: rules, hours: hours)
            try await temp.store.appointments.setStatus(first.id, .cancelled, at: temp.now)
            try await temp.store.appointments.save(temp.appointment(business, at: start), rules: rules, hours: hours)
        }
    }

    @Test("refresh tokens rotate once; presenting a used one revokes its whole family", arguments: Engine.allCases)
    func refreshRotation(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (user, _) = try await temp.business()
            let later = temp.now.addingTimeInterval(86_400)
            try await temp.store.tokens.storeRefreshToken(hash: "h1", user: user.id, family: "f", expiresAt: later, now: temp.now)
            #expect(try await temp.store.tokens.rotate(hash: "h1", newHash: "h2", newExpiresAt: later, now: temp.now) == .rotated(user.id, session: "f"))
            #expect(try await temp.store.tokens.rotate(hash: "h1", newHash: "h3", newExpiresAt: later, now: temp.now) == .reuseDetected)
            #expect(try await temp.store.tokens.rotate(hash: "h2", newHash: "h4", newExpiresAt: later, now: temp.now) == .reuseDetected)
            #expect(try await temp.store.tokens.rotate(hash: "nope", newHash: "h5", newExpiresAt: later, now: temp.now) == .invalid)
        }
    }

    @Test("password reset tokens work once and expire", arguments: Engine.allCases)
    func passwordResets(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (user, _) = try await temp.business()
            try await temp.store.tokens.storePasswordReset(hash: "r1", user: user.id, expiresAt: temp.now.addingTimeInterval(3600), now: temp.now)
            try await temp.store.tokens.storePasswordReset(hash: "r2", user: user.id, expiresAt: temp.now.addingTimeInterval(3600), now: temp.now)
            #expect(try await temp.store.tokens.consumePasswordReset(hash: "r1", now: temp.now) == user.id)
            #expect(try await temp.store.tokens.consumePasswordReset(hash: "r1", now: temp.now) == nil)
            #expect(try await temp.store.tokens.consumePasswordReset(hash: "r2", now: temp.now.addingTimeInterval(3601)) == nil)
        }
    }

    @Test("a provider event id is recorded once", arguments: Engine.allCases)
    func eventDedupe(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            #expect(try await temp.store.events.recordIfNew(provider: "telnyx", eventId: "e1", type: "call.hangup", at: temp.now))
            #expect(try await temp.store.events.recordIfNew(provider: "telnyx", eventId: "e1", type: "call.hangup", at: temp.now) == false)
            #expect(try await temp.store.events.recordIfNew(provider: "retell", eventId: "e1", type: nil, at: temp.now))
            #expect(try await temp.store.events.count(provider: "telnyx") == 1)
        }
    }

    @Test("an accepted event keeps its body until it is acted on; then only its id stays, and a redelivery is still a duplicate", arguments: Engine.allCases)
    func eventBodyUntilActedOn(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let events = (1...3).map { PendingProviderEvent(provider: "telnyx", eventId: "evt-\($0)", type: "call.hangup", payload: Data("{\"n\":\($0)}".utf8)) }
            #expect(try await temp.store.events.accept(events, at: temp.now) == [true, true, true])
            #expect(try await temp.store.events.pending() == events)
            try await temp.store.events.markProcessed([("telnyx", "evt-1"), ("telnyx", "evt-3")], at: temp.now)
            #expect(try await temp.store.events.pending() == [events[1]])
            #expect(try await temp.count("SELECT COUNT(*) FROM processed_events") == 3)
            #expect(try await temp.count("SELECT COUNT(*) FROM processed_events WHERE payload IS NULL") == 2)
            #expect(try await temp.count("SELECT COUNT(*) FROM processed_events WHERE event_id = 'evt-2' AND payload IS NOT NULL") == 1)
            #expect(try await temp.store.events.accept([events[0]], at: temp.now) == [false])
        }
    }

    @Test("transcript turns are stored in order as they come", arguments: Engine.allCases)
    func transcripts(engine: Engine) async throws {
        try await withStore(engine) { temp throws in
            let (_, business) = try await temp.business()
            let call = Call(
                id: .generate(), businessId: business.id, agentId: nil, leadId: nil, phone: PhoneNumber("+15550003333"),
                direction: .inbound, provider: "telnyx", providerCallId: "v3:abc", status: .inProgress, duration: nil,
                recordingUrl: nil, outcome: nil, summary: nil, hangupCause: nil, startedAt: temp.now, endedAt: nil,
                createdAt: temp.now)
            try await temp.store.calls.save(call)
            for (index, speaker) in [Speaker.agent, .caller, .agent].enumerated() {
                try await temp.store.calls.append(
                    TranscriptTurn(callId: call.id, sequence: index, speaker: speaker, text: "line \(index)",
                                   startedAt: temp.now, endedAt: nil, confidence: nil, latencyMs: nil))
            }
            let turns = try await temp.store.calls.turns(of: call.id)
            #expect(turns.map(\.text) == ["line 0", "line 1", "line 2"])
            #expect(try await temp.store.calls.transcripts(of: [call.id])[call.id] == "Agent: line 0\nCaller: line 1\nAgent: line 2")
        }
    }
}

