import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which URLs Frontdesk may send webhooks to. A webhook URL comes from a customer, so it must not
/// reach what only the server can reach (server-side request forgery): loopback, private networks,
/// link-local addresses (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast and the
/// unspecified address are refused — checked when the endpoint is saved and again before every
/// delivery (a name can be pointed elsewhere later). `allowPrivate` (`FRONTDESK_WEBHOOKS_ALLOW_PRIVATE=1`)
/// lifts that for development and tests.
public struct OutboundURLPolicy: Sendable {
    public let allowPrivate: Bool
    /// Resolves a host name to its addresses (getaddrinfo by default; tests give their own).
    let resolve: @Sendable (String) async -> [String]

    public init(allowPrivate: Bool, resolve: (@Sendable (String) async -> [String])? = nil) {
        self.allowPrivate = allowPrivate
        self.resolve = resolve ?? { host in await Self.systemResolve(host) }
    }

    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case malformed(String)
        case privateAddress(String)
        case unresolvable(String)

        public var description: String {
            switch self {
            case .malformed(let why): why
            case .privateAddress(let address):
                "resolves to \(address), a loopback, private or link-local address (set FRONTDESK_WEBHOOKS_ALLOW_PRIVATE=1 to allow in development)"
            case .unresolvable(let host): "its host \(host) cannot be resolved"
            }
        }
    }

    /// The URL's shape alone: absolute http(s), a host, no credentials, at most 2,000 characters.
    public static func checkShape(_ text: String) throws -> URL {
        guard text.utf8.count <= 2000 else { throw Refusal.malformed("must be at most 2000 characters") }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty, let url = components.url
        else { throw Refusal.malformed("must be an absolute http:// or https:// URL with a host") }
        guard components.user == nil, components.password == nil else {
            throw Refusal.malformed("must not carry a user name or password")
        }
        return url
    }

    /// Checks the URL's shape and every address its host resolves to.
    public func check(_ text: String) async throws {
        let url = try Self.checkShape(text)
        guard !allowPrivate else { return }
        var host = url.host ?? ""
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let addresses = Self.isLiteralAddress(host) ? [host] : await resolve(host)
        guard !addresses.isEmpty else { throw Refusal.unresolvable(host) }
        if let bad = addresses.first(where: Self.isNonPublic) { throw Refusal.privateAddress(bad) }
    }

    static func isLiteralAddress(_ host: String) -> Bool {
        // Byte buffers rather than `in_addr()` (see `TrustedProxies.bytes`).
        var bytes = [UInt8](repeating: 0, count: 16)
        return inet_pton(AF_INET, host, &bytes) == 1 || inet_pton(AF_INET6, host, &bytes) == 1
    }

    /// Whether an address (dotted IPv4 or IPv6 text) is one a customer's webhook must not reach.
    public static func isNonPublic(_ address: String) -> Bool {
        var v4 = [UInt8](repeating: 0, count: 4)
        if inet_pton(AF_INET, address, &v4) == 1 { return isNonPublic(v4: v4) }
        var b = [UInt8](repeating: 0, count: 16)
        guard inet_pton(AF_INET6, address, &b) == 1 else { return true }
        // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d): the IPv4 address decides.
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff { return isNonPublic(v4: Array(b[12..<16])) }
        if b[0..<12].allSatisfy({ $0 == 0 }) { return true }  // ::, ::1 and the deprecated compatible form
        if b[0] == 0xfe && (b[1] & 0xc0) == 0x80 { return true }  // fe80::/10 link-local
        if (b[0] & 0xfe) == 0xfc { return true }  // fc00::/7 unique local
        if b[0] == 0xff { return true }  // multicast
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b { return isNonPublic(v4: Array(b[12..<16])) }  // 64:ff9b::/96
        if b[0] == 0x20 && b[1] == 0x02 { return isNonPublic(v4: Array(b[2..<6])) }  // 6to4 embeds an IPv4 address
        return false
    }

    static func isNonPublic(v4 b: [UInt8]) -> Bool {
        switch (b[0], b[1]) {
        case (0, _), (10, _), (127, _): return true
        case (100, 64...127): return true  // carrier-grade NAT
        case (169, 254): return true  // link-local, cloud metadata
        case (172, 16...31): return true
        case (192, 168): return true
        case (192, 0) where b[2] == 0 || b[2] == 2: return true  // IETF protocol assignments, TEST-NET-1
        case (198, 18...19): return true  // benchmarking
        case (198, 51) where b[2] == 100, (203, 0) where b[2] == 113: return true  // TEST-NET-2/3
        case (224...255, _): return true  // multicast, reserved, broadcast
        default: return false
        }
    }

    /// getaddrinfo on a thread of its own (it blocks).
    static func systemResolve(_ host: String) async -> [String] {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                // No hints (no `addrinfo()`: see `isLiteralAddress`): an address may come once per socket type.
                var result: UnsafeMutablePointer<addrinfo>?
                guard getaddrinfo(host, nil, nil, &result) == 0 else {
                    continuation.resume(returning: [])
                    return
                }
                defer { freeaddrinfo(result) }
                var addresses: [String] = []
                var cursor = result
                while let entry = cursor {
                    var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                    if entry.pointee.ai_family == AF_INET {
                        entry.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                            var raw = address.pointee.sin_addr
                            _ = inet_ntop(AF_INET, &raw, &buffer, socklen_t(buffer.count))
                        }
                    } else if entry.pointee.ai_family == AF_INET6 {
                        entry.pointee.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                            var raw = address.pointee.sin6_addr
                            _ = inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count))
                        }
                    }
                    let text = String(cString: buffer)
                    if !text.isEmpty { addresses.append(text) }
                    cursor = entry.pointee.ai_next
                }
                continuation.resume(returning: addresses)
            }
        }
    }
}
