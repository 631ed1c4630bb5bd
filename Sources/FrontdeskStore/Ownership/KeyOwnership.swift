import Synchronization

/// Which instance acts on a key's events (one live call, one texting pair). With one process (SQLite)
/// it is always this one. On PostgreSQL it is the instance holding the key's advisory lock on a
/// connection of its own: an instance that dies lets go of every key it held at once, and the next
/// instance that claims one takes the key — and the call behind it — over.
public protocol KeyOwnership: Sendable {
    /// Takes `key` for this instance (a key this instance holds already is taken again, and must be
    /// released as many times); false when another instance holds it, or the database cannot say.
    func claim(_ key: String) async -> Bool

    /// Lets go of `key` once.
    func release(_ key: String) async

    /// Tells the other instances that events for `key` are waiting: its holder acts on them.
    func handOver(_ key: String) async

    /// Keys other instances handed over (this instance acts on them when it holds or can take them).
    /// One stream for the store's lifetime; it ends when the store closes.
    var handovers: AsyncStream<String> { get }

    /// How many keys this instance holds (for metrics).
    var held: Int { get }
}

/// One process: every key is this process's, nothing is handed over.
final class LocalKeyOwnership: KeyOwnership {
    private let counts = Mutex<[String: Int]>([:])
    let handovers: AsyncStream<String>
    private let end: AsyncStream<String>.Continuation

    init() {
        (handovers, end) = AsyncStream.makeStream()
    }

    func claim(_ key: String) async -> Bool {
        counts.withLock { $0[key, default: 0] += 1 }
        return true
    }

    func release(_ key: String) async {
        counts.withLock { counts in
            guard let count = counts[key] else { return }
            counts[key] = count > 1 ? count - 1 : nil
        }
    }

    func handOver(_ key: String) async {}

    var held: Int { counts.withLock { $0.count } }

    func close() { end.finish() }
}
