import ArgumentParser
import FrontdeskBenchmarks

/// `frontdesk bench …`: argument parsing over the benchmarks of `FrontdeskBenchmarks`.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (build with -c release). Each prints a table.",
        subcommands: [
            APIBenchCommand.self, BookingBenchCommand.self, ConversationBenchCommand.self, LLMBenchCommand.self,
            WebhookBenchCommand.self, OpusBenchCommand.self, MediaBenchCommand.self, TurnsBenchCommand.self, ScaleOutBenchCommand.self,
            EventsBenchCommand.self, DashboardBenchCommand.self, WorkflowBenchCommand.self,
        ])
}

struct DashboardBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Each dashboard page's render over a full database, first-load weight, and live turns in headless chromium.")

    @Option(help: "Calls in the database.") var calls = 10_000
    @Option(help: "Leads in the database.") var leads = 5_000
    @Option(help: "Timed loads per page.") var iterations = 200
    @Option(help: "Calls watched live in the browser (when chromium and chromium-driver are installed).") var liveCalls = 5
    @Option(help: "Loopback port for the server under test.") var port = 38470

    func run() async throws {
        var bench = DashboardBench()
        bench.calls = calls
        bench.leads = leads
        bench.iterations = iterations
        bench.liveCalls = liveCalls
        bench.port = port
        bench.telnyxPort = port + 2
        bench.driverPort = port + 3
        try await bench.run()
    }
}

struct APIBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api", abstract: "Reads and writes of leads through the real HTTP server, loaded by wrk.")

    @Option(help: "Seconds per phase.") var duration = 10
    @Option(help: "Concurrent connections.") var connections = 32
    @Option(help: "wrk threads.") var threads = 1
    @Option(help: "Loopback port for the server under test.") var port = 38411

    func run() async throws {
        var bench = APIBench()
        bench.duration = duration
        bench.connections = connections
        bench.threads = threads
        bench.port = port
        try await bench.run()
    }
}

struct BookingBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "booking", abstract: "Availability speed and concurrent booking of one slot.")

    @Option(help: "Availability runs to time.") var iterations = 300
    @Option(help: "Concurrent requests for one slot.") var concurrent = 100
    @Option(help: "Loopback port for the server under test.") var port = 38412

    func run() async throws {
        var bench = BookingBench()
        bench.iterations = iterations
        bench.concurrent = concurrent
        bench.port = port
        try await bench.run()
    }
}

struct ConversationBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conversation", abstract: "One turn of the scripted receptionist policy.")

    @Option(help: "Timed turns per script line.") var iterations = 2000

    func run() async throws {
        var bench = ConversationBench()
        bench.iterations = iterations
        try await bench.run()
    }
}

struct LLMBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llm", abstract: "Runtime overhead per LLM turn against a local streaming server.")

    @Option(help: "Timed turns.") var turns = 500
    @Option(help: "Loopback port of the local LLM server.") var port = 38413

    func run() async throws {
        var bench = LLMBench()
        bench.turns = turns
        bench.port = port
        try await bench.run()
    }
}

struct MediaBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media", abstract: "Concurrent real-time media calls through the whole pipeline.")

    @Option(help: "Concurrent calls.") var calls = 200
    @Option(help: "Seconds measured once every call is up.") var duration = 30
    @Option(help: "Loopback port for the server under test.") var port = 38413
    @Flag(help: "Record every call (Ogg Opus), as production does by default.") var record = false
    @Option(help: "On a VM with the haltpoll cpuidle driver: how long (ns) an idle vCPU polls before it halts, set for this run and restored after (root). See HaltPolling.") var haltPollNs: Int?

    func run() async throws {
        var bench = MediaBench()
        bench.calls = calls
        bench.duration = duration
        bench.port = port
        bench.record = record
        bench.haltPollNs = haltPollNs
        try await bench.run()
    }
}

struct TurnsBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "turns", abstract: "End of turn on the audio test set: latency after finished sentences, turns split, false barge-ins.")

    @Option(help: "Loopback port for the server under test.") var port = 38416
    @Option(help: "Signal-to-noise ratios to play besides the clean line (dB), comma-separated.") var snr = "30,20,10"
    @Option(help: "The agent's voice echoed back at this level (dB).") var echo: Double = -25
    @Option(help: "MEDIA_TURN_DETECTION for the server (semantic, the default; silence to compare).") var turnDetection: String?

    func run() async throws {
        var bench = TurnsBench()
        bench.port = port
        bench.echo = echo
        bench.conditions = [nil] + snr.split(separator: ",").compactMap { Double(String($0).filter { $0 != " " }) }
        if let turnDetection { bench.environment["MEDIA_TURN_DETECTION"] = turnDetection }
        try await bench.run()
    }
}

