import Crypto
import Foundation
import FrontdeskCore
import FrontdeskProviders
@testable import FrontdeskServer
import FrontdeskWire

/// Webhook bodies as the providers post them. An input is `header line \n second line \n body`: the
/// lines go to the signature checks as header values, the body to the parser.
enum FuzzWebhooks {
    static let now = Date(timeIntervalSince1970: 1_764_000_000)
    static let telnyxKey = try! TelnyxSignatureVerifier(publicKey: Data(base64Encoded: Curve25519.Signing.PrivateKey(rawRepresentation: Data(repeating: 7, count: 32)).publicKey.rawRepresentation.base64EncodedString())!)
    static let twilio = TwilioSignatureVerifier(authToken: "fuzz-auth-token")
    static let retellKey = RetellSignatureVerifier(apiKey: "fuzz-api-key")

    static func split(_ bytes: UnsafeRawBufferPointer) -> (first: String, second: String, body: [UInt8]) {
        let all = Array(bytes)
        let lines = all.split(separator: 0x0A, maxSplits: 2, omittingEmptySubsequences: false)
        let text = { (index: Int) in index < lines.count ? String(decoding: lines[index], as: UTF8.self) : "" }
        return (text(0), text(1), lines.count > 2 ? Array(lines[2]) : [])
    }

    static func telnyx(_ bytes: UnsafeRawBufferPointer) {
        let (signature, timestamp, body) = split(bytes)
        do {
            try telnyxKey.verify(body: body, signature: signature, timestamp: timestamp, now: now)
            fuzzCheck(false, "an unsigned body verified")
        } catch {}
        guard let event = try? TelnyxEvent.parse(Data(body)) else { return }
        fuzzCheck(!event.id.isEmpty && !event.type.isEmpty, "an event without an id or a type")
        for key in ["call_control_id", "direction", "digit", "hangup_cause", "text", "id", "status"] { _ = event.string(key) }
        _ = event.clientState
        for key in ["from", "to"] { _ = event.phone(key).flatMap(PhoneNumber.init) }
        _ = event.payload["to"]?.array?.first?["status"]?.text
        _ = event.payload["errors"]?.array?.first?["detail"]?.text
        _ = event.payload["transcription_data"]?["transcript"]?.text
    }

    static func twilio(_ bytes: UnsafeRawBufferPointer) {
        let (signature, given, body) = split(bytes)
        let parameters = FormBody.parse(Data(body))
        fuzzCheck(!twilio.isValid(signature, url: given, parameters: parameters), "an unsigned form verified")
        // What the simulator and the tests sign with is what the verifier accepts.
        let url = given.isEmpty ? "https://example.com/api/twilio/voice" : given
        fuzzCheck(twilio.isValid(twilio.signature(url: url, parameters: parameters), url: url, parameters: parameters),
            "a form signed by the verifier's own key did not verify (url \(url.debugDescription))")
        let form = Dictionary(parameters, uniquingKeysWith: { first, _ in first })
        for key in ["From", "To"] { _ = form[key].flatMap(PhoneNumber.init) }
        // The form writes back and reads again as the same parameters.
        let again = FormBody.parse(Data(FormBody.encode(parameters).utf8))
        fuzzCheck(again.map(\.0) == parameters.map(\.0) && again.map(\.1) == parameters.map(\.1), "the form did not round-trip")
    }

    static func retell(_ bytes: UnsafeRawBufferPointer) {
        let (header, _, body) = split(bytes)
        do {
            try retellKey.verify(body: body, header: header, now: now)
            fuzzCheck(false, "an unsigned body verified")
        } catch {}
        fuzzCheck((try? retellKey.verify(body: body, header: retellKey.sign(body: body, at: now), now: now)) != nil, "a signed body did not verify")
        guard let event = try? RetellEvent.parse(Data(body)) else { return }
        fuzzCheck(!event.event.isEmpty && !event.dedupeId.isEmpty, "an event without a name or a dedupe id")
        for key in ["to_number", "from_number", "direction", "disconnection_reason", "recording_url", "outcome"] { _ = event.string(key) }
        // What the call_ended handler does with them: a length in seconds, and end minus start.
        if let seconds = event.seconds("duration_ms") { fuzzCheck((0...604_800).contains(seconds), "a call length of \(seconds) s") }
        if let start = event.instant("start_timestamp"), let end = event.instant("end_timestamp") {
            _ = max(0, Int(end.timeIntervalSince(start).rounded()))
        }
        _ = event.turns
    }
}
