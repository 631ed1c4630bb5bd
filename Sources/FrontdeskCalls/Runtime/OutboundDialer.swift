import FrontdeskCore

/// One call to place: who calls whom, and how the carrier reports back.
package struct OutboundDial: Sendable, Equatable {
    /// Our record of the call (the carrier echoes it back in its events).
    package var callId: CallID
    /// The caller id shown to the callee: the business's number.
    package var from: PhoneNumber
    package var to: PhoneNumber
    /// Ask the carrier to tell a person from an answering machine (and to report its beep).
    package var detectMachine: Bool

    package init(callId: CallID, from: PhoneNumber, to: PhoneNumber, detectMachine: Bool) {
        self.callId = callId
        self.from = from
        self.to = to
        self.detectMachine = detectMachine
    }

    /// What the carrier carries in its events until the first command sets another: `outbound:<call id>`,
    /// with `:amd` when the answer waits for the machine decision.
    package var clientState: String { "outbound:\(callId.rawValue)" + (detectMachine ? ":amd" : "") }

    /// The call and whether it waits for the machine decision, from a `client_state` (nil: not one of ours).
    package static func parse(clientState: String?) -> (call: CallID, detectMachine: Bool)? {
        guard let state = clientState, state.hasPrefix("outbound:") else { return nil }
        let parts = state.split(separator: ":")
        guard parts.count >= 2, parts[1].hasPrefix(CallTag.idPrefix) else { return nil }
        return (CallID(rawValue: String(parts[1])), parts.count > 2 && parts[2] == "amd")
    }
}

/// Places outbound calls through a carrier (Telnyx Call Control's `POST /calls`).
package protocol OutboundDialer: Sendable {
    /// The carrier's name as calls record it (`telnyx`).
    var provider: String { get }
    /// Dials; returns the carrier's id for the call. Never dials twice for one request: a failure that
    /// may have reached the carrier is reported, not retried.
    func dial(_ dial: OutboundDial) async throws -> String
}
