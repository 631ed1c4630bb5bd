import Foundation
import FrontdeskStore
import FrontdeskAudio
import FrontdeskCalls
import FrontdeskCore
import FrontdeskMedia
import FrontdeskProviders
import NIOCore

/// A bad configuration value, reported as one line at start-up.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let variable: String
    public let problem: String
    public var description: String { "\(variable): \(problem)" }
}

/// Requests per hour, per caller, for each kind of caller.
public struct RateLimits: Sendable, Equatable {
    public var authenticated = 1000
    public var anonymous = 100
    public var webhooks = 1_000_000

    public init(authenticated: Int = 1000, anonymous: Int = 100, webhooks: Int = 1_000_000) {
        self.authenticated = authenticated
        self.anonymous = anonymous
        self.webhooks = webhooks
    }
}

/// Everything Frontdesk reads from its environment (product.md's configuration contract), typed and
/// checked once at start-up.
public struct AppConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 3000
    public var databasePath = "./data/frontdesk.sqlite"
    /// A PostgreSQL server instead of the SQLite file (`FRONTDESK_DATABASE_URL=postgres://…`): several
    /// instances share it.
    public var database: StoreLocation { storeLocation ?? .sqlite(path: databasePath) }
    public var storeLocation: StoreLocation?
    public var publicURL = URL(string: "http://localhost:3000")!
    /// nil: generated once and kept next to the database (see `JWTSecretStore`).
    public var jwtSecret: String?
    public var insecureWebhooks = false
    /// Outbound webhook endpoints may point at loopback and private addresses (development, tests).
    public var webhooksAllowPrivate = false
    /// How often an `/api/ws` socket checks that its token, login and memberships still hold.
    public var eventSocketRecheck: Duration = .seconds(15)
    /// Events queued for an `/api/ws` client that is not reading before it is cut off (1013).
    public var eventSocketQueue = EventFeed.listenerBuffer
    public var environment = "development"
    public var rateLimits = RateLimits()
    /// Largest accepted request body.
    public var maxBodyBytes = 1 << 20
    /// Connection limits: read timeout, per-client and total caps.
    public var connections = ConnectionLimits()
    /// On SIGTERM: how long each live call may take to be told and closed (a turn under way finishing,
    /// the closing words played).
    public var shutdownGrace = Duration.seconds(10)
    /// bcrypt cost (work factor 2^cost).
    public var bcryptCost = 10
    /// Create the demo business, agent and login when the database is empty.
    public var seedDemo = true

    public var telnyxAPIKey: String?
    public var telnyxPublicKey: Data?
    public var telnyxAPIBase = URL(string: "https://api.telnyx.com/v2")!
    /// The Call Control application outbound calls are dialled on (`POST /api/calls`).
    public var telnyxConnectionId: String?
    /// What a caller on hold hears during a warm transfer (default: Frontdesk's own, at `/api/media/hold.wav`).
    public var holdAudioURL: URL?
    public var twilioAccountSID: String?
    public var twilioAuthToken: String?
    public var twilioAPIBase = URL(string: "https://api.twilio.com")!
    public var retellAPIKey: String?
    public var llmBaseURL: URL?
    public var llmAPIKey: String?
    public var llmModel: String?
    /// US dollars per million prompt (input) and completion (output) tokens, for the cost per call.
    public var llmPricing = LLMPricing()
    public var sttProvider: String?
    public var sttBaseURL: URL?
    public var sttAPIKey: String?
    public var ttsProvider = "espeak"
    /// Transactional e-mail over HTTP (`EMAIL_PROVIDER`: postmark, resend, sendgrid); nil: the outbox.
    public var email: EmailSettings?
    public var ttsBaseURL: URL?
    public var ttsAPIKey: String?
    public var ttsVoice: String?
    /// Where the prompt templates live (`receptionist.md`).
    public var promptsDirectory = "./Prompts"
    /// Media mode: turn detection, jitter buffer, barge-in, silence, L16 byte order.
    public var media = MediaSettings()
    /// Media-mode calls are recorded (Ogg Opus, in `recordings/` beside the database).
    public var recordCalls = true
    /// Recordings of calls that started more than this many days ago are deleted (`RECORDING_RETENTION_DAYS`;
    /// nil keeps them).
    public var recordingRetentionDays: Int?
    /// The event loops' nice value (`MEDIA_LOOP_NICE`, −20…0; 0 leaves them as they are): see `LoopPriority`.
    public var loopNice = -10
    /// OpenTelemetry spans over OTLP/HTTP (`FRONTDESK_TRACING=otlp`); off by default.
    public var tracing = false
    /// `GET /metrics` (Prometheus text format); off → 404.
    public var metricsEnabled = true
    /// When set, `/metrics` answers only `Authorization: Bearer <token>` (Prometheus's `authorization`).
    public var metricsToken: String?

    public init() {}

    /// Reads the configuration from environment variables; the first bad value is an error naming it.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws(
        ConfigurationError
    ) -> AppConfiguration {
        let reader = EnvironmentReader(env: env)
        var config = AppConfiguration()
        config.host = reader.string("FRONTDESK_HOST") ?? config.host
        config.port = try reader.int("FRONTDESK_PORT", in: 0...65535) ?? config.port
        config.databasePath = reader.string("FRONTDESK_DATABASE") ?? config.databasePath
        if let url = reader.string("FRONTDESK_DATABASE_URL"), !url.isEmpty {
            do {
                config.storeLocation = try StoreLocation(databaseURL: url, sqlitePath: config.databasePath)
            } catch {
                throw ConfigurationError(variable: "FRONTDESK_DATABASE_URL", problem: error.description)
            }
        }
        config.publicURL = try reader.url("FRONTDESK_PUBLIC_URL") ?? config.publicURL
        config.jwtSecret = reader.string("FRONTDESK_JWT_SECRET")
        if let secret = config.jwtSecret, secret.utf8.count < 32 {
            throw ConfigurationError(variable: "FRONTDESK_JWT_SECRET", problem: "must be at least 32 characters")
        }
        config.insecureWebhooks = try reader.flag("FRONTDESK_INSECURE_WEBHOOKS") ?? false
        config.webhooksAllowPrivate = try reader.flag("FRONTDESK_WEBHOOKS_ALLOW_PRIVATE") ?? false
        config.environment = reader.string("FRONTDESK_ENVIRONMENT") ?? config.environment
        config.rateLimits.authenticated =
            try reader.int("FRONTDESK_RATE_LIMIT_AUTHENTICATED", in: 1...100_000_000) ?? config.rateLimits.authenticated
        config.rateLimits.anonymous =
            try reader.int("FRONTDESK_RATE_LIMIT_ANONYMOUS", in: 1...100_000_000) ?? config.rateLimits.anonymous
        config.rateLimits.webhooks =
            try reader.int("FRONTDESK_RATE_LIMIT_WEBHOOKS", in: 1...100_000_000) ?? config.rateLimits.webhooks
        config.maxBodyBytes = try reader.int("FRONTDESK_MAX_BODY_BYTES", in: 1024...(64 << 20)) ?? config.maxBodyBytes
        if let seconds = try reader.int("FRONTDESK_READ_TIMEOUT_SECONDS", in: 1...3600) {
            config.connections.readTimeout = .seconds(Int64(seconds))
        }
        config.connections.perClient =
            try reader.int("FRONTDESK_MAX_CONNECTIONS_PER_CLIENT", in: 1...1_000_000) ?? config.connections.perClient
        config.connections.total = try reader.int("FRONTDESK_MAX_CONNECTIONS", in: 1...1_000_000) ?? config.connections.total
        if let proxies = reader.string("FRONTDESK_TRUSTED_PROXIES") {
            switch TrustedProxies.parse(proxies) {
            case .success(let parsed): config.connections.trustedProxies = parsed
            case .failure(let error):
                throw ConfigurationError(
                    variable: "FRONTDESK_TRUSTED_PROXIES", problem: "'\(error.entry)' is not an IP address or CIDR range (e.g. 10.0.0.0/8)")
            }
        }
        if let seconds = try reader.int("FRONTDESK_SHUTDOWN_GRACE_SECONDS", in: 0...300) {
            config.shutdownGrace = .seconds(Int64(seconds))
        }
        config.bcryptCost = try reader.int("FRONTDESK_BCRYPT_COST", in: 4...16) ?? config.bcryptCost
        config.seedDemo = try reader.flag("FRONTDESK_DEMO") ?? true
        config.metricsEnabled = try reader.flag("FRONTDESK_METRICS") ?? true
        config.tracing = try TracingBackend.isEnabled(env)
        config.metricsToken = reader.string("FRONTDESK_METRICS_TOKEN").flatMap { $0.isEmpty ? nil : $0 }
        if let token = config.metricsToken, token.utf8.count < 16 {
            throw ConfigurationError(variable: "FRONTDESK_METRICS_TOKEN", problem: "must be at least 16 characters")
        }

        config.telnyxAPIKey = reader.string("TELNYX_API_KEY")
        if let key = reader.string("TELNYX_PUBLIC_KEY") {
            guard let data = Data(base64Encoded: key), Ed25519PublicKey(data) != nil else {
                throw ConfigurationError(
                    variable: "TELNYX_PUBLIC_KEY",
                    problem: "must be the base64 of a 32-byte Ed25519 public key (a point of the curve: copy it from the Telnyx portal)")
            }
            config.telnyxPublicKey = data
        }
        config.telnyxAPIBase = try reader.url("TELNYX_API_BASE") ?? config.telnyxAPIBase
        config.telnyxConnectionId = reader.string("TELNYX_CONNECTION_ID")
        config.holdAudioURL = try reader.url("HOLD_AUDIO_URL")
        config.twilioAccountSID = reader.string("TWILIO_ACCOUNT_SID")
        config.twilioAuthToken = reader.string("TWILIO_AUTH_TOKEN")
        config.twilioAPIBase = try reader.url("TWILIO_API_BASE") ?? config.twilioAPIBase
        config.retellAPIKey = reader.string("RETELL_API_KEY")
        config.llmBaseURL = try reader.url("LLM_BASE_URL")
        config.llmAPIKey = reader.string("LLM_API_KEY")
        config.llmModel = reader.string("LLM_MODEL")
        config.llmPricing.inputPerMillion = try reader.decimal("LLM_INPUT_COST_PER_MTOK") ?? 0
        config.llmPricing.outputPerMillion = try reader.decimal("LLM_OUTPUT_COST_PER_MTOK") ?? 0
        config.sttProvider = try reader.oneOf("STT_PROVIDER", ["deepgram", "openai"])
        config.sttBaseURL = try reader.url("STT_BASE_URL")
        config.sttAPIKey = reader.string("STT_API_KEY")
        config.ttsProvider = try reader.oneOf("TTS_PROVIDER", ["openai", "elevenlabs", "espeak"]) ?? "espeak"
        config.ttsBaseURL = try reader.url("TTS_BASE_URL")
        config.ttsAPIKey = reader.string("TTS_API_KEY")
        config.ttsVoice = reader.string("TTS_VOICE")
        if let provider = try reader.oneOf("EMAIL_PROVIDER", HTTPEmailSender.Provider.allCases.map(\.rawValue)) {
            guard let key = reader.string("EMAIL_API_KEY") else {
                throw ConfigurationError(variable: "EMAIL_API_KEY", problem: "is required with EMAIL_PROVIDER=\(provider)")
            }
            guard let from = reader.string("EMAIL_FROM"), EmailAddress(HTTPEmailSender.address(from).email) != nil else {
                throw ConfigurationError(
                    variable: "EMAIL_FROM", problem: "is required with EMAIL_PROVIDER=\(provider): an address, or Name <address>, the provider lets you send from")
            }
            config.email = EmailSettings(
                provider: HTTPEmailSender.Provider(rawValue: provider)!, apiKey: key, from: from, baseURL: try reader.url("EMAIL_API_BASE"))
        }
        config.promptsDirectory = reader.string("FRONTDESK_PROMPTS_DIR") ?? config.promptsDirectory
        config.media.turnDetection = try reader.oneOf("MEDIA_TURN_DETECTION", ["semantic", "silence"]).flatMap(TurnDetection.init) ?? .semantic
        // The upper bound in semantic mode (1 s by default); the whole window in silence mode (600 ms).
        let endOfTurn = try reader.int("MEDIA_END_OF_TURN_MS", in: 200...5_000) ?? (config.media.turnDetection == .semantic ? 1_000 : 600)
        config.media.turn.endOfTurn = .milliseconds(endOfTurn)
        config.media.windows.upperBound = .milliseconds(endOfTurn)
        let complete = try reader.int("MEDIA_END_OF_TURN_COMPLETE_MS", in: 60...5_000) ?? min(160, endOfTurn)
        guard complete <= endOfTurn else {
            throw ConfigurationError(variable: "MEDIA_END_OF_TURN_COMPLETE_MS", problem: "must not be above MEDIA_END_OF_TURN_MS (\(endOfTurn))")
        }
        config.media.windows.finished = .milliseconds(complete)
        config.media.windows.unclear = .milliseconds(max(complete, min(500, endOfTurn)))
        config.media.echoLoss = Double(try reader.int("MEDIA_ECHO_LOSS_DB", in: 0...60) ?? 15)
        if let db = try reader.int("MEDIA_VAD_START_DB", in: 3...40) { config.media.turn.startMargin = Double(db) }
        if let db = try reader.int("MEDIA_VAD_STOP_DB", in: 1...40) { config.media.turn.stopMargin = Double(db) }
        if config.media.turn.stopMargin > config.media.turn.startMargin {
            throw ConfigurationError(variable: "MEDIA_VAD_STOP_DB", problem: "must not be above MEDIA_VAD_START_DB")
        }
        config.media.jitterDepth = try reader.int("MEDIA_JITTER_FRAMES", in: 0...25) ?? config.media.jitterDepth
        config.media.sendSilenceWhenIdle = try reader.flag("MEDIA_SEND_SILENCE") ?? false
        config.media.bargeIn = try reader.flag("MEDIA_BARGE_IN") ?? true
        if let ms = try reader.int("MEDIA_BARGE_IN_CONFIRM_MS", in: 0...2_000) { config.media.bargeInConfirm = .milliseconds(ms) }
        if let order = try reader.oneOf("MEDIA_L16_BYTE_ORDER", ["big", "little"]) {
            config.media.l16ByteOrder = order == "big" ? .bigEndian : .littleEndian
        }
        config.media.telnyxCodec = try reader.oneOf("MEDIA_TELNYX_CODEC", ["pcmu", "pcma", "opus", "l16"])?.uppercased() ?? "PCMU"
        config.recordCalls = try reader.flag("MEDIA_RECORD_CALLS") ?? true
        config.recordingRetentionDays = try reader.int("RECORDING_RETENTION_DAYS", in: 1...36_500)
        config.loopNice = try reader.int("MEDIA_LOOP_NICE", in: -20...0) ?? config.loopNice
        return config
    }
}

