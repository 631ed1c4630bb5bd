import Foundation
import FrontdeskCore
import PostgresNIO

struct PostgresCallRepository: CallRepository {
    let db: PostgresDatabase

    private static func byProvider(_ provider: String, _ providerCallId: String) -> PostgresQuery {
        "SELECT \(unescaped: Call.selectList) FROM calls WHERE provider = \(provider) AND provider_call_id = \(providerCallId)"
    }

    func find(_ id: CallID) async throws -> Call? {
        try Call.decode(try await db.row("SELECT \(unescaped: Call.selectList) FROM calls WHERE id = \(id.rawValue)"))
    }

    func find(provider: String, providerCallId: String) async throws -> Call? {
        try Call.decode(try await db.row(Self.byProvider(provider, providerCallId)))
    }

    func inProgress(limit: Int) async throws -> [Call] {
        try Call.decodeAll(
            try await db.rows(
                "SELECT \(unescaped: Call.selectList) FROM calls WHERE status = 'in_progress' ORDER BY started_at LIMIT \(limit)"),
            reporting: db.unreadable)
    }

    func list(_ filter: CallFilter, page: PageRequest) async throws -> Page<Call> {
        var binds = PostgresBindings()
        binds.append(filter.business.rawValue)
        var condition = "business_id = $1"
        if let lead = filter.leadId {
            binds.append(lead.rawValue)
            condition += " AND lead_id = $\(binds.count)"
        }
        if let status = filter.status {
            binds.append(status.rawValue)
            condition += " AND status = $\(binds.count)"
        }
        let total = try await db.row(PostgresQuery(unsafeSQL: "SELECT count(*) FROM calls WHERE \(condition)", binds: binds))
            .map { try $0.decode(Int.self) } ?? 0
        let rows = try await db.rows(
            Call.select("WHERE \(condition) ORDER BY started_at DESC, id DESC LIMIT \(page.limit) OFFSET \(page.offset)", binds))
        return Page(items: try Call.decodeAll(rows, reporting: db.unreadable), total: total)
    }

    func countEnded() async throws -> Int {
        try await db.row("SELECT count(*) FROM calls WHERE status <> 'in_progress'").map { try $0.decode(Int.self) } ?? 0
    }

    /// One transaction. Two instances starting the same provider call at once: the unique index on the
    /// provider's id makes the second insert wait for the first and fail; it then reads the first's record.
    func start(_ call: Call, newLead: Lead?) async throws -> CallStart {
        while true {
            do {
                return try await db.transaction { db -> CallStart in
                    if let providerCallId = call.providerCallId,
                        let recorded = try Call.decode(try await db.row(Self.byProvider(call.provider, providerCallId)))
                    {
                        let lead = try await recorded.leadId.asyncFlatMap { id in
                            try Lead.decode(try await db.row("SELECT \(unescaped: Lead.selectList) FROM leads WHERE id = \(id.rawValue)"))
                        }
                        return .existing(recorded, lead: lead)
                    }
                    var lead: Lead?
                    if let newLead, let phone = newLead.phone {
                        // Insert the caller's lead unless the business has one with this phone; either way read it.
                        try await db.execute(try newLead.insertQuery(suffix: " ON CONFLICT DO NOTHING"))
                        lead = try Lead.decode(
                            try await db.row(
                                """
                                SELECT \(unescaped: Lead.selectList) FROM leads
                                WHERE business_id = \(newLead.businessId.rawValue) AND phone = \(phone.e164)
                                """))
                    } else if let newLead {
                        try await db.execute(try newLead.insertQuery())
                        lead = newLead
                    }
                    var call = call
                    call.leadId = lead?.id ?? call.leadId
                    try await db.execute(try call.insertQuery())
                    return .started(call, lead: lead)
                }
            } catch let error as PSQLError where error.isUniqueViolation && call.providerCallId != nil {
                // The provider's call was recorded by another instance meanwhile: the loop reads it.
                continue
            }
        }
    }

    func finish(_ call: Call, lead: Lead?) async throws {
        try await db.transaction { db in
            if let lead {
                guard try await db.row(try lead.updateQuery()) != nil else { throw RecordNotFound(table: "leads") }
            }
            guard try await db.row(try call.updateQuery()) != nil else { throw RecordNotFound(table: "calls") }
        }
    }

    func insert(_ call: Call) async throws {
        try await db.execute(try call.insertQuery())
    }

