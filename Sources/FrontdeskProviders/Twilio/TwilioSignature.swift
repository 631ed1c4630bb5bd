import Crypto
import Foundation

/// Twilio request signatures: `X-Twilio-Signature` = base64(HMAC-SHA1(key = auth token, message = the
/// full URL Twilio called + each POST parameter, sorted by name, as name + value)). The URL is accepted
/// with or without its default port.
public struct TwilioSignatureVerifier: Sendable {
    let key: SymmetricKey

    public init(authToken: String) { key = SymmetricKey(data: Data(authToken.utf8)) }

    public func signature(url: String, parameters: [(String, String)]) -> String {
        Data(HMAC<Insecure.SHA1>.authenticationCode(for: Data(Self.message(url, parameters).utf8), using: key)).base64EncodedString()
    }

    public func isValid(_ signature: String?, url: String, parameters: [(String, String)]) -> Bool {
        guard let signature, let given = Data(base64Encoded: signature) else { return false }
        return Self.variants(of: url).contains { candidate in
            HMAC<Insecure.SHA1>.isValidAuthenticationCode(given, authenticating: Data(Self.message(candidate, parameters).utf8), using: key)
        }
    }

    static func message(_ url: String, _ parameters: [(String, String)]) -> String {
        var message = url
        for (name, value) in parameters.sorted(by: { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }) { message += name + value }
        return message
    }

    /// The URL as given, and with its default port added or removed.
    static func variants(of url: String) -> [String] {
        guard var components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else { return [url] }
        let defaultPort = scheme == "https" ? 443 : 80
        var variants = [url]
        if components.port == defaultPort {
            components.port = nil
            variants.append(components.string ?? url)
        } else if components.port == nil {
            components.port = defaultPort
            variants.append(components.string ?? url)
        }
        return variants
    }
}

/// `application/x-www-form-urlencoded` bodies, as Twilio posts them.
package enum FormBody {
    package static func parse(_ body: Data) -> [(String, String)] {
        String(decoding: body, as: UTF8.self).split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), !name.isEmpty else { return nil }
            return (name, parts.count > 1 ? decode(parts[1]) ?? "" : "")
        }
    }

    static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    package static func encode(_ parameters: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return parameters.map { name, value in
            (name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name) + "="
                + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)
        }.joined(separator: "&")
    }
}

/// TwiML: XML with the text escaped.
package enum TwiML {
    package static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    package static func document(_ verbs: String) -> String {
        #"<?xml version="1.0" encoding="UTF-8"?><Response>"# + verbs + "</Response>"
    }
}
