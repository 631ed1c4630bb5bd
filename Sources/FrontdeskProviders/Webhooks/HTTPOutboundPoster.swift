import AsyncHTTPClient
import Foundation
import FrontdeskCalls
import NIOCore
import NIOHTTP1

/// Posts a workflow's webhook: the URL checked by the address policy first (no loopback or private
/// addresses unless allowed), then one request with a 10 s timeout and no redirects.
package struct HTTPOutboundPoster: OutboundPoster {
    let policy: OutboundURLPolicy
    let http: HTTPClient
    let timeout: TimeAmount

    /// No redirects (a 3xx could lead past the address check), no decompression; lives as long as the process.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(10))
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    package init(policy: OutboundURLPolicy, http: HTTPClient = HTTPOutboundPoster.client, timeout: TimeAmount = .seconds(10)) {
        self.policy = policy
        self.http = http
        self.timeout = timeout
    }

    package func post(_ url: String, body: [UInt8], headers: [(String, String)]) async throws -> Int {
        try await policy.check(url)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Frontdesk-Workflows/1")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await http.execute(request, timeout: timeout)
        _ = try? await response.body.collect(upTo: 64 * 1024)
        return Int(response.status.code)
    }
}
