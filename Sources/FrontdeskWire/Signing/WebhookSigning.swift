import Crypto
import Foundation

/// How Frontdesk signs the webhooks it sends, both ways a receiver may check:
/// * Standard Webhooks (standardwebhooks.com): `webhook-signature: v1,<base64 HMAC-SHA256>` over
///   `<webhook-id>.<webhook-timestamp>.<body>`, keyed with the secret's bytes after `whsec_`
///   (base64-decoded) — what the Standard Webhooks libraries verify;
/// * the CRM seed's `X-Signature: sha256=<hex HMAC-SHA256 of the body>`, keyed with the secret as
///   shown (the whole `whsec_…` string, as the seed's `createHmac('sha256', secret)` uses it).
public enum WebhookSigning {
    /// A new endpoint secret: `whsec_` + base64 of 24 random bytes.
    public static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "whsec_" + Data(bytes).base64EncodedString()
    }

    /// The key Standard Webhooks signs with: the bytes the part after `whsec_` encodes (nil when it is not base64).
    public static func standardKey(_ secret: String) -> SymmetricKey? {
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        guard let bytes = Data(base64Encoded: encoded), !bytes.isEmpty else { return nil }
        return SymmetricKey(data: bytes)
    }

    /// `v1,<base64>` for the message `id` sent at `timestamp` (Unix seconds) with `body`.
    public static func standardSignature(secret: String, id: String, timestamp: Int, body: [UInt8]) -> String? {
        guard let key = standardKey(secret) else { return nil }
        var content = Array("\(id).\(timestamp).".utf8)
        content += body
        let mac = HMAC<SHA256>.authenticationCode(for: content, using: key)
        return "v1," + Data(mac).base64EncodedString()
    }

    /// `sha256=<hex>` of `body`, keyed with the secret as shown.
    public static func seedSignature(secret: String, body: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + Hex.encode(mac)
    }

    /// Whether `header` (space-separated `v1,<base64>` entries, as Standard Webhooks allows several)
    /// holds the right signature. For receivers and tests.
    public static func verifyStandard(secret: String, id: String, timestamp: Int, body: [UInt8], header: String) -> Bool {
        guard let expected = standardSignature(secret: secret, id: id, timestamp: timestamp, body: body) else { return false }
        return header.split(separator: " ").contains { constantTimeEqual(String($0), expected) }
    }

    /// Compares without stopping at the first difference.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
