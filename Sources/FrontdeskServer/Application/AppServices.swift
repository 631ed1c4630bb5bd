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
    /// The signing secret (the dashboard derives its form-token key from it).
    let secret: String
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
    /// Sends the businesses' events to their webhook endpoints (a background service).
    let webhooks: WebhookDeliverer
    /// Turns events into the team's notifications (a background service).
    let notifier: TeamNotifier
    /// Plans and runs reminders and follow-up texts (a background service).
    let scheduler: Scheduler
    /// Places outbound calls (`POST /api/calls`, workflows' `place_call`).
    let outbound: OutboundCalls
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
}
