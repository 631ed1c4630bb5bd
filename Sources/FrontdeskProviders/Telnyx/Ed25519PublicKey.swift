import CSodium
import Foundation

/// An Ed25519 public key that verifies signatures with libsodium (`crypto_sign_verify_detached`).
/// Verification is the largest single cost of a webhook's intake; libsodium's takes about 60 % of
/// the time of the BoringSSL build swift-crypto carries. Signing (the simulator, tests) stays on
/// swift-crypto, so every test that signs with one and verifies with the other checks both.
package struct Ed25519PublicKey: Sendable {
    private let bytes: [UInt8]

    /// nil unless `raw` is 32 bytes encoding a point of the curve's main subgroup (libsodium's
    /// `crypto_core_ed25519_is_valid_point`): a key that no signature could match is refused up front.
    package init?(_ raw: some Collection<UInt8>) {
        guard Self.libraryReady, raw.count == 32 else { return nil }
        let bytes = Array(raw)
        guard bytes.withUnsafeBufferPointer({ crypto_core_ed25519_is_valid_point($0.baseAddress!) }) == 1 else { return nil }
        self.bytes = bytes
    }

    /// Whether `signature` (64 bytes) is this key's signature of `message` (never empty here: what
    /// Telnyx signs starts with the timestamp). libsodium also refuses non-canonical and small-order
    /// encodings, which no honest signer produces.
    func isValidSignature(_ signature: some ContiguousBytes, for message: [UInt8]) -> Bool {
        signature.withUnsafeBytes { signature in
            guard signature.count == 64, !message.isEmpty else { return false }
            return message.withUnsafeBufferPointer { message in
                bytes.withUnsafeBufferPointer { key in
                    crypto_sign_ed25519_verify_detached(
                        signature.bindMemory(to: UInt8.self).baseAddress!, message.baseAddress!, UInt64(message.count),
                        key.baseAddress!) == 0
                }
            }
        }
    }

    /// `sodium_init` once per process (thread-safe, idempotent); it fails only if the system cannot
    /// provide randomness, which verification does not use, but the library asks for it first.
    private static let libraryReady: Bool = sodium_init() >= 0
}