struct OpusBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "opus", abstract: "Opus encode + decode, 20 ms mono frames at 16 kHz: the Swift wrapper against C.")

    @Option(help: "Seconds of audio per run.") var seconds = 60
    @Option(help: "Runs of each, alternating (the best counts: least disturbed by the machine).") var runs = 7

    func run() async throws {
        var bench = OpusBench()
        bench.seconds = seconds
        bench.runs = runs
        try await bench.run()
    }
}

struct WebhookBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks", abstract: "Signed Telnyx webhooks through the real server, loaded by wrk.")

    @Option(help: "Seconds of load.") var duration = 10
    @Option(help: "Concurrent connections.") var connections = 32
    @Option(help: "wrk threads.") var threads = 2
    @Option(help: "Calls to sign events for (5 events each).") var calls = 16_000
    @Option(help: "Loopback port for the server under test.") var port = 38412
    @Option(help: "Loopback port for the Telnyx stand-in.") var telnyxPort = 38442
    @Flag(help: "Only events the runtime records without acting (call.speak.started): the intake alone.") var intakeOnly = false

    func run() async throws {
        var bench = WebhookBench()
        bench.duration = duration
        bench.connections = connections
        bench.threads = threads
        bench.calls = calls
        bench.port = port
        bench.telnyxPort = telnyxPort
        bench.intakeOnly = intakeOnly
        try await bench.run()
    }
}

struct ScaleOutBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale-out",
        abstract: "API, whole-call webhooks and one contended slot: SQLite, PostgreSQL, and two instances behind nginx.")

    @Option(help: "Seconds per load phase.") var duration = 10
    @Option(help: "Concurrent connections.") var connections = 32
    @Option(help: "Calls to sign events for (5 events each), per setup.") var calls = 8_000
    @Option(help: "Concurrent requests for one slot.") var concurrent = 100
    @Option(help: "First loopback port (instances, then nginx at +10).") var port = 38420
    @Option(help: "Loopback port for the Telnyx stand-in.") var telnyxPort = 38452
    @Option(help: "Setups, comma-separated: sqlite, postgres, postgres-2.") var setups = "sqlite,postgres,postgres-2"

    func run() async throws {
        var bench = ScaleOutBench()
        bench.setups = Set(setups.split(separator: ",").map { String($0.filter { $0 != " " }) })
        bench.duration = duration
        bench.connections = connections
        bench.calls = calls
        bench.concurrent = concurrent
        bench.port = port
        bench.telnyxPort = telnyxPort
        try await bench.run()
    }
}

struct EventsBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "/api/ws fan-out to many clients during calls, and outbound webhook deliveries through a kill -9.")

    @Option(help: "WebSocket clients subscribed.") var clients = 500
    @Option(help: "Calls run at once.") var calls = 100
    @Option(help: "Businesses the clients and calls are spread over (the first table row; the second puts all on one).") var businesses = 100
    @Option(help: "Webhook events to deliver.") var deliveries = 10_000
    @Option(help: "Loopback port for the server under test (and the next one).") var port = 38460
    @Option(help: "Loopback port for the Telnyx stand-in.") var telnyxPort = 38462

    func run() async throws {
        var bench = EventsBench()
        bench.clients = clients
        bench.calls = calls
        bench.businesses = businesses
        bench.deliveries = deliveries
        bench.port = port
        bench.telnyxPort = telnyxPort
        try await bench.run()
    }
}

struct WorkflowBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workflows",
        abstract: "Workflows on the durable scheduler: enrollments on a virtual clock, lag at a fixed rate of due jobs, kill -9 mid-run.")

    @Option(help: "Leads enrolled in the 5-step workflow.") var enrollments = 10_000
    @Option(help: "Jobs due per second in the lag run.") var rate = 1_000
    @Option(help: "Seconds of the lag run.") var seconds = 20
    @Option(help: "Enrollments sent through the kills.") var killLeads = 2_000
    @Option(help: "Times the server is killed (-9) mid-run.") var kills = 3
    @Option(help: "Loopback port for the server that is killed.") var port = 38480
    @Option(help: "Parts, comma-separated: enrollments, lag, kills.") var parts = "enrollments,lag,kills"

    func run() async throws {
        var bench = WorkflowBench()
        bench.enrollments = enrollments
        bench.rate = rate
        bench.seconds = seconds
        bench.killLeads = killLeads
        bench.kills = kills
        bench.port = port
        bench.parts = Set(parts.split(separator: ",").map { String($0.filter { $0 != " " }) })
        try await bench.run()
    }
}