    func save(_ call: Call) async throws {
        try await db.execute(try call.upsertQuery())
    }

    @discardableResult
    func append(_ turn: TranscriptTurn) async throws -> TranscriptTurn {
        var turn = turn
        turn.id = try await db.row(try turn.insertQuery(suffix: " RETURNING id")).map { try $0.decode(Int64.self) }
        return turn
    }

    func updateTurnText(call: CallID, sequence: Int, text: String) async throws {
        try await db.execute("UPDATE transcript_turns SET text = \(text) WHERE call_id = \(call.rawValue) AND sequence = \(sequence)")
    }

    func recordLatency(_ latency: TurnLatency, call: CallID, at time: Date) async throws {
        try await db.execute(
            """
            INSERT INTO call_turn_latencies
              (call_id, turn, end_of_turn_ms, transcript_ms, reply_ms, first_audio_ms, first_frame_ms, total_ms, created_at,
               first_token_ms, speech_to_text_ms, text_to_speech_ms)
            VALUES (\(call.rawValue), \(latency.turn), \(latency.endOfTurnMs), \(latency.transcriptMs), \(latency.replyMs),
                    \(latency.firstAudioMs), \(latency.firstFrameMs), \(latency.totalMs), \(time.storedInstant), \(latency.firstTokenMs),
                    \(latency.speechToTextMs), \(latency.textToSpeechMs))
            ON CONFLICT (call_id, turn) DO UPDATE SET
              end_of_turn_ms = EXCLUDED.end_of_turn_ms, transcript_ms = EXCLUDED.transcript_ms,
              reply_ms = EXCLUDED.reply_ms, first_audio_ms = EXCLUDED.first_audio_ms,
              first_frame_ms = EXCLUDED.first_frame_ms, total_ms = EXCLUDED.total_ms, first_token_ms = EXCLUDED.first_token_ms,
              speech_to_text_ms = EXCLUDED.speech_to_text_ms, text_to_speech_ms = EXCLUDED.text_to_speech_ms
            """)
    }

    private static let latencyColumns =
        "l.turn, l.end_of_turn_ms, l.transcript_ms, l.reply_ms, l.first_audio_ms, l.first_frame_ms, l.first_token_ms, l.speech_to_text_ms, l.text_to_speech_ms"

    private static func latency(_ row: PostgresRow) throws -> TurnLatency {
        let (turn, endOfTurn, transcript, reply, firstAudio, firstFrame, firstToken, speechToText, textToSpeech) =
            try row.decode((Int, Double, Double, Double, Double, Double, Double?, Double?, Double?).self)
        return TurnLatency(
            turn: turn, endOfTurnMs: endOfTurn, transcriptMs: transcript, replyMs: reply, firstAudioMs: firstAudio,
            firstFrameMs: firstFrame, firstTokenMs: firstToken, speechToTextMs: speechToText, textToSpeechMs: textToSpeech)
    }

    func latencies(of call: CallID) async throws -> [TurnLatency] {
        try await db.rows(
            "SELECT \(unescaped: Self.latencyColumns) FROM call_turn_latencies l WHERE l.call_id = \(call.rawValue) ORDER BY l.turn"
        ).map(Self.latency)
    }

    func latencies(business: BusinessID, from: Date?, to: Date?) async throws -> [TurnLatency] {
        try await db.rows(
            """
            SELECT \(unescaped: Self.latencyColumns) FROM call_turn_latencies l JOIN calls c ON c.id = l.call_id
            WHERE c.business_id = \(business.rawValue)
              AND c.started_at >= \((from ?? .distantPast).storedInstant) AND c.started_at < \((to ?? .distantFuture).storedInstant)
            """
        ).map(Self.latency)
    }

    func setRecording(_ call: CallID, url: String, path: String) async throws {
        try await db.execute("UPDATE calls SET recording_url = \(url), recording_path = \(path) WHERE id = \(call.rawValue)")
    }

    func recordingPath(_ call: CallID) async throws -> String? {
        try await db.row("SELECT recording_path FROM calls WHERE id = \(call.rawValue)").flatMap { try $0.decode(String?.self) }
    }

