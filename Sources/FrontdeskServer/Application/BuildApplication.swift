import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskMedia
import FrontdeskProviders
import FrontdeskStore
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging

/// The outside dependencies of the application. Each has an embedded default that works with no
/// account and no network, and says what it is in the log.
public struct AppDependencies: Sendable {
    public var now: @Sendable () -> Date
    /// nil: Telnyx when `TELNYX_API_KEY` is set, else the outbox.
    public var sms: (any MessageSender)?
    public var email: any MessageSender
    /// Replaces every agent's silence timeout (tests and the simulator use short ones).
    public var silenceTimeout: Duration?
    /// The language model; by default an OpenAI-compatible client when `LLM_BASE_URL` is set.
    public var llm: (any LLMClient)?
    /// Replaces the Telnyx client built from the configuration (tests use short retry waits).
    public var telnyx: TelnyxClient?
    /// Told the port once the server listens (the simulator binds port 0).
    public var onListening: (@Sendable (Int) -> Void)?
    /// Media mode's speech-to-text; by default the one `STT_PROVIDER` names (none when unset).
    public var speechToText: (any SpeechToText)?
    /// Media mode's text-to-speech; by default the one `TTS_PROVIDER` names (espeak-ng offline).
    public var textToSpeech: (any TextToSpeech)?
    /// When failed webhook deliveries are tried again (tests use seconds instead of hours).
    public var webhookRetries: WebhookRetrySchedule = .standard
    /// How often, in real time, the job scheduler looks for due jobs (besides when events arrive).
    public var schedulerPoll: Duration = .milliseconds(250)

    public init(
        now: @escaping @Sendable () -> Date = { Date() }, sms: (any MessageSender)? = nil,
        email: any MessageSender = OutboxSender(), silenceTimeout: Duration? = nil, llm: (any LLMClient)? = nil,
        telnyx: TelnyxClient? = nil
    ) {
        self.telnyx = telnyx
        self.now = now
        self.sms = sms
        self.email = email
        self.silenceTimeout = silenceTimeout
        self.llm = llm
    }
}

/// The one way in: `frontdesk serve`, the tests and the simulator all build the app here.
public func buildApplication(
    configuration: AppConfiguration, dependencies: AppDependencies = AppDependencies(),
    logger: Logger = Logger(label: "frontdesk")
) async throws -> FrontdeskApplication<some ApplicationProtocol> {
    // Metrics cost a little on every request and event; with FRONTDESK_METRICS=0 they are not recorded at all.
    if configuration.metricsEnabled { PrometheusMetrics.bootstrap() }
    let services = try await buildServices(configuration: configuration, dependencies: dependencies, logger: logger)
    let routeTable = RouteTable()
    let router = buildRouter(services: services, routeTable: routeTable)
    let apiResponder = router.buildResponder()
    let auth = DashboardAuth(
        tokens: services.tokens, store: services.store, secret: services.secret, secureCookies: configuration.publicURL.scheme == "https")
    let dashboard = DashboardController(
        pages: DashboardPages(
            api: InProcessAPI(responder: apiResponder), auth: auth, templates: try DashboardTemplates(), demo: configuration.seedDemo),
        auth: auth)
    let sockets = Router(context: SocketRequestContext.self)
    RetellSocketController(socket: RetellLLMSocket(store: services.store, calls: services.calls, logger: logger))
        .addRoutes(to: sockets)
    EventSocketController(
        store: services.store, tokens: services.tokens, logger: logger, recheck: configuration.eventSocketRecheck,
        queueLimit: configuration.eventSocketQueue
    ).addRoutes(to: sockets)
    MediaStreamController(
        configuration: configuration, store: services.store, calls: services.calls, telnyx: services.telnyx,
        recordings: services.recordings, mediaTokens: services.mediaTokens, twilioStreams: services.twilioStreams,
        mediaTotals: services.mediaTotals, speech: services.speech, logger: logger
    ).addRoutes(to: sockets)
    var limits = configuration.connections
    limits.maxBodyBytes = configuration.maxBodyBytes
    let registry = ConnectionRegistry(limits: limits, logger: logger)
    let socketResponder = sockets.buildResponder()
    let application = Application(
        responder: SiteResponder(api: apiResponder, dashboard: dashboard.buildRouter().buildResponder()),
        server: HTTPServerBuilder { responder in
            GuardedChildChannel(
                inner: HTTP1WebSocketUpgradeChannel(responder: responder, webSocketResponder: socketResponder, configuration: .init()),
                registry: registry)
        },
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "Frontdesk"),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            logger.info("Frontdesk is listening on http://\(configuration.host):\(port)")
            dependencies.onListening?(port)
        },
        logger: logger)
    return FrontdeskApplication(
        inner: application, store: services.store, calls: services.calls, inbox: services.inbox,
        recordings: services.recordings,
        retention: configuration.recordingRetentionDays.map {
            RecordingRetention(store: services.store, days: $0, now: dependencies.now, logger: logger)
        },
        webhooks: services.webhooks, notifier: services.notifier, scheduler: services.scheduler, grace: configuration.shutdownGrace)
}

