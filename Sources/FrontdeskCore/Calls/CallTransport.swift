import FrontdeskCore

/// What a call's carrier can be told to do: Telnyx Call Control, Twilio, the simulator. Each command
/// is answered later by events (`agentFinishedSpeaking`, `transferResult`, `hangUp`).
public protocol CallTransport: Sendable {
    func speak(_ text: String) async throws
    /// Says `text`, the `id`-th piece of speech of a transcript turn (`turn-<sequence>-<index>`). The same
    /// words of the same turn get the same id on any instance — a session taken over after its instance
    /// died re-numbers turns from the store — so a carrier that drops repeated commands (Telnyx's
    /// `command_id`) says them once. By default, `speak(text)`.
    func speak(_ text: String, id: String) async throws
    func transfer(to number: PhoneNumber) async throws
    /// A warm transfer: the caller is put on hold, the person is called and told `summary`, then the
    /// two are bridged (the carrier reports the outcome as `transferResult`). By default a plain transfer.
    func transfer(to number: PhoneNumber, summary: String) async throws
    func hangUp() async throws
    /// The language model's first words for the current turn arrived (for latency stages).
    func modelStarted()
    /// True when the transport times the whole turn itself (media mode: speech in and out are ours);
    /// otherwise the session records the reply's time as the turn (`Telemetry.conversationTurn`).
    var timesTurns: Bool { get }
}

extension CallTransport {
    public func speak(_ text: String, id: String) async throws { try await speak(text) }
    public func transfer(to number: PhoneNumber, summary: String) async throws { try await transfer(to: number) }
    public func modelStarted() {}
    public var timesTurns: Bool { false }
}
