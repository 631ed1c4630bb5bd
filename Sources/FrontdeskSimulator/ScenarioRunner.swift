import AsyncHTTPClient
import Foundation
import FrontdeskAudio
import FrontdeskCore
import FrontdeskMedia
import FrontdeskProviders
import FrontdeskServer
import Hummingbird
import Logging
import Synchronization

/// What one scenario did and whether its expectations held.
public struct ScenarioReport: Sendable {
    public struct Line: Sendable {
        /// Milliseconds since the scenario started (wall clock).
        public let at: Double
        public let speaker: String
        public let text: String
        /// How long the agent took to answer (wall clock, webhook sent → command received), for agent lines.
        public let latencyMs: Double?
    }

    public let name: String
    public let lines: [Line]
    public let failures: [String]
    public let seconds: Double
    /// Why the scenario did not run.
    public var skipped: String?
    /// What the report says beside pass or fail (a check that could not run, and why).
    public var notes: [String] = []
    public var passed: Bool { failures.isEmpty }
}

/// Runs simulator scenarios the way a carrier would: signed Telnyx webhooks over HTTP into the real
/// application, with a local Telnyx stand-in that receives the runtime's commands (`answer`, `speak`,
/// `transfer`, `hangup`) and texts, and the JSON API for set-up and checks.
///
/// In process (the default), each script gets a fresh database, the server from `buildApplication`
/// on a free loopback port, and a clock fixed to the script's `now`. With `.server`, the scripts run
/// against an instance that is already running (its clock, its demo business), which must be
/// configured with the stand-in's `TELNYX_API_BASE` and the signer's `TELNYX_PUBLIC_KEY`.
///
/// With a `ScriptedModelServer`, the receptionist runs the LLM policy against it over real HTTP and
/// SSE, and each caller line is answered with the script's `model:` replies.
public struct ScenarioRunner: Sendable {
    public enum Target: Sendable {
        case inProcess
        case server(URL, standIn: TelnyxStandIn, signer: TelnyxSigner)
    }

    /// Which carrier the simulator plays.
    public enum Carrier: String, Sendable, CaseIterable {
        /// Signed Call Control and Messaging webhooks; commands and texts land at the Telnyx stand-in.
        case telnyx
        /// Signed form posts to /api/twilio/voice and /api/twilio/sms, answered with TwiML.
        case twilio
        /// Retell's custom-LLM WebSocket for the conversation, signed webhooks around it (voice only).
        case retell
    }

    /// The Retell API key the simulator signs webhooks with.
    public static let retellAPIKey = "simulator-retell-test-key"

    /// The Twilio auth token the simulator signs with (in process, and printed for `--server`).
    public static let twilioAuthToken = "simulator-twilio-test-token"
    /// The public URL Twilio signatures cover in process.
    static let inProcessPublicURL = "http://frontdesk.simulator"

    let model: ScriptedModelServer?
    let target: Target
    let carrier: Carrier
    /// Audio mode: calls run over a media stream; this stand-in is the server's speech-to-text.
    let speech: ScriptedSpeechServer?
    /// Audio mode: the stream's format (µ-law 8 kHz, or Opus 16 kHz on Telnyx).
    let audioFormat: MediaFormat
    /// Audio mode: noise and echo on the caller's side of the line.
    let line: MediaStreamPeer.Line

    public init(
        model: ScriptedModelServer? = nil, target: Target = .inProcess, carrier: Carrier = .telnyx, speech: ScriptedSpeechServer? = nil,
        audioFormat: MediaFormat = .pcmu8k, line: MediaStreamPeer.Line = .clean
    ) {
        self.line = line
        self.model = model
        self.target = target
        self.carrier = carrier
        self.speech = speech
        self.audioFormat = audioFormat
    }

    /// The caller's voice in audio mode (espeak-ng's male variant; the agent speaks with its default).
    static func callerVoice() throws -> EspeakSynthesizer {
        if let variant = try? EspeakSynthesizer(voice: "en-us+m3", wordsPerMinute: 175) { return variant }
        return try EspeakSynthesizer(voice: "en-us", wordsPerMinute: 175)
    }

    public func run(_ scenario: Scenario) async throws -> ScenarioReport {
        if speech != nil {
            if scenario.channel != .voice { return Self.skipped(scenario, "audio mode plays calls; this is a text conversation") }
            if carrier == .retell { return Self.skipped(scenario, "Retell does the audio itself") }
        }
        if carrier == .retell, scenario.channel != .voice {
            return Self.skipped(scenario, "Retell carries calls, not texts")
        }
        if carrier == .retell, scenario.steps.contains(where: { $0.dtmf != nil }) {
            return Self.skipped(scenario, "Retell's custom-LLM socket does not pass key presses on")
        }
        // A voicemail left on a machine involves no model: it runs in LLM mode as it is.
        let voicemail = scenario.direction == .outbound && scenario.answeredBy == .machine
        if model != nil, !voicemail,
            !scenario.steps.contains(where: { $0.model != nil })
                || scenario.steps.contains(where: { $0.caller != nil && $0.model == nil })
        {
            return Self.skipped(scenario, "no model: replies for its caller lines (scripted policy only)")
        }
        switch target {
        case .server(let url, let standIn, let signer):
            if scenario.now != nil {
                return Self.skipped(scenario, "it pins the clock (now:); a running server keeps its own")
            }
            if !scenario.appointments.isEmpty || scenario.settings != nil {
                return Self.skipped(scenario, "it changes the calendar or the business settings, which a running server keeps")
            }
            // A new caller each run, so runs against the same server do not meet each other's leads.
            var scenario = scenario
            scenario.caller = "+1555" + String(format: "%07d", Int.random(in: 0..<10_000_000))
            let base = url.absoluteString.hasSuffix("/") ? String(url.absoluteString.dropLast()) : url.absoluteString
            let api = SimulatorAPI(baseURL: url, signer: signer, publicBase: base, now: { Date() })
            var run = ScenarioRun(
                scenario: scenario, api: api, standIn: standIn, clock: nil, model: model, carrier: carrier,
                pace: .init(quiet: .milliseconds(250), reply: .seconds(20), silence: .seconds(60)))
            if let speech { run.audio = AudioSetup(speech: speech, voice: try Self.callerVoice(), socketBase: nil, format: audioFormat, line: line) }
            return try await run.execute()
        case .inProcess:
            return try await runInProcess(scenario)
        }
    }