/// Opens the database, prepares secrets and defaults, and logs what runs embedded.
func buildServices(configuration: AppConfiguration, dependencies: AppDependencies, logger: Logger) async throws
    -> AppServices
{
    let store = try await Store.open(configuration.database, logger: logger)
    logger.notice("Database: \(configuration.database).")
    store.unreadableRows.onReport { table, id, problem in
        logger.error("A stored row cannot be read: left out of the list", metadata: ["table": "\(table)", "id": "\(id)", "problem": "\(problem)"])
    }
    let secret = try await JWTSecretStore.secret(configuration: configuration, store: store, logger: logger)
    let telnyx = dependencies.telnyx ?? configuration.telnyxAPIKey.map {
        TelnyxClient(apiKey: $0, baseURL: configuration.telnyxAPIBase)
    }
    let smsSender: any MessageSender = dependencies.sms ?? telnyx.map { TelnyxSMSSender(client: $0) } ?? OutboxSender()
    // A sender the caller supplied wins; else EMAIL_PROVIDER's; else the outbox.
    let emailSender: any MessageSender = dependencies.email.providerName == "outbox" ? (configuration.email?.sender ?? dependencies.email) : dependencies.email
    let messenger = Messenger(store: store, sms: smsSender, email: emailSender, now: dependencies.now)
    var llmClient = dependencies.llm
    if llmClient == nil, let base = configuration.llmBaseURL {
        llmClient = OpenAICompatibleLLMClient(
            baseURL: base, apiKey: configuration.llmAPIKey, model: configuration.llmModel ?? "gpt-4o-mini")
    }
    var llmPolicy: LLMPolicy?
    if let llmClient {
        let path = URL(fileURLWithPath: configuration.promptsDirectory).appendingPathComponent("receptionist.md").path
        guard let template = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigurationError(
                variable: "FRONTDESK_PROMPTS_DIR", problem: "an LLM is configured but \(path) cannot be read")
        }
        llmPolicy = LLMPolicy(client: llmClient, template: template)
        logger.notice("Conversation: LLM policy (\(configuration.llmModel ?? "gpt-4o-mini") at \(configuration.llmBaseURL?.absoluteString ?? "a test model")), scripted policy as fallback.")
    }
    let speech = try mediaSpeech(configuration: configuration, dependencies: dependencies, logger: logger)
    let notifier = TeamNotifier(store: store, messenger: messenger, now: dependencies.now, logger: logger)
    let conversations = ConversationService(store: store, messenger: messenger, now: dependencies.now, llm: llmPolicy, pricing: configuration.llmPricing)
    let callRuntime = CallRuntime(
        store: store, conversations: conversations, now: dependencies.now, logger: logger, silenceOverride: dependencies.silenceTimeout)
    let dialer: (any OutboundDialer)? = telnyx.flatMap { client in
        configuration.telnyxConnectionId.map { TelnyxDialer(client: client, connectionId: $0) }
    }
    let outbound = OutboundCalls(store: store, calls: callRuntime, dialer: dialer, now: dependencies.now)
    let services = AppServices(
        configuration: configuration, store: store, tokens: await TokenService(secret: secret, now: dependencies.now), secret: secret,
        passwords: PasswordHasher(cost: configuration.bcryptCost), messenger: messenger, conversations: conversations,
        calls: callRuntime,
        inbox: ProviderInbox(store: store, now: dependencies.now, logger: logger),
        acceptor: EventAcceptor(store: store, now: dependencies.now), telnyx: telnyx,
        speech: speech, recordings: speech.settings.recordingsDirectory.map { RecordingEncoder(directory: $0, logger: logger) },
        mediaTokens: MediaStreamTokens(secret: secret), twilioStreams: TwilioStreams(),
        webhooks: WebhookDeliverer(
            store: store, policy: OutboundURLPolicy(allowPrivate: configuration.webhooksAllowPrivate),
            schedule: dependencies.webhookRetries, now: dependencies.now, logger: logger,
            onEndpointDisabled: { endpoint, business, reason in await notifier.endpointDisabled(endpoint, business: business, reason: reason) }),
        notifier: notifier,
        scheduler: Scheduler(
            store: store, messenger: messenger, poster: HTTPOutboundPoster(policy: OutboundURLPolicy(allowPrivate: configuration.webhooksAllowPrivate)),
            now: dependencies.now, logger: logger, poll: dependencies.schedulerPoll, outbound: outbound),
        outbound: outbound, now: dependencies.now, startedAt: dependencies.now())
    let telnyxHandler = TelnyxEventHandler(
        store: store, calls: services.calls, messenger: messenger, texts: services.texts, client: telnyx, media: speech.settings,
        publicURL: configuration.publicURL, mediaTokens: services.mediaTokens,
        warm: configuration.telnyxConnectionId.map {
            TelnyxWarmTransfer(
                connectionId: $0,
                holdAudioURL: (configuration.holdAudioURL ?? configuration.publicURL.appendingPathComponent("api/media/hold.wav")).absoluteString)
        },
        now: dependencies.now, logger: logger)
    let liveCalls = services.calls
    services.inbox.register(
        provider: TelnyxEventHandler.provider,
        ProviderInbox.Provider(
            handler: { await telnyxHandler.handle($0, parsed: $1 as? TelnyxEvent) },
            // A call's key stays with the instance whose session is live until the call ends.
            keeps: { key in
                key.hasPrefix("call:") && liveCalls.session(provider: TelnyxEventHandler.provider, providerCallId: String(key.dropFirst(5))) != nil
            },
            callKey: TelnyxEventHandler.key(of:),
            resume: { await telnyxHandler.takeOver($0) }))
    let retellHandler = RetellEventHandler(
        store: store, calls: services.calls, conversations: conversations, now: dependencies.now, logger: logger)
    services.inbox.register(provider: RetellEventHandler.provider) { await retellHandler.handle($0, parsed: $1 as? RetellEvent) }
    if let telnyx {
        logger.notice("Telnyx: Call Control and messaging through \(telnyx.baseURL.absoluteString).")
        if configuration.telnyxConnectionId == nil {
            logger.notice("Outbound calls (POST /api/calls) answer 503 until TELNYX_CONNECTION_ID names the Call Control application to dial from.")
        }
    }
    if configuration.telnyxPublicKey == nil, !configuration.insecureWebhooks {
        logger.notice("Telnyx webhooks answer 401 until TELNYX_PUBLIC_KEY is set (signatures are always checked).")
    }
    if smsSender.providerName == "outbox" {
        logger.notice("SMS: embedded outbox — texts are recorded (GET /api/sms), not sent. Set TELNYX_API_KEY to send.")
    }
    if emailSender.providerName == "outbox" {
        logger.notice("Email: embedded outbox — emails are recorded (GET /api/emails), not sent. Set EMAIL_PROVIDER, EMAIL_API_KEY and EMAIL_FROM to send.")
    } else {
        logger.notice("Email: sent through \(emailSender.providerName) from \(configuration.email?.from ?? "?").")
    }
    if llmPolicy == nil {
        logger.notice("Conversation: scripted receptionist policy (deterministic, no LLM). Set LLM_BASE_URL for an LLM.")
    }
    if configuration.webhooksAllowPrivate {
        logger.warning("FRONTDESK_WEBHOOKS_ALLOW_PRIVATE=1: outbound webhooks may reach loopback and private addresses. Development only.")
    }
    if configuration.insecureWebhooks {
        logger.warning("FRONTDESK_INSECURE_WEBHOOKS=1: unsigned webhooks are ACCEPTED. Never use this in production.")
    }
    if configuration.seedDemo {
        try await DemoSeeder(
            configuration: configuration, store: store, passwords: services.passwords, now: dependencies.now, logger: logger
        ).seedIfEmpty()
    }
    // Recordings of calls cut off by a stop or crash: encoded now.
    services.recordings?.recoverLeftovers()
    // Events accepted before a stop or crash and not acted on yet: now, with everything in place.
    await services.inbox.replayPending { event in
        switch event.provider {
        case RetellEventHandler.provider: (try? RetellEvent.parse(event.payload)).map(RetellEventHandler.orderingKey) ?? event.eventId
        default: (try? TelnyxEvent.parse(event.payload)).map(TelnyxEventHandler.orderingKey) ?? event.eventId
        }
    }
    return services
}

