/// Where a live call stands.
public enum CallState: String, Sendable, CaseIterable {
    /// Known to us, not answered yet.
    case ringing
    /// The agent is speaking (greeting, reply, prompt).
    case speaking
    /// Waiting for the caller.
    case listening
    /// The engine is working on the caller's words.
    case thinking
    /// Handed to a person; waiting for the result.
    case transferring
    case ended
}

/// Everything that can happen to a live call, from the provider, the caller, the agent or a timer.
public enum CallEvent: Sendable, Equatable {
    case answered
    case callerSaid(String, isFinal: Bool, confidence: Double?)
    case dtmf(String)
    case agentFinishedSpeaking
    case silenceTimeout
    case maxDurationReached
    case transferResult(succeeded: Bool)
    case hangUp(cause: String)
    /// The caller talked over the agent (media mode's barge-in): playback stopped, work on the reply
    /// is abandoned, and `heard` is what the caller actually heard of it.
    case interrupted(heard: String)

    public enum Kind: String, Sendable, CaseIterable {
        case answered, callerSaid, dtmf, agentFinishedSpeaking, silenceTimeout, maxDurationReached, transferResult, hangUp
        case interrupted
    }

    public var kind: Kind {
        switch self {
        case .answered: .answered
        case .callerSaid: .callerSaid
        case .dtmf: .dtmf
        case .agentFinishedSpeaking: .agentFinishedSpeaking
        case .silenceTimeout: .silenceTimeout
        case .maxDurationReached: .maxDurationReached
        case .transferResult: .transferResult
        case .hangUp: .hangUp
        case .interrupted: .interrupted
        }
    }
}

/// Which events each state accepts. Anything else — an event out of order, a duplicate, anything after
/// the end — is ignored (and logged by the session), never a crash.
public enum CallTransitions {
    public static let allowed: [CallState: Set<CallEvent.Kind>] = [
        .ringing: [.answered, .hangUp],
        // A caller may talk over the agent (barge-in) or press keys while it speaks.
        .speaking: [.agentFinishedSpeaking, .callerSaid, .dtmf, .maxDurationReached, .hangUp, .interrupted],
        .listening: [.callerSaid, .dtmf, .silenceTimeout, .maxDurationReached, .hangUp],
        // Words that arrive while the engine thinks are queued by the session as the next turn; sentences
        // the model streamed may finish playing meanwhile.
        .thinking: [.callerSaid, .dtmf, .agentFinishedSpeaking, .maxDurationReached, .hangUp, .interrupted],
        .transferring: [.transferResult, .agentFinishedSpeaking, .hangUp],
        .ended: [],
    ]

    public static func accepts(_ event: CallEvent, in state: CallState) -> Bool {
        allowed[state]?.contains(event.kind) ?? false
    }
}