/// Where e-mail goes when it leaves the outbox.
public struct EmailSettings: Sendable {
    package let provider: HTTPEmailSender.Provider
    let apiKey: String
    let from: String
    /// nil: the provider's own API.
    let baseURL: URL?

    package init(provider: HTTPEmailSender.Provider, apiKey: String, from: String, baseURL: URL?) {
        self.provider = provider
        self.apiKey = apiKey
        self.from = from
        self.baseURL = baseURL
    }

    var sender: HTTPEmailSender { HTTPEmailSender(provider: provider, apiKey: apiKey, from: from, baseURL: baseURL) }
}

/// Reads and checks single environment variables. An empty value counts as unset.
struct EnvironmentReader {
    let env: [String: String]

    func string(_ name: String) -> String? {
        guard let value = env[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    func int(_ name: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(
                variable: name,
                problem: "must be a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
        }
        return value
    }

    func flag(_ name: String) throws(ConfigurationError) -> Bool? {
        guard let text = string(name)?.lowercased() else { return nil }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(variable: name, problem: "must be 1 or 0, got \"\(text)\"")
        }
    }

    func url(_ name: String) throws(ConfigurationError) -> URL? {
        guard let text = string(name) else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
            ["http", "https", "ws", "wss"].contains(scheme), url.host != nil
        else {
            throw ConfigurationError(variable: name, problem: "must be an http(s) URL, got \"\(text)\"")
        }
        return url
    }

    func decimal(_ name: String) throws(ConfigurationError) -> Double? {
        guard let text = string(name) else { return nil }
        guard let value = Double(text), value.isFinite, value >= 0 else {
            throw ConfigurationError(variable: name, problem: "must be a number of dollars, 0 or more, got \"\(text)\"")
        }
        return value
    }

    func oneOf(_ name: String, _ allowed: [String]) throws(ConfigurationError) -> String? {
        guard let text = string(name)?.lowercased() else { return nil }
        guard allowed.contains(text) else {
            throw ConfigurationError(
                variable: name, problem: "must be one of \(allowed.joined(separator: ", ")), got \"\(text)\"")
        }
        return text
    }
}
