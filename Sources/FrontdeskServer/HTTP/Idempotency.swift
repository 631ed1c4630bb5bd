import Crypto
import Foundation
import FrontdeskCore
import FrontdeskStore
import FrontdeskWire
import HTTPTypes
import Hummingbird

/// `Idempotency-Key` on a POST: the first response for a key is stored and sent again for a retry with
/// the same body; the same key with another body is a 422; a retry while the first is still running
/// is a 409. Without the header the request simply runs.
struct Idempotency: Sendable {
    static let header = HTTPField.Name("Idempotency-Key")!
    static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!

    let store: Store
    let now: @Sendable () -> Date

    func run(
        _ request: Request, context: AppRequestContext, claims: AccessClaims,
        handler: (Data) async throws -> (status: HTTPResponse.Status, body: Data)
    ) async throws -> Response {
        var request = request
        let body = try await request.collectBody(context: context)
        guard let key = request.headers[Self.header] else {
            let (status, bytes) = try await handler(body)
            return APIResponse<Empty>.response(status: status, body: bytes)
        }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else {
            throw AppError.validation(field: "Idempotency-Key", "must be 1–255 printable characters without spaces")
        }
        let hash = Hex.sha256(Data("\(request.method.rawValue) \(request.uri.path)\n".utf8) + body)
        let claim = try await store.idempotency.claim(
            user: claims.userId, key: key, method: request.method.rawValue, path: request.uri.path, requestHash: hash,
            now: now())
        switch claim {
        case .mismatch:
            throw AppError.validation(field: "Idempotency-Key", "was already used with a different request")
        case .inProgress:
            throw AppError(.resourceAlreadyExists, "A request with this Idempotency-Key is still being processed")
        case .replay(let status, let stored):
            var response = APIResponse<Empty>.response(status: HTTPResponse.Status(code: status), body: stored)
            response.headers[Self.replayedHeader] = "true"
            return response
        case .proceed:
            do {
                let (status, bytes) = try await handler(body)
                try await store.idempotency.complete(user: claims.userId, key: key, status: status.code, body: bytes)
                return APIResponse<Empty>.response(status: status, body: bytes)
            } catch {
                try? await store.idempotency.release(user: claims.userId, key: key)
                throw error
            }
        }
    }
}
