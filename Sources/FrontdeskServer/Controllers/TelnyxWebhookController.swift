import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskProviders
import FrontdeskStore
import HTTPTypes
import Hummingbird

/// `POST /api/webrtc/webhook` (Telnyx Call Control) and `POST /api/sms/webhook` (Telnyx Messaging).
/// The signature is checked before anything else; the event is stored (deduplicated by `data.id`)
/// before the 2xx, and acted on afterwards by the inbox, so Telnyx gets its answer within milliseconds.
struct TelnyxWebhookController {
    let configuration: AppConfiguration
    let inbox: ProviderInbox
    let acceptor: EventAcceptor
    let now: @Sendable () -> Date
    let verifier: TelnyxSignatureVerifier?

    init(configuration: AppConfiguration, inbox: ProviderInbox, acceptor: EventAcceptor, now: @escaping @Sendable () -> Date) {
        self.configuration = configuration
        self.inbox = inbox
        self.acceptor = acceptor
        self.now = now
        verifier = configuration.telnyxPublicKey.flatMap { try? TelnyxSignatureVerifier(publicKey: $0) }
    }

    static let signatureHeader = HTTPField.Name("telnyx-signature-ed25519")!
    static let timestampHeader = HTTPField.Name("telnyx-timestamp")!

    func addRoutes(voice: RouterGroup<AppRequestContext>, sms: RouterGroup<AppRequestContext>) {
        voice.post("webhook", use: receive)
        sms.post("webhook", use: receive)
    }

    @Sendable func receive(_ request: Request, context: AppRequestContext) async throws -> APIResponse<WebhookReceipt> {
        var request = request
        let body = try await request.collectBody(context: context)
        try verify(body, request.headers)
        let event: TelnyxEvent
        do {
            event = try TelnyxEvent.parse(body)
        } catch let failure as TelnyxEvent.Failure where failure == .notJSON {
            throw AppError(.badRequest, "The body is not a JSON object")
        } catch {
            throw AppError.validation(field: "data.event_type", "is required")
        }
        return APIResponse(try await acceptor.intake(
            PendingProviderEvent(provider: TelnyxEventHandler.provider, eventId: event.id, type: event.type, payload: body),
            into: inbox, key: TelnyxEventHandler.orderingKey(event), parsed: event))
    }

    private func verify(_ body: Data, _ headers: HTTPFields) throws {
        let signature = headers[Self.signatureHeader]
        let timestamp = headers[Self.timestampHeader]
        if signature == nil, timestamp == nil, configuration.insecureWebhooks { return }
        guard let verifier else {
            throw AppError(.webhookSignatureInvalid, "Telnyx webhooks need TELNYX_PUBLIC_KEY to be checked; it is not set")
        }
        do {
            try verifier.verify(body: body, signature: signature, timestamp: timestamp, now: now())
        } catch let failure as TelnyxSignatureVerifier.Failure {
            throw AppError(.webhookSignatureInvalid, failure.description)
        }
    }
}
