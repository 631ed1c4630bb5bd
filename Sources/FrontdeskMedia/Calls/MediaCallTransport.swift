import Foundation
import FrontdeskCore
import HummingbirdWebSocket
import Logging
import NIOWebSocket
import Synchronization

/// Transfers and hang-ups, which a media stream cannot do itself: the carrier's call control.
package protocol CallControl: Sendable {
    func transfer(to number: PhoneNumber) async throws
    func hangUp() async throws
}

/// A media-mode call's transport: speech through the stream, transfers and hang-ups through the
/// carrier's call control (or, without one, by closing the stream).
package struct MediaCallTransport: CallTransport {
    let media: MediaCall
    let control: (any CallControl)?

    package init(media: MediaCall, control: (any CallControl)? = nil) {
        self.media = media
        self.control = control
    }

    package func speak(_ text: String) async throws {
        media.speak(text)
    }

    package func modelStarted() {
        media.modelStarted()
    }

    package var timesTurns: Bool { true }

    package func transfer(to number: PhoneNumber) async throws {
        guard let control else {
            media.logger.error("A transfer was decided but this carrier has no call control configured; ending the stream")
            try await media.socket.close(.normalClosure, reason: "transfer unavailable")
            return
        }
        try await control.transfer(to: number)
    }

    package func hangUp() async throws {
        if let control { try await control.hangUp() }
        try? await media.socket.close(.normalClosure, reason: "hang up")
    }
}
