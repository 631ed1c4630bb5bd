import Foundation

/// Which database the store opens: a SQLite file (the embedded default) or a PostgreSQL server named
/// by a URL (`FRONTDESK_DATABASE_URL`).
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresSettings)

    /// `url` when set (a `postgres://` or `postgresql://` URL), else the SQLite file at `sqlitePath`.
    public init(databaseURL url: String?, sqlitePath: String) throws(StoreLocationError) {
        guard let url, !url.isEmpty else {
            self = .sqlite(path: sqlitePath)
            return
        }
        self = .postgres(try PostgresSettings(url: url))
    }

    /// Where, for the log: the file, or the server and database without the password.
    public var description: String {
        switch self {
        case .sqlite(let path): "SQLite file \(path)"
        case .postgres(let settings): "PostgreSQL \(settings)"
        }
    }
}

/// A database URL that cannot be used, and why.
public struct StoreLocationError: Error, Equatable, CustomStringConvertible {
    public let description: String
}

/// How to reach a PostgreSQL server: `postgres://user:password@host:port/database?sslmode=…&pool_max=…`.
/// `host` may be a Unix socket folder (`postgres://user@/database?host=/var/run/postgresql`).
public struct PostgresSettings: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Equatable {
        /// Plain TCP (loopback, or a private network).
        case disable
        /// TLS when the server offers it.
        case prefer
        /// TLS or no connection (`require`, `verify-ca` and `verify-full` all verify the certificate).
        case require
    }

    public var host: String
    public var port: Int
    /// Set when `host` is a folder holding the server's Unix socket.
    public var socketPath: String?
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// The most connections this instance opens (`pool_max`, default 20).
    public var maximumConnections: Int

    public init(url text: String) throws(StoreLocationError) {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw StoreLocationError(description: "FRONTDESK_DATABASE_URL must be a postgres:// URL")
        }
        let query = Dictionary((url.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        let socketFolder = query["host"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        host = socketFolder ?? url.host.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        port = url.port ?? 5432
        socketPath = socketFolder.map { "\($0)/.s.PGSQL.\(url.port ?? 5432)" }
        guard let user = url.user, !user.isEmpty else {
            throw StoreLocationError(description: "FRONTDESK_DATABASE_URL names no user (postgres://user:password@host/database)")
        }
        username = user
        password = url.password
        let name = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        guard !name.isEmpty, !name.contains("/") else {
            throw StoreLocationError(description: "FRONTDESK_DATABASE_URL names no database (postgres://user:password@host/database)")
        }
        database = name
        switch query["sslmode"] ?? "prefer" {
        case "disable": tls = .disable
        case "allow", "prefer": tls = .prefer
        case "require", "verify-ca", "verify-full": tls = .require
        case let other:
            throw StoreLocationError(description: "sslmode=\(other) is not one of disable, prefer, require, verify-ca, verify-full")
        }
        if let pool = query["pool_max"] {
            guard let value = Int(pool), (2...500).contains(value) else {
                throw StoreLocationError(description: "pool_max must be a whole number from 2 to 500")
            }
            maximumConnections = value
        } else {
            maximumConnections = 20
        }
    }

    public var description: String {
        "\(username)@\(socketPath ?? "\(host):\(port)")/\(database) (tls \(tls.rawValue), pool \(maximumConnections))"
    }
}
