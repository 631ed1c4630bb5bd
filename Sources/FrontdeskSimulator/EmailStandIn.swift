import Foundation
import FrontdeskWire
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A local e-mail API speaking Postmark's (`POST /email`, `X-Postmark-Server-Token`), Resend's
/// (`POST /emails`, `Authorization: Bearer`, `Idempotency-Key`) and SendGrid's (`POST /v3/mail/send`,
/// `202` with `X-Message-Id`) wire formats: checks the key and the fields each requires, answers as the
/// provider does, and keeps what it accepted. `fail(next:status:)` makes the next requests fail.
public final class EmailStandIn: Sendable {
    public struct Received: Sendable {
        public let provider: String
        public let to: [String]
        public let from: String
        public let subject: String
        public let text: String
        public let idempotencyKey: String?
        public let id: String
    }

    public let port: Int
    public let apiKey: String
    private let task: Task<Void, any Error>
    private let state: Mutex<(accepted: [Received], failures: [Int], requests: Int)>

    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }
    public var accepted: [Received] { state.withLock { $0.accepted } }
    /// Every request, accepted or not.
    public var requests: Int { state.withLock { $0.requests } }

    /// The next `count` requests are answered `status` (a 5xx after reading the request, or 429).
    public func fail(next count: Int, status: Int) {
        state.withLock { $0.failures += Array(repeating: status, count: count) }
    }

    public func stop() { task.cancel() }

    private init(port: Int, apiKey: String, task: Task<Void, any Error>) {
        self.port = port
        self.apiKey = apiKey
        self.task = task
        self.state = Mutex(([], [], 0))
    }

    public static func start(apiKey: String = "email-test-key") async throws -> EmailStandIn {
        let holder = StateHolder()
        let router = Router()
        router.post("email") { request, _ in try await holder.handle(request, provider: "postmark", apiKey: apiKey) }
        router.post("emails") { request, _ in try await holder.handle(request, provider: "resend", apiKey: apiKey) }
        router.post("v3/mail/send") { request, _ in try await holder.handle(request, provider: "sendgrid", apiKey: apiKey) }
        let (port, task) = try await LoopbackServer.start(router, name: "email-stand-in")
        let standIn = EmailStandIn(port: port, apiKey: apiKey, task: task)
        holder.owner.withLock { $0 = standIn }
        return standIn
    }

    /// Lets the routes reach the stand-in made after them.
    final class StateHolder: Sendable {
        let owner = Mutex<EmailStandIn?>(nil)

        func handle(_ request: Request, provider: String, apiKey: String) async throws -> Response {
            let body = try await request.body.collect(upTo: 1 << 20)
            guard let standIn = owner.withLock({ $0 }) else { return Self.json(.serviceUnavailable, [:]) }
            return standIn.answer(request, body: body, provider: provider)
        }

        static func json(_ status: HTTPResponse.Status, _ value: JSONValue, headers: HTTPFields = [:]) -> Response {
            var writer = JSONWriter(capacity: 256)
            try? value.writeJSON(to: &writer)
            var fields = headers
            fields[.contentType] = "application/json"
            return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: writer.bytes)))
        }
    }

    func answer(_ request: Request, body: ByteBuffer, provider: String) -> Response {
        let failure: Int? = state.withLock { state in
            state.requests += 1
            return state.failures.isEmpty ? nil : state.failures.removeFirst()
        }
        if let failure { return StateHolder.json(HTTPResponse.Status(code: failure), ["message": "stand-in failure"]) }
        let key: String? =
            provider == "postmark"
            ? request.headers[HTTPField.Name("X-Postmark-Server-Token")!]
            : request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        guard key == apiKey else {
            return provider == "postmark"
                ? StateHolder.json(.unauthorized, ["ErrorCode": 10, "Message": "Request does not contain a valid Server token."])
                : StateHolder.json(.unauthorized, ["message": "API key is invalid"])
        }
        guard let json = try? JSONParser.parse(body.readableBytesView) else {
            return StateHolder.json(.badRequest, ["message": "body is not JSON"])
        }
        let id = UUID().uuidString.lowercased()
        let received: Received
        switch provider {
        case "postmark":
            guard let from = json["From"]?.text, let to = json["To"]?.text, let text = json["TextBody"]?.text ?? json["HtmlBody"]?.text else {
                return StateHolder.json(.unprocessableContent, ["ErrorCode": 300, "Message": "Invalid email request"])
            }
            received = Received(provider: provider, to: [to], from: from, subject: json["Subject"]?.text ?? "", text: text, idempotencyKey: nil, id: id)
        case "resend":
            let to = json["to"]?.array?.compactMap(\.text) ?? json["to"]?.text.map { [$0] } ?? []
            guard let from = json["from"]?.text, !to.isEmpty, let subject = json["subject"]?.text, let text = json["text"]?.text ?? json["html"]?.text
            else { return StateHolder.json(.unprocessableContent, ["name": "validation_error", "message": "Missing required field"]) }
            let idempotency = request.headers[HTTPField.Name("Idempotency-Key")!]
            if let idempotency, let earlier = state.withLock({ $0.accepted.first { $0.idempotencyKey == idempotency } }) {
                return StateHolder.json(.ok, ["id": .string(earlier.id)])
            }
            received = Received(provider: provider, to: to, from: from, subject: subject, text: text, idempotencyKey: idempotency, id: id)
        default:
            let to = json["personalizations"]?.array?.first?["to"]?.array?.compactMap { $0["email"]?.text } ?? []
            guard let from = json["from"]?["email"]?.text, !to.isEmpty, let subject = json["subject"]?.text,
                let text = json["content"]?.array?.first?["value"]?.text
            else { return StateHolder.json(.badRequest, ["errors": [["message": "missing field", "field": "personalizations"]]]) }
            received = Received(provider: provider, to: to, from: from, subject: subject, text: text, idempotencyKey: nil, id: id)
        }
        state.withLock { $0.accepted.append(received) }
        switch provider {
        case "postmark":
            return StateHolder.json(
                .ok, ["To": .string(received.to[0]), "SubmittedAt": .string(InstantText.format(Date())), "MessageID": .string(id), "ErrorCode": 0, "Message": "OK"])
        case "resend":
            return StateHolder.json(.ok, ["id": .string(id)])
        default:
            return Response(status: .accepted, headers: [HTTPField.Name("X-Message-Id")!: id])
        }
    }
}