    static func skipped(_ scenario: Scenario, _ reason: String) -> ScenarioReport {
        ScenarioReport(name: scenario.name, lines: [], failures: [], seconds: 0, skipped: reason)
    }

    private func runInProcess(_ scenario: Scenario) async throws -> ScenarioReport {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("frontdesk-sim-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let standIn = try await TelnyxStandIn.start()
        defer { standIn.stop() }
        let signer = TelnyxSigner()
        var configuration = AppConfiguration()
        configuration.databasePath = folder.appendingPathComponent("sim.sqlite").path
        configuration.jwtSecret = String(repeating: "s", count: 40)
        configuration.bcryptCost = 4
        // `frontdesk simulate` with FRONTDESK_TRACING=otlp: the server's request spans too.
        configuration.tracing = (try? TracingBackend.isEnabled(ProcessInfo.processInfo.environment)) ?? false
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.rateLimits = RateLimits(authenticated: 1_000_000, anonymous: 1_000_000, webhooks: 1_000_000)
        configuration.telnyxAPIKey = "simulator"
        configuration.telnyxAPIBase = standIn.baseURL
        configuration.telnyxConnectionId = "simulator"
        configuration.telnyxPublicKey = Data(base64Encoded: signer.publicKeyBase64)
        configuration.twilioAuthToken = Self.twilioAuthToken
        configuration.retellAPIKey = Self.retellAPIKey
        configuration.publicURL = URL(string: Self.inProcessPublicURL)!
        configuration.media.telnyxCodec = audioFormat.encoding == .opus ? "OPUS" : "PCMU"
        // The scenario's webhook receiver listens on loopback.
        configuration.webhooksAllowPrivate = true
        var logger = Logger(label: "simulator")
        // The server's own log, for digging into a failing script: FRONTDESK_SIMULATOR_LOG=debug.
        logger.logLevel = ProcessInfo.processInfo.environment["FRONTDESK_SIMULATOR_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        let clock = SimulatorClock(Date())
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        var dependencies = AppDependencies(now: { clock.now }, silenceTimeout: .seconds(1))
        dependencies.onListening = { port in
            listening.yield(port)
            listening.finish()
        }
        if let model {
            dependencies.llm = OpenAICompatibleLLMClient(baseURL: model.baseURL, apiKey: "simulator", model: "scripted-test-model")
        }
        if let speech {
            dependencies.speechToText = DeepgramSpeechToText(baseURL: speech.baseURL, apiKey: "simulator", logger: logger)
            dependencies.silenceTimeout = .seconds(4)  // real-time speech: a reprompt after 4 s of quiet
        }
        let app = try await buildApplication(configuration: configuration, dependencies: dependencies, logger: logger)
        let server = Task {
            do {
                try await app.runService(gracefulShutdownSignals: [])
            } catch {
                listening.finish()
            }
        }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw SimulatorError("the in-process server did not start") }
        let api = SimulatorAPI(
            baseURL: URL(string: "http://127.0.0.1:\(port)")!, signer: signer, publicBase: Self.inProcessPublicURL, now: { clock.now })
        var run = ScenarioRun(
            scenario: scenario, api: api, standIn: standIn, clock: clock, model: model, carrier: carrier,
            // A model streams a reply sentence by sentence: give a busy machine room between them.
            pace: .init(quiet: .milliseconds(model == nil ? 30 : 150), reply: .seconds(10), silence: .seconds(5)))
        if let speech {
            run.audio = AudioSetup(
                speech: speech, voice: try Self.callerVoice(), socketBase: URL(string: "http://127.0.0.1:\(port)"), format: audioFormat, line: line)
        }
        return try await run.execute()
    }
}

final class SimulatorClock: Sendable {
    private struct State {
        var base: Date
        /// Set once the clock runs: time goes on from `base` as real time does.
        var runningSince: ContinuousClock.Instant?
        var now: Date {
            guard let runningSince else { return base }
            let elapsed = (ContinuousClock.now - runningSince).components
            return base.addingTimeInterval(Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
        }
    }
    private let state: Mutex<State>
    init(_ start: Date) { state = Mutex(State(base: start)) }
    var now: Date { state.withLock { $0.now } }
    func set(_ date: Date) { state.withLock { $0 = State(base: date, runningSince: $0.runningSince.map { _ in .now }) } }
    func advance(seconds: TimeInterval) { state.withLock { $0.base = $0.base.addingTimeInterval(seconds) } }
    /// From here on the clock moves with real time (an audio call is played in real time, so its
    /// records — a moved appointment's `updated_at`, the call's duration — carry real gaps).
    func runInRealTime() { state.withLock { $0 = State(base: $0.now, runningSince: .now) } }
}

struct SimulatorError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
