import ArgumentParser
import FrontdeskServer
import Hummingbird
import Logging

@main
struct Frontdesk: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frontdesk",
        abstract: "An AI voice/SMS receptionist runtime.",
        subcommands: [Serve.self, Simulate.self, Bench.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP API and webhooks (configured by FRONTDESK_* environment variables).")

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        var configuration: AppConfiguration
        do {
            configuration = try AppConfiguration.fromEnvironment()
        } catch {
            throw ValidationError("configuration: \(error)")
        }
        var logger = Logger(label: "frontdesk")
        logger.logLevel = logLevel
        let descriptors = FileDescriptorLimit.raise(logger: logger)
        configuration.connections.total = FileDescriptorLimit.connectionCap(
            configured: configuration.connections.total, descriptors: descriptors)
        let app = try await buildApplication(configuration: configuration, logger: logger)
        await LoopPriority.raise(nice: configuration.loopNice, logger: logger)
        HaltPolling.report(logger: logger)
        try await app.runService()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
