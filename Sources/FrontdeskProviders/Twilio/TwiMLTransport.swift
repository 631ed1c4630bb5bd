import Foundation
import FrontdeskCore
import Synchronization

/// A Twilio call in provider-speech mode: the runtime's commands are collected while a webhook is
/// handled and answered as TwiML (`<Say>`, `<Dial>`, `<Hangup/>`).
package final class TwiMLTransport: CallTransport {
    package init() {}

    package enum Command: Equatable {
        case say(String)
        case dial(String)
        case hangUp
    }

    private let commands = Mutex<[Command]>([])

    package func speak(_ text: String) async throws { commands.withLock { $0.append(.say(text)) } }
    package func transfer(to number: PhoneNumber) async throws { commands.withLock { $0.append(.dial(number.e164)) } }
    package func hangUp() async throws { commands.withLock { $0.append(.hangUp) } }

    package func take() -> [Command] { commands.withLock { commands in defer { commands = [] }; return commands } }
}
