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
    let services: AppServices
    let verifier: RetellSignatureVerifier?

    init(services: AppServices) {
        self.services = services
        verifier = services.configuration.retellAPIKey.map(RetellSignatureVerifier.init(apiKey:))
    }

    static let signatureHeader = HTTPField.Name("x-retell-signature")!

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("webhook", use: receive)
    }

    @Sendable func receive(_ request: Request, context: AppRequestContext) async throws -> APIResponse<WebhookReceipt> {
        var request = request
        let body = try await request.collectBody(context: context)
        let header = request.headers[Self.signatureHeader]
        if !(header == nil && services.configuration.insecureWebhooks) {
            guard let verifier else {
                throw AppError(.webhookSignatureInvalid, "Retell webhooks need RETELL_API_KEY to be checked; it is not set")
            }
            do {
                try verifier.verify(body: body, header: header, now: services.now())
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
        return APIResponse(try await services.acceptor.intake(
            PendingProviderEvent(provider: RetellEventHandler.provider, eventId: event.dedupeId, type: event.event, payload: body),
            into: services.inbox, key: RetellEventHandler.orderingKey(event), parsed: event))
    }
}