    func expireRecordings(startedBefore cutoff: Date, limit: Int) async throws -> [String] {
        try await db.rows(
            """
            WITH old AS (
              SELECT id, recording_path FROM calls
              WHERE recording_path IS NOT NULL AND started_at < \(cutoff.storedInstant) AND status <> 'in_progress'
              ORDER BY started_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            UPDATE calls SET recording_url = NULL, recording_path = NULL FROM old WHERE calls.id = old.id
            RETURNING old.recording_path
            """
        ).map { try $0.decode(String.self) }
    }

    private static let turnSelect = "SELECT \(TranscriptTurn.selectList), id FROM transcript_turns"

    func turns(of call: CallID) async throws -> [TranscriptTurn] {
        try TranscriptTurn.decodeAll(
            try await db.rows("\(unescaped: Self.turnSelect) WHERE call_id = \(call.rawValue) ORDER BY sequence"), reporting: nil)
    }

    func transcripts(of calls: [CallID]) async throws -> [CallID: String] {
        guard !calls.isEmpty else { return [:] }
        let turns = try TranscriptTurn.decodeAll(
            try await db.rows(
                "\(unescaped: Self.turnSelect) WHERE call_id = ANY(\(calls.map(\.rawValue))) ORDER BY call_id, sequence"),
            reporting: nil)
        var result: [CallID: String] = [:]
        for turn in turns {
            let line = "\(turn.speaker.rawValue.capitalized): \(turn.text)"
            result[turn.callId] = result[turn.callId].map { $0 + "\n" + line } ?? line
        }
        return result
    }

    func activity(business: BusinessID, from: Date, to: Date) async throws -> [CallActivity] {
        try await db.rows(
            """
            SELECT started_at, status, outcome, cost, direction FROM calls
            WHERE business_id = \(business.rawValue) AND started_at >= \(from.storedInstant) AND started_at < \(to.storedInstant)
            """
        ).compactMap { row in
            let (startedAt, status, outcome, cost, direction) = try row.decode((Date, String, String?, Double?, String).self)
            guard let status = CallStatus(rawValue: status) else { return nil }
            return CallActivity(
                startedAt: startedAt, status: status, outcome: outcome.flatMap(CallOutcome.init(rawValue:)), cost: cost ?? 0,
                direction: CallDirection(rawValue: direction) ?? .inbound)
        }
    }

    func stats(business: BusinessID, from: Date?, to: Date?, todayStart: Date) async throws -> CallStats {
        let row = try await db.row(
            """
            SELECT count(*),
                   count(*) FILTER (WHERE started_at >= \(todayStart.storedInstant)),
                   AVG(duration)::float8,
                   count(*) FILTER (WHERE status = 'completed'),
                   count(*) FILTER (WHERE status <> 'in_progress')
            FROM calls WHERE business_id = \(business.rawValue)
              AND started_at >= \((from ?? .distantPast).storedInstant) AND started_at < \((to ?? .distantFuture).storedInstant)
            """)
        let (total, today, average, completed, ended) = try row?.decode((Int, Int, Double?, Int, Int).self) ?? (0, 0, nil, 0, 0)
        return CallStats(total: total, today: today, averageDuration: average ?? 0, completed: completed, ended: ended)
    }
}

struct PostgresMessageRepository: MessageRepository {
    let db: PostgresDatabase

    func find(_ id: MessageID) async throws -> Message? {
        try Message.decode(try await db.row("SELECT \(unescaped: Message.selectList) FROM messages WHERE id = \(id.rawValue)"))
    }

    func list(_ filter: MessageFilter, page: PageRequest) async throws -> Page<Message> {
        var binds = PostgresBindings()
        binds.append(filter.business.rawValue)
        binds.append(filter.channel.rawValue)
        var condition = "business_id = $1 AND channel = $2"
        if let lead = filter.leadId {
            binds.append(lead.rawValue)
            condition += " AND lead_id = $\(binds.count)"
        }
        if let status = filter.status {
            binds.append(status.rawValue)
            condition += " AND status = $\(binds.count)"
        }
        let total = try await db.row(PostgresQuery(unsafeSQL: "SELECT count(*) FROM messages WHERE \(condition)", binds: binds))
            .map { try $0.decode(Int.self) } ?? 0
        let rows = try await db.rows(
            Message.select("WHERE \(condition) ORDER BY created_at DESC, seq DESC LIMIT \(page.limit) OFFSET \(page.offset)", binds))
        return Page(items: try Message.decodeAll(rows, reporting: db.unreadable), total: total)
    }

    func save(_ message: Message) async throws {
        try await db.execute(try message.upsertQuery())
    }

