import Foundation
import FrontdeskCore
import GRDB


/// Stored first responses per (user, key), kept for 24 hours.
struct SQLiteIdempotencyRepository: IdempotencyRepository {
    let pool: StoreDatabase

    /// Reserves `key` for this request (status 0 = in progress) in one transaction.
    func claim(user: UserID, key: String, method: String, path: String, requestHash: String, now: Date)
        async throws -> IdempotencyClaim
    {
        try await pool.write { db in
            if let row = try Row.fetchOne(
                db, sql: "SELECT request_hash, status_code, response_body, created_at FROM idempotency_keys WHERE user_id = ? AND key = ?",
                arguments: [user, key])
            {
                let createdAt: Date = row["created_at"]
                if now.timeIntervalSince(createdAt) < IdempotencyKeys.lifetime {
                    guard row["request_hash"] as String == requestHash else { return .mismatch }
                    let status: Int = row["status_code"]
                    return status == 0 ? .inProgress : .replay(status: status, body: row["response_body"])
                }
                try db.execute(sql: "DELETE FROM idempotency_keys WHERE user_id = ? AND key = ?", arguments: [user, key])
            }
            try db.execute(
                sql: """
                    INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, status_code, response_body, created_at)
                    VALUES (?, ?, ?, ?, ?, 0, x'', ?)
                    """, arguments: [user, key, method, path, requestHash, now])
            return .proceed
        }
    }

    /// Stores the response that later requests with the key will get.
    func complete(user: UserID, key: String, status: Int, body: Data) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE idempotency_keys SET status_code = ?, response_body = ? WHERE user_id = ? AND key = ?",
                arguments: [status, body, user, key])
        }
    }

    /// Forgets a reservation whose request failed, so the client may retry with the same key.
    func release(user: UserID, key: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND status_code = 0", arguments: [user, key])
        }
    }
}
