import Foundation
import FrontdeskCore
import GRDB


struct SQLiteCallRepository: CallRepository {
    let pool: StoreDatabase

    /// The call a provider knows by its own id (statement-cached; the start of a call asks it too).
    private static let byProviderCallId = "SELECT * FROM calls WHERE provider = ? AND provider_call_id = ?"

    func find(_ id: CallID) async throws -> Call? {
        try await pool.read { db in try Call.fetchOne(db, key: id.rawValue) }
    }

    /// The call a provider knows by `providerCallId`.
    func find(provider: String, providerCallId: String) async throws -> Call? {
        try await pool.read { db in
            try Call.fetchOne(
                db.cachedStatement(sql: Self.byProviderCallId),
                arguments: [provider, providerCallId])
        }
    }

    func inProgress(limit: Int) async throws -> [Call] {
        try await pool.read { db in
            try Call.filter(Call.Columns.status == CallStatus.inProgress).order(Call.Columns.startedAt).limit(limit).fetchAll(db)
        }
    }

    func list(_ filter: CallFilter, page: PageRequest) async throws -> Page<Call> {
        try await pool.read { db in
            var request = Call.filter(Call.Columns.businessId == filter.business)
            if let lead = filter.leadId { request = request.filter(Call.Columns.leadId == lead) }
            if let status = filter.status { request = request.filter(Call.Columns.status == status) }
            let total = try request.fetchCount(db)
            let items = try request.order(Call.Columns.startedAt.desc, Call.Columns.id.desc)
                .limit(page.limit, offset: page.offset).fetchReadable(db, reporting: pool.unreadable)
            return Page(items: items, total: total)
        }
    }

    /// Calls no longer in progress, across all businesses (benchmarks).
    func countEnded() async throws -> Int {
        try await pool.read { db in try Call.filter(Call.Columns.status != CallStatus.inProgress.rawValue).fetchCount(db) }
    }