/// Media mode's speech providers, as configured (or as the dependencies override them).
func mediaSpeech(configuration: AppConfiguration, dependencies: AppDependencies, logger: Logger) throws -> MediaSpeech {
    var settings = configuration.media
    if configuration.recordCalls {
        settings.recordingsDirectory = URL(fileURLWithPath: configuration.databasePath).deletingLastPathComponent()
            .appendingPathComponent("recordings").path
        try FileManager.default.createDirectory(atPath: settings.recordingsDirectory!, withIntermediateDirectories: true)
    }
    var stt = dependencies.speechToText
    if stt == nil, let provider = configuration.sttProvider {
        let base = configuration.sttBaseURL
        switch provider {
        case "deepgram":
            stt = DeepgramSpeechToText(baseURL: base ?? URL(string: "https://api.deepgram.com")!, apiKey: configuration.sttAPIKey, logger: logger)
        default:
            stt = OpenAISpeechToText(baseURL: base ?? URL(string: "https://api.openai.com/v1")!, apiKey: configuration.sttAPIKey)
        }
    }
    var tts = dependencies.textToSpeech
    if tts == nil {
        switch configuration.ttsProvider {
        case "openai":
            tts = OpenAITextToSpeech(
                baseURL: configuration.ttsBaseURL ?? URL(string: "https://api.openai.com/v1")!, apiKey: configuration.ttsAPIKey,
                voice: configuration.ttsVoice)
        case "elevenlabs":
            tts = ElevenLabsTextToSpeech(
                baseURL: configuration.ttsBaseURL ?? URL(string: "https://api.elevenlabs.io")!, apiKey: configuration.ttsAPIKey,
                voice: configuration.ttsVoice)
        default:
            do {
                tts = try EspeakTextToSpeech(voice: configuration.ttsVoice)
            } catch {
                throw ConfigurationError(variable: "TTS_PROVIDER", problem: "espeak: \(error) (apt-get install libespeak-ng1 espeak-ng-data)")
            }
        }
    }
    let speech = MediaSpeech(stt: stt, tts: tts!, settings: settings)
    if speech.tts is EspeakTextToSpeech {
        logger.notice("Media mode speech: espeak-ng, offline (embedded default). Set TTS_PROVIDER for openai or elevenlabs.")
    } else {
        logger.notice("Media mode speech: \(speech.tts.name).")
    }
    if let stt = speech.stt {
        logger.notice("Media mode listening: \(stt.name).")
    } else {
        logger.notice("Media mode listening: no STT_PROVIDER set — media-mode calls hear key presses only. Set STT_PROVIDER=deepgram or openai.")
    }
    return speech
}

