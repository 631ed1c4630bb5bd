import Logging
import PostgresNIO
import Synchronization

/// Keys held as session advisory locks (`pg_try_advisory_lock(class, hashtext(key))`, a space of its
/// own apart from the booking locks) on one connection this instance keeps for the purpose, which also
/// listens for handed-over keys. When that connection is lost, PostgreSQL lets go of its locks: the
/// instance reconnects, claims its keys again and logs any another instance took meanwhile.
/// Two keys whose hashes collide share a lock: both go to one instance, which is harmless.
final class PostgresKeyOwnership: KeyOwnership {
    static let channel = "frontdesk_handover"
    static let lockClass: Int32 = 1_717

    private enum Request: Sendable {
        case claim(String, CheckedContinuation<Bool, Never>)
        case release(String)
        case handOver(String)
    }

    private let requests: AsyncStream<Request>.Continuation
    let handovers: AsyncStream<String>
    private let handoverInput: AsyncStream<String>.Continuation
    /// Keys held, with how many times each was claimed.
    private let counts = HeldKeys()
    private let worker = Mutex<Task<Void, Never>?>(nil)

    init(client: PostgresClient, logger: Logger) {
        let (requestStream, requests) = AsyncStream<Request>.makeStream()
        self.requests = requests
        (handovers, handoverInput) = AsyncStream.makeStream()
        let task = Task { [counts, handoverInput] in
            await Self.serve(
                client: client, requests: requestStream, counts: counts, handovers: handoverInput, logger: logger)
        }
        worker.withLock { $0 = task }
    }

    func claim(_ key: String) async -> Bool {
        await withCheckedContinuation { continuation in
            if case .terminated = requests.yield(.claim(key, continuation)) { continuation.resume(returning: false) }
        }
    }

    func release(_ key: String) async { requests.yield(.release(key)) }

    func handOver(_ key: String) async { requests.yield(.handOver(key)) }

    var held: Int { counts.keys.withLock { $0.count } }

    func close() async {
        requests.finish()
        let task = worker.withLock { $0 }
        task?.cancel()
        await task?.value
        handoverInput.finish()
    }

    /// Serves requests on one connection, in order; reconnects (claiming the held keys again) when it is lost.
    private static func serve(
        client: PostgresClient, requests: AsyncStream<Request>, counts: HeldKeys,
        handovers: AsyncStream<String>.Continuation, logger: Logger
    ) async {
        var iterator = requests.makeAsyncIterator()
        var carried: Request?
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await reclaim(counts: counts, on: connection, logger: logger)
                    try await connection.listen(on: channel) { notifications in
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            group.addTask {
                                for try await notification in notifications { handovers.yield(notification.payload) }
                            }
                            defer { group.cancelAll() }
                            while true {
                                let next: Request?
                                if let request = carried { next = request; carried = nil } else { next = await iterator.next() }
                                guard let request = next else { break }
                                carried = request
                                try await perform(request, on: connection, counts: counts, logger: logger)
                                carried = nil
                            }
                        }
                    }
                    // Closing: the connection goes back to the pool without this instance's locks.
                    _ = try? await connection.query("SELECT pg_advisory_unlock_all()", logger: logger).collect()
                }
                return
            } catch {
                if Task.isCancelled { break }
                logger.warning("lost the connection that holds this instance's calls; reconnecting", metadata: ["error": "\(error)"])
                // A claim waiting on the lost connection is answered no (its event is looked at again).
                if case .claim(_, let continuation) = carried { continuation.resume(returning: false); carried = nil }
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
        if case .claim(_, let continuation) = carried { continuation.resume(returning: false) }
        while let request = await iterator.next() {
            if case .claim(_, let continuation) = request { continuation.resume(returning: false) }
        }
    }

    private static func perform(
        _ request: Request, on connection: PostgresConnection, counts: HeldKeys, logger: Logger
    ) async throws {
        switch request {
        case .claim(let key, let continuation):
            let taken = try await connection.query(
                "SELECT pg_try_advisory_lock(\(lockClass), hashtext(\(key)))", logger: logger
            ).collect().first.map { try $0.decode(Bool.self) } ?? false
            if taken { counts.keys.withLock { $0[key, default: 0] += 1 } }
            continuation.resume(returning: taken)
        case .release(let key):
            let held = counts.keys.withLock { counts -> Bool in
                guard let count = counts[key] else { return false }
                counts[key] = count > 1 ? count - 1 : nil
                return true
            }
            guard held else { return }
            _ = try await connection.query("SELECT pg_advisory_unlock(\(lockClass), hashtext(\(key)))", logger: logger).collect()
        case .handOver(let key):
            _ = try await connection.query("SELECT pg_notify(\(channel), \(key))", logger: logger).collect()
        }
    }

    /// After a reconnect: the keys this instance held are claimed again, as many times as before.
    private static func reclaim(counts: HeldKeys, on connection: PostgresConnection, logger: Logger) async throws {
        let held = counts.keys.withLock { $0 }
        for (key, count) in held {
            for _ in 0..<count {
                let taken = try await connection.query(
                    "SELECT pg_try_advisory_lock(\(lockClass), hashtext(\(key)))", logger: logger
                ).collect().first.map { try $0.decode(Bool.self) } ?? false
                if !taken {
                    logger.error("another instance took over a key while this one was disconnected", metadata: ["key": "\(key)"])
                    counts.keys.withLock { _ = $0.removeValue(forKey: key) }
                    break
                }
            }
        }
    }
}

/// Keys held, with how many times each was claimed.
private final class HeldKeys: Sendable {
    let keys = Mutex<[String: Int]>([:])
}
