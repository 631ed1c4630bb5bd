import Foundation
import Logging
import FrontdeskCore
import HummingbirdWebSocket
import NIOWebSocket
import Synchronization

/// Transfers and hang-ups, which a media stream cannot do itself: the carrier's call control.
protocol CallControl: Sendable {
    func transfer(to number: PhoneNumber) async throws
    func hangUp() async throws
}

/// Telnyx Call Control for a media-mode call (`transfer`, `hangup` commands).
struct TelnyxCallControl: CallControl {
    let client: TelnyxClient
    let callControlId: String
    let agentNumber: String?

    func transfer(to number: PhoneNumber) async throws {
        var body: [String: JSONValue] = ["to": .string(number.e164)]
        if let agentNumber { body["from"] = .string(agentNumber) }
        try await client.command("transfer", callControlId: callControlId, body, clientState: "agent")
    }

    func hangUp() async throws {
        try await client.command("hangup", callControlId: callControlId, clientState: "agent")
    }
}

/// Twilio media calls: closing the stream hands the call back to TwiML, whose `<Redirect>` asks
/// `/api/twilio/voice` what next — a `<Dial>` for a transfer decided here, else `<Hangup/>`.
final class TwilioStreams: Sendable {
    private let transfers = Mutex<[String: PhoneNumber]>([:])

    func control(callSid: String, socket: MediaSocket) -> any CallControl {
        Control(callSid: callSid, socket: socket, streams: self)
    }

    /// The transfer decided for a call whose stream ended (taken once).
    func takeTransfer(callSid: String) -> PhoneNumber? {
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

/// A media-mode call's transport: speech through the stream, transfers and hang-ups through the
/// carrier's call control (or, without one, by closing the stream).
struct MediaCallTransport: CallTransport {
    let media: MediaCall
    let control: (any CallControl)?

    func speak(_ text: String) async throws {
        media.speak(text)
    }

    func modelStarted() {
        media.modelStarted()
    }

    func transfer(to number: PhoneNumber) async throws {
        guard let control else {
            media.logger.error("A transfer was decided but this carrier has no call control configured; ending the stream")
            try await media.socket.close(.normalClosure, reason: "transfer unavailable")
            return
        }
        try await control.transfer(to: number)
    }

    func hangUp() async throws {
        if let control { try await control.hangUp() }
        try? await media.socket.close(.normalClosure, reason: "hang up")
    }
}
