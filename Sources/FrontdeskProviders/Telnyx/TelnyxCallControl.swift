import FrontdeskCore
import FrontdeskMedia
import FrontdeskWire

/// Telnyx Call Control for a media-mode call (`transfer`, `hangup` commands).
package struct TelnyxCallControl: CallControl {
    let client: TelnyxClient
    let callControlId: String
    let agentNumber: String?

    package init(client: TelnyxClient, callControlId: String, agentNumber: String? = nil) {
        self.client = client
        self.callControlId = callControlId
        self.agentNumber = agentNumber
    }

    package func transfer(to number: PhoneNumber) async throws {
        var body: [String: JSONValue] = ["to": .string(number.e164)]
        if let agentNumber { body["from"] = .string(agentNumber) }
        try await client.command("transfer", callControlId: callControlId, body, clientState: "agent")
    }

    package func hangUp() async throws {
        try await client.command("hangup", callControlId: callControlId, clientState: "agent")
    }
}
