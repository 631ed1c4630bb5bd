import Foundation
import FrontdeskCore
import GRDB

/// The stored state of text conversations (JSON of `ConversationState`), one per business, channel, lead.
struct SQLiteConversationRepository: ConversationRepository {
    let pool: StoreDatabase

    func state(business: BusinessID, channel: Channel, lead: LeadID) async throws -> ConversationState? {
        let json = try await pool.read { db in
            try String.fetchOne(
                db, sql: "SELECT state FROM conversations WHERE business_id = ? AND channel = ? AND lead_id = ?",
                arguments: [business, channel.rawValue, lead])
        }
        return try json.map { try JSONDecoder().decode(ConversationState.self, from: Data($0.utf8)) }
    }

    func save(_ state: ConversationState, business: BusinessID, channel: Channel, lead: LeadID, now: Date) async throws {
        let json = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO conversations (id, business_id, lead_id, channel, state, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (business_id, channel, lead_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
                    """,
                arguments: ["conversation_" + RandomToken.base32(count: 20), business, lead, channel.rawValue, json, now, now])
        }
    }
}