    func claim(_ message: Message, key: String) async throws -> Message {
        try await db.transaction { db in
            // The key's row lock makes a second claimant wait, then find the first one's message.
            try await db.execute("SELECT pg_advisory_xact_lock(hashtext(\(key)))")
            if let stored = try Message.decode(
                try await db.row("SELECT \(unescaped: Message.selectList) FROM messages WHERE idempotency_key = \(key)"))
            {
                return stored
            }
            try await db.execute(try message.insertQuery())
            try await db.execute("UPDATE messages SET idempotency_key = \(key) WHERE id = \(message.id.rawValue)")
            return message
        }
    }

    @discardableResult
    func updateStatus(provider: String, providerMessageId: String, status: MessageStatus, error: String?, at now: Date)
        async throws -> Bool
    {
        try await db.row(
            """
            UPDATE messages SET status = \(status.rawValue), error = COALESCE(\(error), error), updated_at = \(now.storedInstant)
            WHERE provider = \(provider) AND provider_message_id = \(providerMessageId) RETURNING 1
            """) != nil
    }

    func optOut(business: BusinessID, phone: String, at now: Date) async throws {
        try await db.execute(
            """
            INSERT INTO sms_opt_outs (business_id, phone, created_at) VALUES (\(business.rawValue), \(phone), \(now.storedInstant))
            ON CONFLICT DO NOTHING
            """)
    }

    func optIn(business: BusinessID, phone: String) async throws {
        try await db.execute("DELETE FROM sms_opt_outs WHERE business_id = \(business.rawValue) AND phone = \(phone)")
    }

    func isOptedOut(business: BusinessID, phone: String) async throws -> Bool {
        try await db.row("SELECT EXISTS (SELECT 1 FROM sms_opt_outs WHERE business_id = \(business.rawValue) AND phone = \(phone))")
            .map { try $0.decode(Bool.self) } ?? false
    }
}

struct PostgresProviderEventRepository: ProviderEventRepository {
    let db: PostgresDatabase

    func recordIfNew(provider: String, eventId: String, type: String?, at now: Date) async throws -> Bool {
        try await accept(provider: provider, eventId: eventId, type: type, payload: nil, at: now)
    }

    func claim(provider: String, eventId: String, type: String?, at now: Date) async throws -> EventClaim {
        let stamp = now.storedInstant
        if try await db.row(
            """
            INSERT INTO processed_events (provider, event_id, event_type, received_at, payload, processed_at)
            VALUES (\(provider), \(eventId), \(type), \(stamp), NULL, \(stamp)) ON CONFLICT DO NOTHING RETURNING 1
            """) != nil
        {
            return .new
        }
        let answer = try await db.row("SELECT payload FROM processed_events WHERE provider = \(provider) AND event_id = \(eventId)")
            .flatMap { try $0.decode(Data?.self) }
        return answer.map(EventClaim.answered) ?? .unfinished
    }

    func storeAnswer(provider: String, eventId: String, answer: Data) async throws {
        try await db.execute("UPDATE processed_events SET payload = \(answer) WHERE provider = \(provider) AND event_id = \(eventId)")
    }

    func accept(provider: String, eventId: String, type: String?, payload: Data?, at now: Date) async throws -> Bool {
        let stamp = now.storedInstant
        let processed: Date? = payload == nil ? stamp : nil
        return try await db.row(
            """
            INSERT INTO processed_events (provider, event_id, event_type, received_at, payload, processed_at)
            VALUES (\(provider), \(eventId), \(type), \(stamp), \(payload), \(processed)) ON CONFLICT DO NOTHING RETURNING 1
            """) != nil
    }

