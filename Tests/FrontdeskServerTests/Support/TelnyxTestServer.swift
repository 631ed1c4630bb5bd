import Foundation
import FrontdeskProviders
import FrontdeskServer
import FrontdeskSimulator
import NIOCore
import Testing

/// The tests' local Telnyx REST server is the simulator's stand-in.
typealias TelnyxTestServer = TelnyxStandIn

extension TelnyxStandIn {
    /// A client with short retry waits, for tests.
    func client(backoff: [Duration] = [.milliseconds(20), .milliseconds(40)]) -> TelnyxClient {
        TelnyxClient(apiKey: "KEY_TEST", baseURL: baseURL, timeout: .seconds(2), backoff: backoff)
    }
}

/// Waits until `condition` holds (the webhook has answered; the work happens after).
func eventually(
    _ what: String = "condition", timeout: Duration = .seconds(5), _ condition: @Sendable () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(5))
    }
    // Once more after the deadline: on a machine busy with the whole suite a single sleep can outlast
    // it, and the condition may have held for a while.
    if try await condition() { return }
    Issue.record("timed out waiting for \(what)")
}
