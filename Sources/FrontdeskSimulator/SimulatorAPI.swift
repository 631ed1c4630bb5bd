import AsyncHTTPClient
import Foundation
import FrontdeskCore
import FrontdeskProviders
import NIOCore
import NIOHTTP1

/// The simulator's HTTP side: the JSON API with a bearer token, and Telnyx events signed like Telnyx
/// signs them — against the in-process server or a running instance (`--server`).
struct SimulatorAPI: Sendable {
    struct Answer: @unchecked Sendable {
        let status: Int
        let json: [String: Any]
        var data: [String: Any] { json["data"] as? [String: Any] ?? [:] }
        func list(_ key: String) -> [[String: Any]] { data[key] as? [[String: Any]] ?? [] }
        var problem: String { (json["error"] as? String).map { "\(status) \($0)" } ?? "HTTP \(status)" }
    }

    let baseURL: URL
    let signer: TelnyxSigner
    /// Twilio's side: the auth token's signer and the public URL the server checks signatures against.
    var twilio = TwilioSignatureVerifier(authToken: ScenarioRunner.twilioAuthToken)
    var publicBase: String
    /// The time the signature carries (the simulator's clock in process, the real one otherwise).
    let now: @Sendable () -> Date
    var token: String?

    func call(_ method: HTTPMethod, _ path: String, json: Any? = nil) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL.absoluteString + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
        }
        return try await send(request)
    }

    /// Posts a Telnyx event (`{data: {event_type, id, payload}, meta}`), signed.
    @discardableResult
    func telnyx(_ type: String, _ payload: [String: Any], path: String = "/api/webrtc/webhook") async throws -> Answer {
        let envelope: [String: Any] = [
            "data": ["record_type": "event", "event_type": type, "id": UUID().uuidString.lowercased(),
                     "occurred_at": ISO8601DateFormatter().string(from: now()), "payload": payload],
            "meta": ["attempt": 1, "delivered_to": baseURL.absoluteString + path],
        ]
        let body = try JSONSerialization.data(withJSONObject: envelope)
        let signed = try signer.headers(for: body, at: now())
        var request = HTTPClientRequest(url: baseURL.absoluteString + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "telnyx-signature-ed25519", value: signed.signature)
        request.headers.add(name: "telnyx-timestamp", value: signed.timestamp)
        request.body = .bytes(ByteBuffer(bytes: body))
        let answer = try await send(request)
        guard answer.status == 200 else {
            throw SimulatorError("the server refused a signed \(type) event: \(answer.problem)"
                + (answer.status == 401 ? " — is TELNYX_PUBLIC_KEY set to the simulator's key?" : ""))
        }
        return answer
    }

    /// Retell's side: the API key its webhooks are signed with.
    var retell = RetellSignatureVerifier(apiKey: ScenarioRunner.retellAPIKey)

    /// Posts a Retell webhook, signed.
    func retell(_ body: [String: Any]) async throws {
        let data = try JSONSerialization.data(withJSONObject: body)
        var request = HTTPClientRequest(url: baseURL.absoluteString + "/api/retell/webhook")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "x-retell-signature", value: retell.sign(body: data, at: now()))
        request.body = .bytes(ByteBuffer(bytes: data))
        let answer = try await send(request)
        guard answer.status == 200 else {
            throw SimulatorError("the server refused a signed Retell webhook: \(answer.problem)"
                + (answer.status == 401 ? " — is RETELL_API_KEY set as --print-server-env says?" : ""))
        }
    }

    /// Posts a Twilio form, signed; returns the TwiML.
    func twilio(_ path: String, _ parameters: [(String, String)]) async throws -> String {
        var request = HTTPClientRequest(url: baseURL.absoluteString + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "X-Twilio-Signature", value: twilio.signature(url: publicBase + path, parameters: parameters))
        request.body = .bytes(ByteBuffer(string: FormBody.encode(parameters)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
        guard response.status == .ok else {
            throw SimulatorError("the server refused a signed Twilio request to \(path): HTTP \(response.status.code) \(body.prefix(200))"
                + (response.status.code == 401 ? " — are TWILIO_AUTH_TOKEN and FRONTDESK_PUBLIC_URL set as --print-server-env says?" : ""))
        }
        return body
    }

    private func send(_ request: HTTPClientRequest) async throws -> Answer {
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 8 << 20)
        let json = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
        return Answer(status: Int(response.status.code), json: json)
    }

    static func query(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }
}
