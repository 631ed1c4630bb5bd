import FrontdeskCore
import FrontdeskMedia
import NIOWebSocket
import Synchronization

/// Twilio media calls: closing the stream hands the call back to TwiML, whose `<Redirect>` asks
/// `/api/twilio/voice` what next — a `<Dial>` for a transfer decided here, else `<Hangup/>`.
package final class TwilioStreams: Sendable {
    private let transfers = Mutex<[String: PhoneNumber]>([:])

    package init() {}

    package func control(callSid: String, socket: MediaSocket) -> any CallControl {
        Control(callSid: callSid, socket: socket, streams: self)
    }

    /// The transfer decided for a call whose stream ended (taken once).
    package func takeTransfer(callSid: String) -> PhoneNumber? {
        transfers.withLock { $0.removeValue(forKey: callSid) }
    }

    private struct Control: CallControl {
        let callSid: String
        let socket: MediaSocket
        let streams: TwilioStreams

        func transfer(to number: PhoneNumber) async throws {
            streams.transfers.withLock { $0[callSid] = number }
            try await socket.close(.normalClosure, reason: "transfer")
        }

        func hangUp() async throws {
            try await socket.close(.normalClosure, reason: "hang up")
        }
    }
}
