import Crypto
import Foundation

/// Telnyx webhook signatures: Ed25519 over `timestamp + "|" + rawBody` with the account's public key
/// (`TELNYX_PUBLIC_KEY`), headers `telnyx-signature-ed25519` (base64) and `telnyx-timestamp` (unix
/// seconds), and at most 300 s between the timestamp and now.
public struct TelnyxSignatureVerifier: Sendable {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case invalidPublicKey, missingHeaders, malformedSignature, staleTimestamp, badSignature

        public var description: String {
            switch self {
            case .invalidPublicKey: "The public key is not 32 bytes encoding an Ed25519 point"
            case .missingHeaders: "The telnyx-signature-ed25519 and telnyx-timestamp headers are required"
            case .malformedSignature: "The signature is not base64 of 64 bytes, or the timestamp is not unix seconds"
            case .staleTimestamp: "The timestamp is more than 300 seconds from now (a replay or a wrong clock)"
            case .badSignature: "The signature does not match the body"
            }
        }
    }

    let key: Ed25519PublicKey
    public static let tolerance: TimeInterval = 300

    public init(publicKey: Data) throws(Failure) {
        guard let key = Ed25519PublicKey(publicKey) else { throw .invalidPublicKey }
        self.key = key
    }

    /// The webhook controller's call (a body as the server collected it), specialised here.
    public func verify(body: Data, signature: String?, timestamp: String?, now: Date) throws(Failure) {
        try check(body, signature: signature, timestamp: timestamp, now: now)
    }

    public func verify(body: some Collection<UInt8>, signature: String?, timestamp: String?, now: Date) throws(Failure) {
        try check(body, signature: signature, timestamp: timestamp, now: now)
    }

    private func check(_ body: some Collection<UInt8>, signature: String?, timestamp: String?, now: Date) throws(Failure) {
        guard let signature, let timestamp, !signature.isEmpty, !timestamp.isEmpty else { throw .missingHeaders }
        let time = Self.trimmed(timestamp)
        guard let seconds = Int64(time), let raw = Data(base64Encoded: String(Self.trimmed(signature))), raw.count == 64
        else { throw .malformedSignature }
        guard abs(now.timeIntervalSince1970 - TimeInterval(seconds)) <= Self.tolerance else { throw .staleTimestamp }
        guard key.isValidSignature(raw, for: Self.message(body, time)) else {
            throw .badSignature
        }
    }

    /// A header value without the spaces and tabs around it (on every webhook: no Foundation here).
    static func trimmed(_ value: String) -> Substring {
        let blank = { (c: Character) in c == " " || c == "\t" }
        guard let first = value.firstIndex(where: { !blank($0) }), let last = value.lastIndex(where: { !blank($0) }) else { return "" }
        return value[first...last]
    }

    /// What Telnyx signs: `timestamp|rawBody`.
    package static func message(_ body: some Collection<UInt8>, _ timestamp: some StringProtocol) -> [UInt8] {
        var message: [UInt8] = []
        message.reserveCapacity(timestamp.utf8.count + 1 + body.count)
        message.append(contentsOf: timestamp.utf8)
        message.append(UInt8(ascii: "|"))
        message.append(contentsOf: body)
        return message
    }
}
