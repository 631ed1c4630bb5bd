import AsyncHTTPClient
import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskWire
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// Telnyx's REST API (`TELNYX_API_BASE`, `Authorization: Bearer TELNYX_API_KEY`): Call Control
/// commands and outbound messages. Every request has a timeout; 5xx, 429 and network errors are retried
/// with backoff, and a call command keeps its `command_id` across retries so Telnyx runs it once.
public struct TelnyxClient: Sendable {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// Telnyx answered with an error it will give again (4xx).
        case rejected(status: Int, message: String)
        /// No usable answer after every retry.
        case unavailable(String)
        /// The request may have been taken (a timeout or a 5xx after it was sent) and was not repeated,
        /// because repeating it could do it twice (a text sent twice).
        case uncertain(String)

        public var description: String {
            switch self {
            case .rejected(let status, let message): "Telnyx rejected the request (\(status)): \(message)"
            case .unavailable(let reason): "Telnyx could not be reached: \(reason)"
            case .uncertain(let reason): "Telnyx may have taken the request, but did not confirm it (\(reason)); not repeated"
            }
        }
    }

    /// When a failed attempt may be tried again.
    enum Retry {
        /// The request carries an id the provider deduplicates (`command_id`): after any failure.
        case always
        /// Only when the request cannot have been taken: it never reached Telnyx (no connection) or
        /// Telnyx said so (429). A timeout or a 5xx after sending is reported as `uncertain`.
        case onlyWhenNotTaken
    }

    package let baseURL: URL
    /// `baseURL` as text without a trailing slash, and the authorization header (`Bearer` the API key): made once.
    private let base: String
    private let authorization: String
    let http: HTTPClient
    /// Per attempt.
    let timeout: TimeAmount
    /// Waits before the second, third … attempt.
    let backoff: [Duration]

    public init(
        apiKey: String, baseURL: URL, http: HTTPClient = .shared, timeout: TimeAmount = .seconds(5),
        backoff: [Duration] = [.milliseconds(200), .milliseconds(800), .seconds(2)]
    ) {
        self.baseURL = baseURL
        let text = baseURL.absoluteString
        base = text.hasSuffix("/") ? String(text.dropLast()) : text
        authorization = "Bearer \(apiKey)"
        self.http = http
        self.timeout = timeout
        self.backoff = backoff
    }

    /// `POST /calls/{call_control_id}/actions/{action}` with `command_id` (idempotent retries) and an
    /// optional `client_state` (base64 of `clientState`). The default `commandId` is 128 random bits in
    /// hex (Foundation's `UUID()` opened `/dev/urandom` per call: 1.5 % of the server on the webhook benchmark).
    public func command(
        _ action: String, callControlId: String, _ body: [String: JSONValue] = [:], clientState: String? = nil,
        commandId: String = RandomToken.hex(bytes: 16)
    ) async throws(Failure) {
        var body = body
        body["command_id"] = .string(commandId)
        if let clientState { body["client_state"] = .string(Data(clientState.utf8).base64EncodedString()) }
        let id = callControlId.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? callControlId
        _ = try await timed(action) { () async throws(Failure) in try await post("calls/\(id)/actions/\(action)", body) }
    }

    /// `POST /messages`; returns Telnyx's message id. The request carries an `Idempotency-Key` (the same
    /// on every attempt, with a byte-identical body), and is tried again only when it cannot have been
    /// taken — a text is never sent twice by a retry.
    public func sendMessage(
        from: String, to: String, text: String, idempotencyKey: String = RandomToken.hex(bytes: 16)
    ) async throws(Failure) -> String? {
        let answer = try await timed("messages") { () async throws(Failure) in
            try await post(
                "messages", ["from": .string(from), "to": .string(to), "text": .string(text)], idempotencyKey: idempotencyKey,
                retry: .onlyWhenNotTaken)
        }
        return answer["data"]?["id"]?.text
    }

    /// `POST /calls` (Dial): an outbound call from `from` to `to` on the Call Control application
    /// `connectionId`; returns the new call's `call_control_id`. Tried again only when it cannot have
    /// been taken — a person is never rung twice by a retry.
    public func dial(
        connectionId: String, from: String, to: String, clientState: String, machineDetection: String?, timeoutSecs: Int = 30
    ) async throws(Failure) -> String {
        var body: [String: JSONValue] = [
            "connection_id": .string(connectionId), "from": .string(from), "to": .string(to),
            "client_state": .string(Data(clientState.utf8).base64EncodedString()), "timeout_secs": .number(Double(timeoutSecs)),
        ]
        if let machineDetection { body["answering_machine_detection"] = .string(machineDetection) }
        let answer = try await timed("dial") { () async throws(Failure) in try await post("calls", body, retry: .onlyWhenNotTaken) }
        guard let id = answer["data"]?["call_control_id"]?.text, !id.isEmpty else {
            throw .uncertain("the dial answer has no call_control_id")
        }
        return id
    }

    /// One request's time (its retries included) and outcome, as `frontdesk_provider_request_seconds{provider="telnyx"}`.
    private func timed(_ operation: String, _ body: () async throws(Failure) -> JSONValue) async throws(Failure) -> JSONValue {
        let started = ContinuousClock.now
        do {
            let answer = try await body()
            Telemetry.providerRequest(provider: "telnyx", operation: operation, .now - started, failed: false)
            return answer
        } catch {
            Telemetry.providerRequest(provider: "telnyx", operation: operation, .now - started, failed: true)
            throw error
        }
    }

    /// A failure that happened before the request could reach Telnyx (nothing was sent).
    static func neverSent(_ error: any Error) -> Bool {
        if error is NIOConnectionError { return true }
        if let error = error as? HTTPClientError, error == .connectTimeout { return true }
        if let error = error as? IOError, [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH].contains(error.errnoCode) { return true }
        return false
    }

    private func post(
        _ path: String, _ body: [String: JSONValue], idempotencyKey: String? = nil, retry: Retry = .always
    ) async throws(Failure) -> JSONValue {
        var writer = JSONWriter(capacity: 512)
        do { try JSONValue.object(body).writeJSON(to: &writer) } catch { throw .unavailable("the request could not be encoded") }
        let bytes = writer.bytes
        var lastProblem = ""
        for attempt in 0...backoff.count {
            if attempt > 0 {
                try? await Task.sleep(for: backoff[attempt - 1])
                if Task.isCancelled { break }
            }
            // `path` is escaped already (the call control id); nothing is escaped twice.
            var request = HTTPClientRequest(url: base + "/" + path)
            request.method = .POST
            request.headers.add(name: "Authorization", value: authorization)
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Accept", value: "application/json")
            if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
            request.body = .bytes(ByteBuffer(bytes: bytes))
            do {
                let response = try await http.execute(request, timeout: timeout)
                let answer = try await response.body.collect(upTo: 1 << 20)
                let status = Int(response.status.code)
                if (200..<300).contains(status) {
                    return (try? JSONParser.parse(answer.readableBytesView)) ?? .null
                }
                let message = String(buffer: answer).prefix(300)
                if status == 429 || (status >= 500 && retry == .always) {
                    lastProblem = "HTTP \(status) \(message)"
                    continue
                }
                if status >= 500 { throw Failure.uncertain("HTTP \(status) \(message)") }
                throw Failure.rejected(status: status, message: String(message))
            } catch let failure as Failure {
                throw failure
            } catch {
                if retry == .onlyWhenNotTaken, !Self.neverSent(error) { throw .uncertain("\(error)") }
                lastProblem = "\(error)"
            }
        }
        throw .unavailable(lastProblem)
    }
}

