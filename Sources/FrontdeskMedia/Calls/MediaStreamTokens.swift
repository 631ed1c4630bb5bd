import Crypto
import Foundation
import FrontdeskWire

/// The token a media stream must present: HMAC-SHA256 of the provider's call id under a key derived
/// from the server's secret. Handed out with the stream URL (Telnyx `stream_auth_token`, a Twilio
/// `<Parameter name="token">`), so no one else can open a stream into a call.
public struct MediaStreamTokens: Sendable {
    private let key: SymmetricKey

    public init(secret: String) {
        key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data("frontdesk media streams".utf8), using: SymmetricKey(data: Data(secret.utf8))))
    }

    public func token(for providerCallId: String) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Data(providerCallId.utf8), using: key)).prefix(40).description
    }

    package func isValid(_ token: String?, for providerCallId: String) -> Bool {
        guard let token else { return false }
        let expected = Array(self.token(for: providerCallId).utf8)
        let given = Array(token.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// The media-stream URLs handed to carriers, built from `FRONTDESK_PUBLIC_URL` (https → wss).
package enum MediaURLs {
    package static func telnyx(publicURL: URL) -> String { socket(publicURL, "api/media/telnyx") }
    package static func twilio(publicURL: URL) -> String { socket(publicURL, "api/media/twilio") }

    private static func socket(_ base: URL, _ path: String) -> String {
        var components = URLComponents(url: base.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        components.scheme = components.scheme == "https" ? "wss" : "ws"
        return components.string!
    }
}
