import Crypto
import Foundation

/// Lowercase hex, for digests: stored token hashes, idempotency fingerprints, event ids of bodies
/// without one, HMAC signatures. Inlinable: callers in other modules pass their own byte types.
public enum Hex {
    @inlinable
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    @inlinable
    public static func sha256(_ data: some DataProtocol) -> String { encode(SHA256.hash(data: data)) }
}
