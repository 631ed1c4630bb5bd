import ArgumentParser
import Foundation
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

    @Option(help: "Log format: text (for people) or json (one object per line, for log collectors). Default: FRONTDESK_LOG_FORMAT, else text.")
    var logFormat: LogFormat?

    enum LogFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    func run() async throws {
        let environmentFormat = ProcessInfo.processInfo.environment["FRONTDESK_LOG_FORMAT"].flatMap { $0.isEmpty ? nil : $0 }
        var format = logFormat ?? .text
        if logFormat == nil, let environmentFormat {
            guard let parsed = LogFormat(rawValue: environmentFormat.lowercased()) else {
                throw ValidationError("FRONTDESK_LOG_FORMAT must be text or json, not '\(environmentFormat)'")
            }
            format = parsed
        }
        if format == .json {
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
        }
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
        // Before the application: calls it takes over at start are traced too.
        let tracing = configuration.tracing ? try TracingBackend.bootstrap(logger: logger) : nil
        var app = try await buildApplication(configuration: configuration, logger: logger)
        if let tracing { app.observability.append(tracing) }
        await LoopPriority.raise(nice: configuration.loopNice, logger: logger)
        HaltPolling.report(logger: logger)
        try await app.runService()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
