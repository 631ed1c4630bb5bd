import Crypto
import Foundation
import FrontdeskWire

/// Retell webhook signatures: `x-retell-signature: v=<unix ms>,d=<hex HMAC-SHA256(key = RETELL_API_KEY,
/// message = rawBody + String(unix ms))>`, at most 300,000 ms from now.
public struct RetellSignatureVerifier: Sendable {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case missingHeader, malformed, staleTimestamp, badSignature

        public var description: String {
            switch self {
            case .missingHeader: "The x-retell-signature header is required"
            case .malformed: "The x-retell-signature header is not v=<unix ms>,d=<hex>"
            case .staleTimestamp: "The signature's time is more than 5 minutes from now (a replay or a wrong clock)"
            case .badSignature: "The signature does not match the body"
            }
        }
    }

    let key: SymmetricKey
    public static let toleranceMs: Int64 = 300_000

    public init(apiKey: String) { key = SymmetricKey(data: Data(apiKey.utf8)) }

    /// The webhook controller's call (a body as the server collected it), specialised here.
    public func verify(body: Data, header: String?, now: Date) throws(Failure) {
        try check(body, header: header, now: now)
    }

    public func verify(body: some Collection<UInt8>, header: String?, now: Date) throws(Failure) {
        try check(body, header: header, now: now)
    }

    private func check(_ body: some Collection<UInt8>, header: String?, now: Date) throws(Failure) {
        guard let header, !header.isEmpty else { throw .missingHeader }
        var version: String?
        var digest: String?
        for part in header.split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            if pair[0] == "v" { version = String(pair[1]) }
            if pair[0] == "d" { digest = String(pair[1]).lowercased() }
        }
        guard let version, let millis = Int64(version), let digest, let expected = Self.hexBytes(digest) else { throw .malformed }
        guard abs(Int64((now.timeIntervalSince1970 * 1000).rounded()) - millis) <= Self.toleranceMs else { throw .staleTimestamp }
        guard HMAC<SHA256>.isValidAuthenticationCode(expected, authenticating: Self.message(body, version), using: key) else {
            throw .badSignature
        }
    }

    /// The header value for `body` at `time` (the tests and the simulator sign with it).
    public func sign(body: some Collection<UInt8>, at time: Date) -> String {
        let millis = String(Int64((time.timeIntervalSince1970 * 1000).rounded()))
        return "v=\(millis),d=" + Hex.encode(HMAC<SHA256>.authenticationCode(for: Self.message(body, millis), using: key))
    }

    /// What is signed: the raw body, then the time in unix milliseconds as text.
    static func message(_ body: some Collection<UInt8>, _ millis: String) -> Data {
        var message = Data(body)
        message.append(contentsOf: Array(millis.utf8))
        return message
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        guard text.count == 64 else { return nil }
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
