import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The proxies in front of Frontdesk whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed
/// (`FRONTDESK_TRUSTED_PROXIES`: addresses and CIDR ranges, comma-separated). A request from anyone else
/// is taken at its socket's address, whatever headers it sends — a client cannot pick its own address
/// to escape its rate limit. Connections from a trusted proxy are not held to the per-client cap.
public struct TrustedProxies: Sendable, Equatable {
    struct Range: Sendable, Equatable {
        let bytes: [UInt8]
        let prefix: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var left = prefix
            for index in bytes.indices where left > 0 {
                let bits = min(8, left)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
                if address[index] & mask != bytes[index] & mask { return false }
                left -= bits
            }
            return true
        }
    }

    let ranges: [Range]

    public static let none = TrustedProxies(ranges: [])

    init(ranges: [Range]) { self.ranges = ranges }

    /// Parses `127.0.0.1, 10.0.0.0/8, ::1, fd00::/8`; a failure names the entry that is not an address or range.
    public static func parse(_ text: String) -> Result<TrustedProxies, ParseError> {
        var ranges: [Range] = []
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: "/", maxSplits: 1).map(String.init)
            guard let bytes = Self.bytes(of: parts[0]) else { return .failure(ParseError(entry: entry)) }
            var prefix = bytes.count * 8
            if parts.count == 2 {
                guard let given = Int(parts[1]), (0...bytes.count * 8).contains(given) else { return .failure(ParseError(entry: entry)) }
                prefix = given
            }
            ranges.append(Range(bytes: bytes, prefix: prefix))
        }
        return .success(TrustedProxies(ranges: ranges))
    }

    public struct ParseError: Error, Equatable {
        public let entry: String
    }

    public var isEmpty: Bool { ranges.isEmpty }

    /// Whether `address` (text, as NIO reports a peer) is one of the proxies.
    public func contains(_ address: String) -> Bool {
        guard !ranges.isEmpty, let bytes = Self.bytes(of: address) else { return false }
        return ranges.contains { $0.contains(bytes) }
    }

    /// The client's address: the socket's, or — when the socket is a trusted proxy — the nearest
    /// address in `X-Forwarded-For` (read right to left) that is not itself a trusted proxy.
    public func client(peer: String, forwardedFor: String?) -> String {
        guard contains(peer), let forwardedFor else { return peer }
        var client = peer
        for hop in forwardedFor.split(separator: ",").reversed() {
            let address = hop.trimmingCharacters(in: .whitespaces)
            guard Self.bytes(of: address) != nil else { break }  // garbage: keep the last address believed
            client = address
            if !contains(address) { break }
        }
        return client
    }

    /// `https` or `http` from a trusted proxy's `X-Forwarded-Proto`; otherwise `http` (how the socket was reached).
    public func scheme(peer: String, forwardedProto: String?) -> String {
        guard contains(peer), let proto = forwardedProto?.split(separator: ",").first?.trimmingCharacters(in: .whitespaces).lowercased(),
            proto == "https"
        else { return "http" }
        return proto
    }

    /// An IPv4 or IPv6 address's bytes (an IPv4-mapped IPv6 address as its IPv4 bytes).
    static func bytes(of text: String) -> [UInt8]? {
        guard !text.isEmpty, text.utf8.count < 64 else { return nil }
        // Plain byte buffers, not `in_addr()`: which module a C struct's initializer comes from differs
        // between builds (Glibc or NIO's CNIOLinux), and member import visibility then refuses it.
        var v4 = [UInt8](repeating: 0, count: 4)
        if inet_pton(AF_INET, text, &v4) == 1 { return v4 }
        var bytes = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET6, text, &bytes) == 1 {
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF { return Array(bytes[12...]) }
            return bytes
        }
        return nil
    }
}