    /// Starts a call in one transaction: the record of `call.provider`/`call.providerCallId` when there is
    /// one; otherwise the caller's lead (matched by phone in the business, or `newLead` inserted) and
    /// `call` inserted with that lead. Nothing half-written if it fails.
    func start(_ call: Call, newLead: Lead?) async throws -> CallStart {
        try await pool.write { db in
            if let providerCallId = call.providerCallId,
                let recorded = try Call.fetchOne(
                    db.cachedStatement(sql: Self.byProviderCallId),
                    arguments: [call.provider, providerCallId])
            {
                return .existing(recorded, lead: try recorded.leadId.flatMap { try Lead.fetchOne(db, key: $0.rawValue) })
            }
            var lead: Lead?
            if let newLead {
                lead = try Lead.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM leads WHERE business_id = ? AND phone = ?"),
                    arguments: [newLead.businessId, newLead.phone])
                if lead == nil {
                    try newLead.insertRow(db)
                    lead = newLead
                }
            }
            var call = call
            call.leadId = lead?.id ?? call.leadId
            try call.insertRow(db)
            return .started(call, lead: lead)
        }
    }

    /// Stores a finished call and, when given, its lead as re-scored at the end: one transaction.
    func finish(_ call: Call, lead: Lead?) async throws {
        try await pool.write { db in
            try lead?.updateRow(db)
            try call.updateRow(db)
        }
    }

    /// A new call (one statement; `save` tries an update first).
    func insert(_ call: Call) async throws {
        try await pool.write { db in try call.insertRow(db) }
    }

    func save(_ call: Call) async throws {
        try await pool.write { db in try call.save(db) }
    }

    /// Appends a transcript turn; it is durable when this returns.
    @discardableResult
    func append(_ turn: TranscriptTurn) async throws -> TranscriptTurn {
        try await pool.write { db in
            var turn = turn
            try turn.insertTurn(db)
            return turn
        }
    }

    /// A transcript turn's words replaced (a barge-in: the agent's turn is what the caller heard).
    func updateTurnText(call: CallID, sequence: Int, text: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE transcript_turns SET text = ? WHERE call_id = ? AND sequence = ?", arguments: [text, call, sequence])
        }
    }

    /// Stores one turn's latency stages (a repeated turn number replaces the earlier figures).
    func recordLatency(_ latency: TurnLatency, call: CallID, at time: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO call_turn_latencies
                      (call_id, turn, end_of_turn_ms, transcript_ms, reply_ms, first_audio_ms, first_frame_ms, total_ms, created_at,
                       first_token_ms, speech_to_text_ms, text_to_speech_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (call_id, turn) DO UPDATE SET
                      end_of_turn_ms = excluded.end_of_turn_ms, transcript_ms = excluded.transcript_ms,
                      reply_ms = excluded.reply_ms, first_audio_ms = excluded.first_audio_ms,
                      first_frame_ms = excluded.first_frame_ms, total_ms = excluded.total_ms, first_token_ms = excluded.first_token_ms,
                      speech_to_text_ms = excluded.speech_to_text_ms, text_to_speech_ms = excluded.text_to_speech_ms
                    """,
                arguments: [call, latency.turn, latency.endOfTurnMs, latency.transcriptMs, latency.replyMs,
                            latency.firstAudioMs, latency.firstFrameMs, latency.totalMs, time, latency.firstTokenMs,
                            latency.speechToTextMs, latency.textToSpeechMs])
        }
    }

    func latencies(of call: CallID) async throws -> [TurnLatency] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM call_turn_latencies WHERE call_id = ? ORDER BY turn", arguments: [call]
            ).map(Self.latency)
        }
    }

    /// Every turn latency of the business's calls in the period (for analytics).
    func latencies(business: BusinessID, from: Date?, to: Date?) async throws -> [TurnLatency] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT l.* FROM call_turn_latencies l JOIN calls c ON c.id = l.call_id
                    WHERE c.business_id = ? AND c.started_at >= ? AND c.started_at < ?
                    """, arguments: [business, from ?? Date.distantPast, to ?? Date.distantFuture]
            ).map(Self.latency)
        }
    }

    private static func latency(_ row: Row) -> TurnLatency {
        TurnLatency(
            turn: row["turn"], endOfTurnMs: row["end_of_turn_ms"], transcriptMs: row["transcript_ms"], replyMs: row["reply_ms"],
            firstAudioMs: row["first_audio_ms"], firstFrameMs: row["first_frame_ms"], firstTokenMs: row["first_token_ms"],
            speechToTextMs: row["speech_to_text_ms"], textToSpeechMs: row["text_to_speech_ms"])
    }

    /// Where the call's recording is served (`url`) and kept on disk (`path`, never shown in the API).
    func setRecording(_ call: CallID, url: String, path: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE calls SET recording_url = ?, recording_path = ? WHERE id = ?", arguments: [url, path, call])
        }
    }

    /// The recording file of a call, when it has one.
    func recordingPath(_ call: CallID) async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT recording_path FROM calls WHERE id = ?", arguments: [call])
        }
    }

    func expireRecordings(startedBefore cutoff: Date, limit: Int) async throws -> [String] {
        try await pool.write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, recording_path FROM calls
                    WHERE recording_path IS NOT NULL AND started_at < ? AND status != 'in_progress'
                    ORDER BY started_at LIMIT ?
                    """, arguments: [cutoff, limit])
            for row in rows {
                try db.execute(sql: "UPDATE calls SET recording_url = NULL, recording_path = NULL WHERE id = ?", arguments: [row["id"] as String])
            }
            return rows.map { $0["recording_path"] as String }
        }
    }

    func turns(of call: CallID) async throws -> [TranscriptTurn] {
        try await pool.read { db in
            try TranscriptTurn.filter(TranscriptTurn.Columns.callId == call).order(TranscriptTurn.Columns.sequence).fetchAll(db)
        }
    }

    /// The transcripts of several calls as text (`Caller: …\nAgent: …`), for list views.
    func transcripts(of calls: [CallID]) async throws -> [CallID: String] {
        guard !calls.isEmpty else { return [:] }
        return try await pool.read { db in
            let turns = try TranscriptTurn.filter(calls.contains(TranscriptTurn.Columns.callId))
                .order(TranscriptTurn.Columns.callId, TranscriptTurn.Columns.sequence).fetchAll(db)
            var result: [CallID: String] = [:]
            for turn in turns {
                let line = "\(turn.speaker.rawValue.capitalized): \(turn.text)"
                result[turn.callId] = result[turn.callId].map { $0 + "\n" + line } ?? line
            }
            return result
        }
    }

    func activity(business: BusinessID, from: Date, to: Date) async throws -> [CallActivity] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT started_at, status, outcome, cost, direction FROM calls WHERE business_id = ? AND started_at >= ? AND started_at < ?",
                arguments: [business, from, to]
            ).compactMap { row in
                guard let status = CallStatus(rawValue: row[1]) else { return nil }
                return CallActivity(
                    startedAt: row[0], status: status, outcome: (row[2] as String?).flatMap(CallOutcome.init(rawValue:)), cost: row[3] ?? 0,
                    direction: (row[4] as String?).flatMap(CallDirection.init(rawValue:)) ?? .inbound)
            }
        }
    }

    func stats(business: BusinessID, from: Date?, to: Date?, todayStart: Date) async throws -> CallStats {
        try await pool.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) AS total,
                           COALESCE(SUM(started_at >= ?), 0) AS today,
                           AVG(duration) AS average_duration,
                           COALESCE(SUM(status = 'completed'), 0) AS completed,
                           COALESCE(SUM(status <> 'in_progress'), 0) AS ended
                    FROM calls WHERE business_id = ? AND started_at >= ? AND started_at < ?
                    """, arguments: [todayStart, business, from ?? Date.distantPast, to ?? Date.distantFuture])!
            return CallStats(
                total: row["total"], today: row["today"], averageDuration: row["average_duration"] ?? 0,
                completed: row["completed"], ended: row["ended"])
        }
    }
}

