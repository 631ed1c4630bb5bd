import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskProviders
import FrontdeskStore
import HTTPTypes
import Hummingbird

/// `POST /api/retell/webhook`: `x-retell-signature` checked first, the event stored (deduplicated by
/// event and call) before the 2xx, and acted on afterwards by the inbox.
struct RetellWebhookController {
    let configuration: AppConfiguration
    let inbox: ProviderInbox
    let acceptor: EventAcceptor
    let now: @Sendable () -> Date
    let verifier: RetellSignatureVerifier?

    init(configuration: AppConfiguration, inbox: ProviderInbox, acceptor: EventAcceptor, now: @escaping @Sendable () -> Date) {
        self.configuration = configuration
        self.inbox = inbox
        self.acceptor = acceptor
        self.now = now
        verifier = configuration.retellAPIKey.map(RetellSignatureVerifier.init(apiKey:))
    }

    static let signatureHeader = HTTPField.Name("x-retell-signature")!

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("webhook", use: receive)
    }

    @Sendable func receive(_ request: Request, context: AppRequestContext) async throws -> APIResponse<WebhookReceipt> {
        var request = request
        let body = try await request.collectBody(context: context)
        let header = request.headers[Self.signatureHeader]
        if !(header == nil && configuration.insecureWebhooks) {
            guard let verifier else {
                throw AppError(.webhookSignatureInvalid, "Retell webhooks need RETELL_API_KEY to be checked; it is not set")
            }
            do {
                try verifier.verify(body: body, header: header, now: now())
            } catch let failure as RetellSignatureVerifier.Failure {
                throw AppError(.webhookSignatureInvalid, failure.description)
            }
        }
        let event: RetellEvent
        do {
            event = try RetellEvent.parse(body)
        } catch let failure as RetellEvent.Failure where failure == .notJSON {
            throw AppError(.badRequest, "The body is not a JSON object")
        } catch {
            throw AppError.validation(field: "event", "is required")
        }
        return APIResponse(try await acceptor.intake(
            PendingProviderEvent(provider: RetellEventHandler.provider, eventId: event.dedupeId, type: event.event, payload: body),
            into: inbox, key: RetellEventHandler.orderingKey(event), parsed: event))
    }
}
