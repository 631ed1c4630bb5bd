import FrontdeskCore

/// What a call's carrier can be told to do: Telnyx Call Control, Twilio, the simulator. Each command
/// is answered later by events (`agentFinishedSpeaking`, `transferResult`, `hangUp`).
public protocol CallTransport: Sendable {
    func speak(_ text: String) async throws
    func transfer(to number: PhoneNumber) async throws
    func hangUp() async throws
    /// The language model's first words for the current turn arrived (for latency stages).
    func modelStarted()
    /// True when the transport times the whole turn itself (media mode: speech in and out are ours);
    /// otherwise the session records the reply's time as the turn (`Telemetry.conversationTurn`).
    var timesTurns: Bool { get }
}

extension CallTransport {
    public func modelStarted() {}
    public var timesTurns: Bool { false }
}
