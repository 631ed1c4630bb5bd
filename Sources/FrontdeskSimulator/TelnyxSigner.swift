import Crypto
import Foundation
import FrontdeskProviders

/// Signs like Telnyx does (Ed25519 over `timestamp|body`): the simulator, the tests and the webhook
/// benchmark use it. It lives here, outside the product, with the fixed test key.
public struct TelnyxSigner: Sendable {
    let key: Curve25519.Signing.PrivateKey

    public init(seed: Data) throws { key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed) }
    public init() { key = Curve25519.Signing.PrivateKey() }

    /// The simulator's signing key for `--server` runs: fixed, so a server can be started with its
    /// public key once. A test key that anyone can derive: never set its public key in production.
    public static func simulatorTestKey() throws -> TelnyxSigner {
        try TelnyxSigner(seed: Data(SHA256.hash(data: Data("frontdesk simulator signing key (test only)".utf8))))
    }

    /// base64 of the 32-byte public key (the value of `TELNYX_PUBLIC_KEY`).
    public var publicKeyBase64: String { key.publicKey.rawRepresentation.base64EncodedString() }

    /// The two headers for `body` sent at `time`.
    public func headers(for body: some Collection<UInt8>, at time: Date) throws -> (signature: String, timestamp: String) {
        let timestamp = String(Int64(time.timeIntervalSince1970))
        return (try key.signature(for: TelnyxSignatureVerifier.message(body, timestamp)).base64EncodedString(), timestamp)
    }
}