/// A live call on Telnyx Call Control (provider-speech mode): the runtime's words become `speak`
/// commands, and transfers and hang-ups their commands.
struct TelnyxCallTransport: CallTransport {
    let client: TelnyxClient
    let callControlId: String
    let voice: String
    let language: String
    /// The number the caller dialled (the caller id shown on a transfer).
    let agentNumber: String?

    func speak(_ text: String) async throws {
        try await client.command(
            "speak", callControlId: callControlId,
            ["payload": .string(text), "voice": .string(voice), "language": .string(language), "payload_type": .string("text")],
            clientState: "speak")
    }

    /// With `command_id` `speak-<id>`: when an instance that took the call over says a turn the dead one
    /// already sent, Telnyx drops the repeat and the caller hears it once.
    func speak(_ text: String, id: String) async throws {
        try await client.command(
            "speak", callControlId: callControlId,
            ["payload": .string(text), "voice": .string(voice), "language": .string(language), "payload_type": .string("text")],
            clientState: "speak", commandId: "speak-" + id)
    }

    /// Warm transfers (nil: a plain `transfer`).
    var warm: TelnyxWarmTransfer? = nil

    func transfer(to number: PhoneNumber) async throws {
        var body: [String: JSONValue] = ["to": .string(number.e164), "timeout_secs": .number(30)]
        if let agentNumber { body["from"] = .string(agentNumber) }
        try await client.command("transfer", callControlId: callControlId, body, clientState: "transfer")
    }

