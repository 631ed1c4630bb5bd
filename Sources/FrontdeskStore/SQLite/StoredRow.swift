import Foundation
import FrontdeskCore
import GRDB

/// A record written on every call — calls, leads, transcript turns — is written with plain SQL through
/// GRDB's statement cache: its columns and values listed here once, instead of through `Encodable`,
/// GRDB's persistence container and `DateFormatter` (together more than half the database's share of
/// the server on the webhook benchmark). Reading stays with GRDB. StoreTests round-trips every column.
protocol StoredRow: TableRecord {
    /// The columns written, the primary key first (an auto-incremented key is left out).
    static var storedColumns: [String] { get }
    /// The statements for `storedColumns`, made once per type.
    static var statements: RowStatements { get }
    /// The values, in `storedColumns`' order.
    var storedValues: [DatabaseValue] { get throws }
}

struct RowStatements: Sendable {
    let insert: String
    /// Sets every column but the first, where the first (the key) matches.
    let update: String

    init(table: String, columns: [String]) {
        insert = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
        update = "UPDATE \(table) SET \(columns.dropFirst().map { "\($0) = ?" }.joined(separator: ", ")) WHERE \(columns[0]) = ?"
    }
}

extension StoredRow {
    func insertRow(_ db: Database) throws {
        try db.cachedStatement(sql: Self.statements.insert).execute(arguments: StatementArguments(try storedValues))
    }

    /// Updates the stored row with this key; `RecordError.recordNotFound` when there is none (as GRDB's `update`).
    func updateRow(_ db: Database) throws {
        var values = try storedValues
        let key = values.removeFirst()
        values.append(key)
        try db.cachedStatement(sql: Self.statements.update).execute(arguments: StatementArguments(values))
        if db.changesCount == 0 {
            throw RecordError.recordNotFound(databaseTableName: Self.databaseTableName, key: [Self.storedColumns[0]: key])
        }
    }
}

extension Optional where Wrapped == Date {
    var storageValue: DatabaseValue { self?.storageValue ?? .null }
}

extension Call: StoredRow {
    static let storedColumns = [
        "id", "business_id", "agent_id", "lead_id", "phone", "direction", "provider", "provider_call_id", "status",
        "duration", "recording_url", "outcome", "summary", "hangup_cause", "started_at", "ended_at", "created_at",
        "llm_prompt_tokens", "llm_completion_tokens", "cost", "purpose", "voicemail_message",
    ]
    static let statements = RowStatements(table: databaseTableName, columns: storedColumns)

    var storedValues: [DatabaseValue] {
        [
            id.databaseValue, businessId.databaseValue, agentId.databaseValue, leadId.databaseValue, phone.databaseValue,
            direction.databaseValue, provider.databaseValue, providerCallId.databaseValue, status.databaseValue,
            duration.databaseValue, recordingUrl.databaseValue, outcome.databaseValue, summary.databaseValue,
            hangupCause.databaseValue, startedAt.storageValue, endedAt.storageValue, createdAt.storageValue,
            llmPromptTokens.databaseValue, llmCompletionTokens.databaseValue, cost.databaseValue,
            purpose.databaseValue, voicemailMessage.databaseValue,
        ]
    }
}

extension Lead: StoredRow {
    static let storedColumns = [
        "id", "business_id", "phone", "name", "email", "status", "source", "qualification_score", "score_explanation",
        "notes", "created_at", "updated_at", "company", "value",
    ]
    static let statements = RowStatements(table: databaseTableName, columns: storedColumns)

    /// As GRDB writes a nested `Codable` value: JSON text, keys sorted, dates in milliseconds.
    private static let explanationEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dataEncodingStrategy = .base64
        encoder.dateEncodingStrategy = .millisecondsSince1970
        encoder.nonConformingFloatEncodingStrategy = .throw
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    var storedValues: [DatabaseValue] {
        get throws {
            let explanation = try scoreExplanation.map { String(decoding: try Self.explanationEncoder.encode($0), as: UTF8.self) }
            return [
                id.databaseValue, businessId.databaseValue, phone.databaseValue, name.databaseValue, email.databaseValue,
                status.databaseValue, source.databaseValue, qualificationScore.databaseValue, explanation.databaseValue,
                notes.databaseValue, createdAt.storageValue, updatedAt.storageValue, company.databaseValue,
                value?.cents.databaseValue ?? .null,
            ]
        }
    }
}

extension TranscriptTurn: StoredRow {
    static let storedColumns = ["call_id", "sequence", "speaker", "text", "started_at", "ended_at", "confidence", "latency_ms", "provider_event_id"]
    static let statements = RowStatements(table: databaseTableName, columns: storedColumns)

    var storedValues: [DatabaseValue] {
        [
            callId.databaseValue, sequence.databaseValue, speaker.databaseValue, text.databaseValue, startedAt.storageValue,
            endedAt.storageValue, confidence.databaseValue, latencyMs.databaseValue, providerEventId.databaseValue,
        ]
    }

    /// Inserts the turn and takes the id the database gave it.
    mutating func insertTurn(_ db: Database) throws {
        try insertRow(db)
        id = db.lastInsertedRowID
    }
}