/// All routes under `/api`, behind the API middleware.
func buildRouter(services: AppServices, routeTable: RouteTable) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    if services.configuration.tracing {
        // A server span per request (named by its route; a caller's `traceparent` continues its trace).
        // A `token` in a query (browsers' WebSocket logins, stream tokens) never reaches a trace.
        router.add(middleware: TracingMiddleware(recordingHeaders: [APIMiddleware.requestIdHeader], redactingQueryParameters: ["token"]))
    }
    router.add(
        middleware: APIMiddleware(
            tokens: services.tokens, store: services.store, limiter: RateLimiter(), limits: services.configuration.rateLimits,
            routeTable: routeTable, maxBodyBytes: services.configuration.maxBodyBytes,
            proxies: services.configuration.connections.trustedProxies, now: services.now))
    if services.configuration.metricsEnabled {
        MetricsController(token: services.configuration.metricsToken).addRoutes(to: router)
    }
    let api = router.group("api")
    // Each controller gets what it uses: the store, the tenancy checks, and its own few services.
    let (store, tenancy, now) = (services.store, services.tenancy, services.now)
    HealthController(
        configuration: services.configuration, store: store, recordings: services.recordings, mediaTotals: services.mediaTotals,
        now: now, startedAt: services.startedAt, isAccepting: { [calls = services.calls] in calls.isAccepting }
    ).addRoutes(to: api.group("health"))
    AuthController(
        store: store, tokens: services.tokens, passwords: services.passwords, messenger: services.messenger,
        loginThrottle: services.loginThrottle, now: now
    ).addRoutes(to: api.group("auth"))
    BusinessController(store: store, now: now, tenancy: tenancy).addRoutes(to: api.group("businesses"))
    AgentController(store: store, conversations: services.conversations, calls: services.calls, now: now, tenancy: tenancy)
        .addRoutes(to: api.group("agents"))
    LeadController(store: store, now: now, idempotency: services.idempotency, tenancy: tenancy).addRoutes(to: api.group("leads"))
    AppointmentController(
        store: store, messenger: services.messenger, now: now, idempotency: services.idempotency, tenancy: tenancy
    ).addRoutes(to: api.group("appointments"))
    let assignments = Assignments(store: store, now: now)
    HoldAudioController().addRoutes(to: api.group("media"))
    CallController(
        store: store, recordings: services.recordings, tenancy: tenancy, calls: services.calls, assignments: assignments,
        outbound: services.outbound, idempotency: services.idempotency)
        .addRoutes(to: api.group("calls"))
    ConversationController(store: store, tenancy: tenancy, assignments: assignments).addRoutes(to: api.group("conversations"))
    InboxMessageController(store: store, messenger: services.messenger, tenancy: tenancy, assignments: assignments)
        .addRoutes(to: api.group("messages"))
    ContactController(store: store, now: now, tenancy: tenancy).addRoutes(to: api.group("contacts"))
    MessageController(store: store, messenger: services.messenger, tenancy: tenancy, channel: .sms).addRoutes(to: api.group("sms"))
    MessageController(store: store, messenger: services.messenger, tenancy: tenancy, channel: .email)
        .addRoutes(to: api.group("emails"))
    AnalyticsController(store: store, now: now, tenancy: tenancy).addRoutes(to: api.group("analytics"))
    NotificationController(store: store, now: now, tenancy: tenancy).addRoutes(to: api.group("notifications"))
    JobController(store: store, tenancy: tenancy).addRoutes(to: api.group("jobs"))
    WorkflowController(
        store: store, policy: OutboundURLPolicy(allowPrivate: services.configuration.webhooksAllowPrivate), now: now, tenancy: tenancy,
        engine: services.scheduler.workflows, idempotency: services.idempotency
    ).addRoutes(to: api.group("workflows"))
    CampaignController(store: store, now: now, tenancy: tenancy, engine: services.scheduler.workflows).addRoutes(to: api.group("campaigns"))
    TemplateController(store: store, now: now, tenancy: tenancy).addRoutes(to: api.group("templates"))
    PipelineController(store: store, now: now, tenancy: tenancy).addRoutes(to: api.group("pipelines"))
    let webhooks = WebhookController(
        store: store, policy: OutboundURLPolicy(allowPrivate: services.configuration.webhooksAllowPrivate), now: now, tenancy: tenancy)
    webhooks.addRoutes(to: api.group("webhooks"))
    IntegrationController(
        store: store, configuration: services.configuration, telnyxConnected: services.telnyx != nil, tenancy: tenancy, webhooks: webhooks)
        .addRoutes(to: api.group("integrations"))
    AchievementController(store: store, tenancy: tenancy).addRoutes(to: api.group("achievements"))
    EventSocketController(store: store, tokens: services.tokens, logger: Logger(label: "frontdesk"))
        .addHTTPRoute(to: api)
    TelnyxWebhookController(configuration: services.configuration, inbox: services.inbox, acceptor: services.acceptor, now: now)
        .addRoutes(voice: api.group("webrtc"), sms: api.group("sms"))
    RetellWebhookController(configuration: services.configuration, inbox: services.inbox, acceptor: services.acceptor, now: now)
        .addRoutes(to: api.group("retell"))
    TwilioController(
        configuration: services.configuration, store: store, calls: services.calls, mediaTokens: services.mediaTokens,
        twilioStreams: services.twilioStreams, now: now, texts: services.texts, logger: Logger(label: "twilio")
    ).addRoutes(to: api.group("twilio"))
    let document = OpenAPIDocument.encoded(serverURL: services.configuration.publicURL.absoluteString)
    api.get("openapi.json") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: .init(bytes: document)))
    }
    for route in router.routes {
        routeTable.register(method: route.method, path: route.path.description)
    }
    return router
}

/// The routes the application registers (method, OpenAPI-style path), for the OpenAPI coverage test.
public func registeredRoutes(configuration: AppConfiguration) async throws -> [(method: String, path: String)] {
    var configuration = configuration
    configuration.seedDemo = false
    let services = try await buildServices(
        configuration: configuration, dependencies: AppDependencies(), logger: Logger(label: "routes"))
    return buildRouter(services: services, routeTable: RouteTable()).routes.map { route in
        let path = route.path.description.split(separator: "/").map { segment in
            segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
        }.joined(separator: "/")
        return (route.method.rawValue, "/" + path)
    }
}