    func transfer(to number: PhoneNumber, summary: String) async throws {
        guard let warm else { return try await transfer(to: number) }
        try await warm.start(client: client, callerLeg: callControlId, to: number, from: agentNumber)
    }

    func hangUp() async throws {
        try await client.command("hangup", callControlId: callControlId, clientState: "hangup")
    }
}

/// SMS out through Telnyx (`POST /messages`), selected when `TELNYX_API_KEY` is set.
package struct TelnyxSMSSender: MessageSender {
    let client: TelnyxClient

    package init(client: TelnyxClient) {
        self.client = client
    }
    package let providerName = "telnyx"

    package func send(_ message: OutboundMessage) async throws -> SendReceipt {
        guard let from = message.from else { throw TelnyxClient.Failure.rejected(status: 422, message: "no from number") }
        let key = message.idempotencyKey ?? RandomToken.hex(bytes: 16)
        let outcome: Result<String?, TelnyxClient.Failure>
        do {
            outcome = .success(try await client.sendMessage(from: from, to: message.to, text: message.body, idempotencyKey: key))
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case .success(let id): return SendReceipt(status: .queued, providerMessageId: id)
        case .failure(.uncertain(let reason)): throw MessageSendError.uncertain(reason)
        case .failure(let failure): throw failure
        }
    }
}

/// Outbound calls through Telnyx Call Control (`TELNYX_API_KEY` and `TELNYX_CONNECTION_ID`). With machine
/// detection the dial asks for `greeting_end`: Telnyx reports `call.machine.detection.ended` (human or
/// machine) and, for a machine, `call.machine.greeting.ended` when its greeting (or beep) is over.
package struct TelnyxDialer: OutboundDialer {
    let client: TelnyxClient
    let connectionId: String

    package init(client: TelnyxClient, connectionId: String) {
        self.client = client
        self.connectionId = connectionId
    }

    package var provider: String { TelnyxEventHandler.provider }

    package func dial(_ dial: OutboundDial) async throws -> String {
        try await client.dial(
            connectionId: connectionId, from: dial.from.e164, to: dial.to.e164, clientState: dial.clientState,
            machineDetection: dial.detectMachine ? "greeting_end" : nil)
    }
}

/// A warm transfer on Telnyx Call Control: the caller's leg plays hold audio while the person is dialled
/// (`client_state` `warm:<caller's call_control_id>`); when they answer they hear the summary, then the
/// legs are bridged (`TelnyxEventHandler` carries out those steps as the events come).
package struct TelnyxWarmTransfer: Sendable {
    /// The Call Control application the person is dialled on.
    let connectionId: String
    /// What the caller hears meanwhile (looped).
    let holdAudioURL: String

    package init(connectionId: String, holdAudioURL: String) {
        self.connectionId = connectionId
        self.holdAudioURL = holdAudioURL
    }

    static let statePrefix = "warm:"

    /// The caller's leg a person's leg belongs to, from the person's `client_state`.
    static func callerLeg(_ clientState: String?) -> String? {
        guard let state = clientState, state.hasPrefix(statePrefix), state.count > statePrefix.count else { return nil }
        return String(state.dropFirst(statePrefix.count))
    }

    func start(client: TelnyxClient, callerLeg: String, to number: PhoneNumber, from: String?) async throws {
        try await client.command(
            "playback_start", callControlId: callerLeg, ["audio_url": .string(holdAudioURL), "loop": .string("infinity")],
            clientState: "hold")
        do {
            _ = try await client.dial(
                connectionId: connectionId, from: from ?? number.e164, to: number.e164, clientState: Self.statePrefix + callerLeg,
                machineDetection: nil)
        } catch {
            try? await client.command("playback_stop", callControlId: callerLeg, clientState: "agent")
            throw error
        }
    }
}
