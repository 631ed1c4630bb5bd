import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A PostgreSQL server for tests and benchmarks, started from Debian's `postgresql` package on
/// loopback in a temporary folder, and a fresh database per caller. `FRONTDESK_TEST_POSTGRES_URL`
/// (`postgres://user@host:port`) names a running server to use instead.
///
/// The server is started once per process and stops by itself within a second after the process
/// exits (a watcher shell polls the process), taking its folder with it.
public final class LocalPostgres: Sendable {
    public static let shared = LocalPostgres()

    public enum Durability: Sendable {
        /// fsync and synchronous commit off: for tests.
        case fast
        /// The server's defaults (fsync on, synchronous commit): for benchmarks.
        case durable
    }

    public struct Server: Sendable {
        public let host: String
        public let port: Int
        public let user: String
        let binaries: URL?

        /// `postgres://user@host:port/database?sslmode=disable`.
        public func url(database: String) -> String {
            "postgres://\(user)@\(host):\(port)/\(database)?sslmode=disable"
        }
    }

    private let started = Mutex<[String: Server]>([:])

    /// The server (started on the first call; callers meanwhile wait), with `durability` when this process starts it.
    public func server(_ durability: Durability = .fast) throws -> Server {
        try started.withLock { started in try server(durability, started: &started) }
    }

    private func server(_ durability: Durability, started: inout [String: Server]) throws -> Server {
        let key = "\(durability)"
        if let server = started[key] { return server }
        let server: Server
        if let external = ProcessInfo.processInfo.environment["FRONTDESK_TEST_POSTGRES_URL"], !external.isEmpty {
            guard let url = URLComponents(string: external), let host = url.host, let user = url.user else {
                throw LocalPostgresError("FRONTDESK_TEST_POSTGRES_URL must be postgres://user@host:port")
            }
            server = Server(host: host, port: url.port ?? 5432, user: user, binaries: try? Self.binaries())
        } else {
            server = try Self.start(durability)
        }
        started[key] = server
        return server
    }

    /// A new, empty database on the server; its `postgres://` URL.
    public func createDatabase(_ durability: Durability = .fast, prefix: String = "test") throws -> String {
        let server = try server(durability)
        let name = "\(prefix)_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())"
        try Self.run(
            try Self.tool("createdb", server), ["-h", server.host, "-p", String(server.port), "-U", server.user, name],
            asPostgres: false)
        return server.url(database: name)
    }

    /// `createDatabase`, run off the concurrency pool: starting the server and `createdb` block their
    /// thread, and two blocked threads would stall every task of a test run on a two-core machine.
    public func createDatabase(_ durability: Durability = .fast, prefix: String = "test") async throws -> String {
        try await offPool { try self.createDatabase(durability, prefix: prefix) }
    }

    /// `dropDatabase`, off the concurrency pool.
    public func dropDatabase(_ url: String) async {
        await offPool { self.dropDatabase(url) }
    }

    private func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }

    private func offPool(_ work: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                work()
                continuation.resume()
            }
        }
    }

    /// Drops a database made by `createDatabase` (its connections must be closed).
    public func dropDatabase(_ url: String) {
        guard let components = URLComponents(string: url),
            let server = started.withLock({ $0.values.first(where: { $0.port == components.port }) }),
            let tool = try? Self.tool("dropdb", server)
        else { return }
        let name = String(components.path.dropFirst())
        try? Self.run(tool, ["--if-exists", "-h", server.host, "-p", String(server.port), "-U", server.user, name], asPostgres: false)
    }

    // MARK: Starting a server

    /// Debian keeps the server's programs in /usr/lib/postgresql/<version>/bin.
    static func binaries() throws -> URL {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let bin = root.appendingPathComponent(version).appendingPathComponent("bin")
            if FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("initdb").path) { return bin }
        }
        throw LocalPostgresError(
            "PostgreSQL is not installed: apt-get install postgresql (make test installs it), or set FRONTDESK_TEST_POSTGRES_URL")
    }

    static func tool(_ name: String, _ server: Server) throws -> URL {
        if let binaries = server.binaries { return binaries.appendingPathComponent(name) }
        for folder in ["/usr/bin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
            return URL(fileURLWithPath: "\(folder)/\(name)")
        }
        throw LocalPostgresError("\(name) not found")
    }

    /// PostgreSQL refuses to run as root: as root, its programs run as the `postgres` user.
    static var isRoot: Bool { getuid() == 0 }

    private static func start(_ durability: Durability) throws -> Server {
        let bin = try binaries()
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("frontdesk-pg-\(UUID().uuidString.prefix(8))")
        let data = folder.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if isRoot {
            try run(URL(fileURLWithPath: "/bin/chown"), ["postgres", folder.path], asPostgres: false)
        }
        let user = "frontdesk"
        try run(
            bin.appendingPathComponent("initdb"),
            ["-D", data.path, "-U", user, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"], asPostgres: isRoot)
        let port = try freePort()
        var settings = [
            "listen_addresses=127.0.0.1", "port=\(port)", "unix_socket_directories=\(folder.path)", "max_connections=400",
            "shared_buffers=128MB",
        ]
        if durability == .fast { settings += ["fsync=off", "synchronous_commit=off", "full_page_writes=off"] }
        let postgres = bin.appendingPathComponent("postgres").path
        let options = settings.map { "-c \($0)" }.joined(separator: " ")
        // The server runs while this process lives; the watcher stops it (fast shutdown) and removes its folder after.
        let script = """
            \(postgres) -D \(data.path) \(options) >\(folder.path)/server.log 2>&1 &
            server=$!
            while [ -d /proc/\(getpid()) ] && kill -0 $server 2>/dev/null; do sleep 0.5; done
            kill -INT $server 2>/dev/null; wait $server; rm -rf \(folder.path)
            """
        let watcher = Process()
        if isRoot {
            watcher.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            watcher.arguments = ["-u", "postgres", "--", "/bin/sh", "-c", script]
        } else {
            watcher.executableURL = URL(fileURLWithPath: "/bin/sh")
            watcher.arguments = ["-c", script]
        }
        watcher.standardOutput = FileHandle.nullDevice
        watcher.standardError = FileHandle.nullDevice
        try watcher.run()
        let server = Server(host: "127.0.0.1", port: port, user: user, binaries: bin)
        let ready = bin.appendingPathComponent("pg_isready")
        for _ in 0..<200 {
            if (try? run(ready, ["-h", "127.0.0.1", "-p", String(port), "-U", user, "-q"], asPostgres: false)) != nil { return server }
            usleep(50_000)
        }
        let log = (try? String(contentsOfFile: folder.appendingPathComponent("server.log").path, encoding: .utf8)) ?? ""
        throw LocalPostgresError("PostgreSQL did not start on port \(port): \(log.suffix(800))")
    }

    /// Runs a program to its end; throws with its output when it fails.
    @discardableResult
    static func run(_ program: URL, _ arguments: [String], asPostgres: Bool) throws -> String {
        let process = Process()
        if asPostgres {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", "postgres", "--", program.path] + arguments
        } else {
            process.executableURL = program
            process.arguments = arguments
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw LocalPostgresError("\(program.lastPathComponent) failed (\(process.terminationStatus)): \(text)")
        }
        return text
    }

    /// A TCP port nothing listens on now, from the kernel.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LocalPostgresError("no socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw LocalPostgresError("cannot bind a port") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

public struct LocalPostgresError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
