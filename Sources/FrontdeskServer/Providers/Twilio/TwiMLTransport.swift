import Foundation
import FrontdeskCore
import Synchronization

/// A Twilio call in provider-speech mode: the runtime's commands are collected while a webhook is
/// handled and answered as TwiML (`<Say>`, `<Dial>`, `<Hangup/>`).
final class TwiMLTransport: CallTransport {
    enum Command: Equatable {
        case say(String)
        case dial(String)
        case hangUp
    }

    private let commands = Mutex<[Command]>([])

    func speak(_ text: String) async throws { commands.withLock { $0.append(.say(text)) } }
    func transfer(to number: PhoneNumber) async throws { commands.withLock { $0.append(.dial(number.e164)) } }
    func hangUp() async throws { commands.withLock { $0.append(.hangUp) } }

    func take() -> [Command] { commands.withLock { commands in defer { commands = [] }; return commands } }
}
