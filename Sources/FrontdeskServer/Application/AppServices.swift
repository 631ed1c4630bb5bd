import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskMedia
import FrontdeskProviders
import FrontdeskStore

/// What the controllers share: storage, tokens, hashing, messaging, the clock.
struct AppServices: Sendable {
    let configuration: AppConfiguration
    let store: Store
    let tokens: TokenService
    let passwords: PasswordHasher
    let messenger: Messenger
    let conversations: ConversationService
    let calls: CallRuntime
    /// Accepted provider events, acted on after the webhook answered.
    let inbox: ProviderInbox
    /// Writes accepted provider events before their 2xx (group commit).
    let acceptor: EventAcceptor
    /// Telnyx's REST API, when `TELNYX_API_KEY` is set.
    let telnyx: TelnyxClient?
    /// Media mode: speech-to-text, text-to-speech and the stream settings.
    let speech: MediaSpeech
    /// Encodes finished calls' recordings (nil: calls are not recorded).
    let recordings: RecordingEncoder?
    /// The tokens media streams must present.
    let mediaTokens: MediaStreamTokens
    /// Transfers decided on Twilio media streams, collected by the TwiML that follows the stream.
    let twilioStreams: TwilioStreams
    /// Media streams across the process (health, benchmarks).
    let mediaTotals = MediaTotals()
    /// Failed logins per account, and the growing wait after them.
    let loginThrottle = LoginThrottle()
    let now: @Sendable () -> Date
    /// When this process started (for uptime).
    let startedAt: Date

    /// Texts from any provider: stored, then answered.
    var texts: InboundTexts { InboundTexts(store: store, calls: calls, conversations: conversations, now: now) }
    var tenancy: Tenancy { Tenancy(store: store) }
    var idempotency: Idempotency { Idempotency(store: store, now: now) }

    /// A resource loaded by id that the caller may see (with at least `minimum`): 404 when it does not
    /// exist or belongs to a business the caller is not a member of, 403 when the role is too low.
    func owned<Resource>(
        _ what: String, by claims: AccessClaims, minimum: Role = .agent, load: () async throws -> Resource?,
        business: (Resource) -> BusinessID
    ) async throws -> Resource {
        guard let resource = try await load(),
            try await store.users.role(of: claims.userId, in: business(resource)) != nil
        else { throw AppError.notFound(what) }
        try await tenancy.authorize(claims, business: business(resource), minimum: minimum)
        return resource
    }

    /// The business named by a `business_id` query value: 422 when missing, 404 when the caller is
    /// not a member (or it does not exist).
    func business(queryValue raw: String?, for claims: AccessClaims, minimum: Role = .agent) async throws -> Business {
        try await business(try await tenancy.business(raw, for: claims, minimum: minimum), for: claims, minimum: minimum)
    }

    /// The business, or 404 — after checking the caller belongs to it with at least `minimum`.
    func business(_ id: BusinessID, for claims: AccessClaims, minimum: Role = .agent) async throws -> Business {
        try await tenancy.authorize(claims, business: id, minimum: minimum)
        guard let business = try await store.businesses.find(id) else { throw AppError.notFound("Business") }
        return business
    }
}
