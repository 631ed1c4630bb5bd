import Foundation
import FrontdeskCore

/// What a request carrying an `Idempotency-Key` may do.
public enum IdempotencyClaim: Sendable, Equatable {
    /// The key is new (or expired): go ahead, then `complete` or `release` it.
    case proceed
    /// The same request was answered before: send this again.
    case replay(status: Int, body: Data)
    /// The key was used for a different request.
    case mismatch
    /// The first request with this key has not finished yet.
    case inProgress
}

public protocol IdempotencyRepository: Sendable {
    /// Reserves `key` for this request (status 0 = in progress) in one transaction.
    func claim(user: UserID, key: String, method: String, path: String, requestHash: String, now: Date) async throws -> IdempotencyClaim

    /// Stores the response that later requests with the key will get.
    func complete(user: UserID, key: String, status: Int, body: Data) async throws

    /// Forgets a reservation whose request failed, so the client may retry with the same key.
    func release(user: UserID, key: String) async throws
}

/// How long a stored response is replayed.
public enum IdempotencyKeys {
    public static let lifetime: TimeInterval = 86_400
}
