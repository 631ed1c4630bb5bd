import Foundation

/// Base64 for media payloads (one place, so the hot path can be tuned without touching callers).
public enum Base64 {
    public static func decode(_ text: String) -> [UInt8]? {
        Data(base64Encoded: text).map { [UInt8]($0) }
    }

    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }
}
