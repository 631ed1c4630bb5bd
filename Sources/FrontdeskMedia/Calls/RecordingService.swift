import ServiceLifecycle

/// Call recordings: on a stop, the recordings of calls that have ended (the live ones were closed
/// first) are encoded before the process exits.
package struct RecordingService: Service {
    let encoder: RecordingEncoder

    package init(encoder: RecordingEncoder) {
        self.encoder = encoder
    }

    package func run() async throws {
        do { try await gracefulShutdown() } catch { return }
        await encoder.drain()
    }
}
