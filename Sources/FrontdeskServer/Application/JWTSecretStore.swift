import Foundation
import FrontdeskCore
import Logging

/// When `FRONTDESK_JWT_SECRET` is unset, a secret is generated once and kept next to the database
/// (`jwt-secret`, mode 600) so tokens survive restarts.
enum JWTSecretStore {
    static func loadOrCreate(nextTo databasePath: String, logger: Logger) throws -> String {
        let url = URL(fileURLWithPath: databasePath).deletingLastPathComponent().appendingPathComponent("jwt-secret")
        if let existing = try? String(contentsOf: url, encoding: .utf8).trimmingWhitespace(), existing.utf8.count >= 32 {
            logger.warning("FRONTDESK_JWT_SECRET is not set: using the generated secret in \(url.path)")
            return existing
        }
        let secret = RandomToken.hex(bytes: 32)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard FileManager.default.createFile(
            atPath: url.path, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600])
        else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path]) }
        logger.warning("FRONTDESK_JWT_SECRET is not set: generated one and kept it in \(url.path)")
        return secret
    }
}