    /// One statement for the batch: the rows inserted come back, so a duplicate (of an earlier
    /// delivery, or of one before it in the batch) is the one whose key is not returned. Rows go in in
    /// the batch's order (their `seq`), the first of a repeated id kept.
    func accept(_ events: [PendingProviderEvent], at now: Date) async throws -> [Bool] {
        guard !events.isEmpty else { return [] }
        let inserted = try await db.rows(
            """
            INSERT INTO processed_events (provider, event_id, event_type, received_at, payload, processed_at, ordering_key)
            SELECT p, e, NULLIF(t, ''), \(now.storedInstant), b, NULL::timestamptz, NULLIF(k, '')
            FROM (SELECT DISTINCT ON (p, e) p, e, t, b, k, i
                  FROM unnest(\(events.map(\.provider))::text[], \(events.map(\.eventId))::text[], \(events.map { $0.type ?? "" })::text[],
                              \(events.map { ByteBuffer(bytes: $0.payload) })::bytea[], \(events.map { $0.key ?? "" })::text[])
                       WITH ORDINALITY AS batch(p, e, t, b, k, i)
                  ORDER BY p, e, i) AS firsts
            ORDER BY i
            ON CONFLICT DO NOTHING RETURNING provider, event_id
            """)
        var fresh = Set<String>()
        for row in inserted {
            let (provider, eventId) = try row.decode((String, String).self)
            fresh.insert(provider + "\u{0}" + eventId)
        }
        return events.map { fresh.remove($0.provider + "\u{0}" + $0.eventId) != nil }
    }

    func markProcessed(_ events: [(provider: String, eventId: String)], at now: Date) async throws {
        guard !events.isEmpty else { return }
        try await db.execute(
            """
            UPDATE processed_events SET processed_at = \(now.storedInstant), payload = NULL
            FROM unnest(\(events.map(\.provider))::text[], \(events.map(\.eventId))::text[]) AS done(p, e)
            WHERE provider = done.p AND event_id = done.e
            """)
    }

    func pending(limit: Int) async throws -> [PendingProviderEvent] {
        try await db.rows(
            """
            SELECT provider, event_id, event_type, payload, ordering_key FROM processed_events
            WHERE processed_at IS NULL ORDER BY seq LIMIT \(limit)
            """
        ).map(Self.pendingEvent)
    }

    func pending(key: String, limit: Int) async throws -> [PendingProviderEvent] {
        try await db.rows(
            """
            SELECT provider, event_id, event_type, payload, ordering_key FROM processed_events
            WHERE processed_at IS NULL AND ordering_key = \(key) ORDER BY seq LIMIT \(limit)
            """
        ).map(Self.pendingEvent)
    }

    func pendingKeys(acceptedBefore before: Date, limit: Int) async throws -> [String] {
        try await db.rows(
            """
            SELECT ordering_key FROM processed_events
            WHERE processed_at IS NULL AND ordering_key IS NOT NULL AND received_at < \(before.storedInstant)
            GROUP BY ordering_key ORDER BY min(seq) LIMIT \(limit)
            """
        ).map { try $0.decode(String.self) }
    }

    private static func pendingEvent(_ row: PostgresRow) throws -> PendingProviderEvent {
        let (provider, eventId, type, payload, key) = try row.decode((String, String, String?, Data?, String?).self)
        return PendingProviderEvent(provider: provider, eventId: eventId, type: type, payload: payload ?? Data(), key: key)
    }

    func progress(provider: String) async throws -> (accepted: Int, processed: Int) {
        let row = try await db.row("SELECT count(*), count(processed_at) FROM processed_events WHERE provider = \(provider)")
        let (accepted, processed) = try row?.decode((Int, Int).self) ?? (0, 0)
        return (accepted, processed)
    }

    func count(provider: String) async throws -> Int {
        try await db.row("SELECT count(*) FROM processed_events WHERE provider = \(provider)").map { try $0.decode(Int.self) } ?? 0
    }
}

struct PostgresConversationRepository: ConversationRepository {
    let db: PostgresDatabase

    func state(business: BusinessID, channel: FrontdeskCore.Channel, lead: LeadID) async throws -> ConversationState? {
        let json = try await db.row(
            """
            SELECT state FROM conversations
            WHERE business_id = \(business.rawValue) AND channel = \(channel.rawValue) AND lead_id = \(lead.rawValue)
            """
        ).map { try $0.decode(String.self) }
        return try json.map { try JSONDecoder().decode(ConversationState.self, from: Data($0.utf8)) }
    }

    func save(_ state: ConversationState, business: BusinessID, channel: FrontdeskCore.Channel, lead: LeadID, now: Date) async throws {
        let json = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        try await db.execute(
            """
            INSERT INTO conversations (id, business_id, lead_id, channel, state, created_at, updated_at)
            VALUES (\("conversation_" + RandomToken.base32(count: 20)), \(business.rawValue), \(lead.rawValue), \(channel.rawValue),
                    \(json)::jsonb, \(now.storedInstant), \(now.storedInstant))
            ON CONFLICT (business_id, channel, lead_id) DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at
            """)
    }
}
