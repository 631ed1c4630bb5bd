import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// Serves a router on 127.0.0.1 for a local stand-in (the test model, Telnyx's API, the speech
/// providers): starts it, waits until it listens, and returns the port it got (port 0: any free one)
/// with the task that serves it. `sockets` adds WebSocket routes.
public enum LoopbackServer {
    public static func start(
        _ router: Router<BasicRequestContext>, sockets: Router<BasicWebSocketRequestContext>? = nil, port: Int = 0, name: String
    ) async throws -> (port: Int, task: Task<Void, any Error>) {
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: name)
        logger.logLevel = .critical
        let configuration = ApplicationConfiguration(address: .hostname("127.0.0.1", port: port), serverName: name)
        let running: @Sendable (any Channel) async -> Void = { channel in
            listening.yield(channel.localAddress?.port ?? 0)
            listening.finish()
        }
        let serve: @Sendable () async throws -> Void
        if let sockets {
            let app = Application(
                router: router, server: .http1WebSocketUpgrade(webSocketRouter: sockets), configuration: configuration,
                onServerRunning: running, logger: logger)
            serve = { try await app.runService(gracefulShutdownSignals: []) }
        } else {
            let app = Application(router: router, configuration: configuration, onServerRunning: running, logger: logger)
            serve = { try await app.runService(gracefulShutdownSignals: []) }
        }
        let task = Task {
            do {
                try await serve()
            } catch {
                listening.finish()  // could not listen: the caller hears it below
                throw error
            }
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next(), bound > 0 else {
            task.cancel()
            throw SimulatorError("\(name) could not listen on 127.0.0.1:\(port)")
        }
        return (bound, task)
    }
}
