import AsyncHTTPClient
import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskWire
import NIOCore
import NIOHTTP1

/// Transactional e-mail through an HTTP API — Postmark, Resend or SendGrid (`EMAIL_PROVIDER`,
/// `EMAIL_API_KEY`, `EMAIL_FROM`, `EMAIL_API_BASE`). One request per message with a timeout; a request
/// that cannot have been taken (no connection, 429) is tried again, one that may have been (a timeout
/// or a 5xx after sending) is reported `uncertain` and never repeated, so no e-mail goes twice. Resend
/// also gets an `Idempotency-Key` (the message's), which it deduplicates for 24 hours.
package struct HTTPEmailSender: MessageSender {
    package enum Provider: String, Sendable, CaseIterable {
        case postmark, resend, sendgrid

        package var defaultBase: URL {
            switch self {
            case .postmark: URL(string: "https://api.postmarkapp.com")!
            case .resend: URL(string: "https://api.resend.com")!
            case .sendgrid: URL(string: "https://api.sendgrid.com")!
            }
        }

        /// Where a message is posted, under the base.
        var path: String {
            switch self {
            case .postmark: "/email"
            case .resend: "/emails"
            case .sendgrid: "/v3/mail/send"
            }
        }
    }

    package enum Failure: Error, Equatable, CustomStringConvertible {
        case rejected(status: Int, message: String)
        case unavailable(String)

        package var description: String {
            switch self {
            case .rejected(let status, let message): "the e-mail provider refused the message (\(status)): \(message)"
            case .unavailable(let reason): "the e-mail provider could not be reached: \(reason)"
            }
        }
    }

    let provider: Provider
    let apiKey: String
    /// The sender address (`EMAIL_FROM`), e.g. `Frontdesk <frontdesk@example.com>`.
    let from: String
    private let url: String
    let http: HTTPClient
    let timeout: TimeAmount
    let backoff: [Duration]

    package var providerName: String { provider.rawValue }

    package init(
        provider: Provider, apiKey: String, from: String, baseURL: URL? = nil, http: HTTPClient = .shared, timeout: TimeAmount = .seconds(10),
        backoff: [Duration] = [.milliseconds(300), .seconds(1)]
    ) {
        self.provider = provider
        self.apiKey = apiKey
        self.from = from
        let base = (baseURL ?? provider.defaultBase).absoluteString
        url = (base.hasSuffix("/") ? String(base.dropLast()) : base) + provider.path
        self.http = http
        self.timeout = timeout
        self.backoff = backoff
    }

    /// The provider's JSON for one plain-text message.
    func body(_ message: OutboundMessage) -> JSONValue {
        let subject = JSONValue.string(message.subject ?? "")
        let text = JSONValue.string(message.body)
        switch provider {
        case .postmark:
            return ["From": .string(from), "To": .string(message.to), "Subject": subject, "TextBody": text, "MessageStream": "outbound"]
        case .resend:
            return ["from": .string(from), "to": [.string(message.to)], "subject": subject, "text": text]
        case .sendgrid:
            let sender = Self.address(from)
            var fromObject: [String: JSONValue] = ["email": .string(sender.email)]
            if let name = sender.name { fromObject["name"] = .string(name) }
            return [
                "personalizations": [["to": [["email": .string(message.to)]]]], "from": .object(fromObject), "subject": subject,
                "content": [["type": "text/plain", "value": text]],
            ]
        }
    }

    /// `Name <email>` → (email, name); a bare address → (address, nil).
    package static func address(_ text: String) -> (email: String, name: String?) {
        guard let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close else {
            return (text.trimmingWhitespace(), nil)
        }
        let name = text[..<open].trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\"")))
        return (String(text[text.index(after: open)..<close]).trimmingWhitespace(), name.isEmpty ? nil : name)
    }

    package func send(_ message: OutboundMessage) async throws -> SendReceipt {
        var writer = JSONWriter(capacity: 1024)
        try body(message).writeJSON(to: &writer)
        let bytes = writer.bytes
        var lastProblem = ""
        let started = ContinuousClock.now
        for attempt in 0...backoff.count {
            if attempt > 0 {
                try? await Task.sleep(for: backoff[attempt - 1])
                if Task.isCancelled { break }
            }
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Accept", value: "application/json")
            switch provider {
            case .postmark: request.headers.add(name: "X-Postmark-Server-Token", value: apiKey)
            case .resend, .sendgrid: request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
            }
            if provider == .resend, let key = message.idempotencyKey { request.headers.add(name: "Idempotency-Key", value: key) }
            request.body = .bytes(ByteBuffer(bytes: bytes))
            let response: HTTPClientResponse
            let answer: ByteBuffer
            do {
                response = try await http.execute(request, timeout: timeout)
                answer = try await response.body.collect(upTo: 1 << 20)
            } catch {
                guard TelnyxClient.neverSent(error) else {
                    Telemetry.providerRequest(provider: provider.rawValue, operation: "email", .now - started, failed: true)
                    throw MessageSendError.uncertain("\(error)")
                }
                lastProblem = "\(error)"
                continue
            }
            let status = Int(response.status.code)
            if (200..<300).contains(status) {
                Telemetry.providerRequest(provider: provider.rawValue, operation: "email", .now - started, failed: false)
                let json = try? JSONParser.parse(answer.readableBytesView)
                let id: String? =
                    switch provider {
                    case .postmark: json?["MessageID"]?.text
                    case .resend: json?["id"]?.text
                    case .sendgrid: response.headers.first(name: "X-Message-Id")
                    }
                return SendReceipt(status: .sent, providerMessageId: id)
            }
            let text = String(buffer: answer).prefix(300)
            if status == 429 {
                lastProblem = "HTTP 429 \(text)"
                continue
            }
            Telemetry.providerRequest(provider: provider.rawValue, operation: "email", .now - started, failed: true)
            if status >= 500 { throw MessageSendError.uncertain("HTTP \(status) \(text)") }
            throw Failure.rejected(status: status, message: String(text))
        }
        Telemetry.providerRequest(provider: provider.rawValue, operation: "email", .now - started, failed: true)
        throw Failure.unavailable(lastProblem)
    }
}
