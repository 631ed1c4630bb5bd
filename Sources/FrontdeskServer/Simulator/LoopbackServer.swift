import Hummingbird
import Logging

/// Serves a router on 127.0.0.1 for a local stand-in (the test model, Telnyx's API): starts it, waits
/// until it listens, and returns the port it got (port 0: any free one) with the task that serves it.
enum LoopbackServer {
    static func start(
        _ router: Router<BasicRequestContext>, port: Int = 0, name: String
    ) async throws -> (port: Int, task: Task<Void, any Error>) {
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: name)
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: name),
            onServerRunning: { channel in
                listening.yield(channel.localAddress?.port ?? 0)
                listening.finish()
            }, logger: logger)
        let task = Task {
            do {
                try await app.runService(gracefulShutdownSignals: [])
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
