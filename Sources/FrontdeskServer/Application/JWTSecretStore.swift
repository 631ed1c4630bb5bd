import Foundation
import FrontdeskCore
import FrontdeskStore
import Logging

/// When `FRONTDESK_JWT_SECRET` is unset, a secret is generated once and kept so tokens survive
/// restarts: next to the SQLite database (`jwt-secret`, mode 600), or in the PostgreSQL database, where
/// every instance finds the same one.
enum JWTSecretStore {
    static func secret(configuration: AppConfiguration, store: Store, logger: Logger) async throws -> String {
        if let secret = configuration.jwtSecret { return secret }
        if store.engine == .postgres {
            let secret = try await store.sharedSecret("jwt", make: { RandomToken.hex(bytes: 32) })
            logger.warning("FRONTDESK_JWT_SECRET is not set: using the secret kept in the database (shared by every instance)")
            return secret
        }
        return try loadOrCreate(nextTo: configuration.databasePath, logger: logger)
    }

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
