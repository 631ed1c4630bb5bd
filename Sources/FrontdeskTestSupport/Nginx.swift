import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Debian's nginx on loopback in front of several `frontdesk serve` processes, configured as the
/// deployment guide says: round robin, and a request an instance could not take (refused, reset, or
/// no answer) passed to the next one — safe for webhooks, which are idempotent by event id.
public final class Nginx: @unchecked Sendable {
    let process = Process()
    let folder: URL
    public let port: Int

    /// The API through the proxy (`…/api`).
    public var base: String { "http://127.0.0.1:\(port)/api" }

    public static var executable: URL? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin"]
        return path.map { URL(fileURLWithPath: $0).appendingPathComponent("nginx") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    public struct Missing: Error, CustomStringConvertible {
        public var description: String { "nginx is not installed (make test installs Debian's nginx-light)" }
    }

    public init(upstreams: [Int], port: Int) throws {
        guard let executable = Self.executable else { throw Missing() }
        self.port = port
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("frontdesk-nginx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let servers = upstreams.map { "        server 127.0.0.1:\($0) max_fails=1 fail_timeout=3s;" }.joined(separator: "\n")
        let config = """
            \(getuid() == 0 ? "user root;" : "")
            worker_processes 1;
            daemon off;
            pid \(folder.path)/nginx.pid;
            error_log \(folder.path)/error.log error;
            events { worker_connections 4096; }
            http {
                access_log off;
                client_body_temp_path \(folder.path)/body;
                proxy_temp_path \(folder.path)/proxy;
                fastcgi_temp_path \(folder.path)/fastcgi;
                uwsgi_temp_path \(folder.path)/uwsgi;
                scgi_temp_path \(folder.path)/scgi;
                upstream frontdesk {
            \(servers)
                    keepalive 32;
                }
                server {
                    listen 127.0.0.1:\(port);
                    location / {
                        proxy_pass http://frontdesk;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_set_header Host $host;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                        proxy_set_header X-Forwarded-Proto $scheme;
                        proxy_next_upstream error timeout non_idempotent;
                        proxy_connect_timeout 1s;
                        proxy_read_timeout 30s;
                    }
                }
            }
            """
        let file = folder.appendingPathComponent("nginx.conf")
        try config.write(to: file, atomically: true, encoding: .utf8)
        process.executableURL = executable
        process.arguments = ["-p", folder.path, "-c", file.path, "-e", folder.appendingPathComponent("error.log").path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    public func waitUntilUp() async throws {
        for _ in 0..<100 {
            var request = URLRequest(url: URL(string: base + "/health")!)
            request.timeoutInterval = 2
            if let (_, response) = try? await URLSession.shared.data(for: request), (response as? HTTPURLResponse)?.statusCode == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let log = (try? String(contentsOf: folder.appendingPathComponent("error.log"), encoding: .utf8)) ?? ""
        throw NginxError(description: "nginx did not start: \(log)")
    }

    public struct NginxError: Error, CustomStringConvertible { public let description: String }

    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: folder)
    }
}
