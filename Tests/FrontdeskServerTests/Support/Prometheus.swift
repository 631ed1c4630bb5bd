import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Debian's Prometheus server on loopback, scraping one target's `/metrics` every second (with a bearer
/// token, as the deployment guide configures it), and asked questions in PromQL over its HTTP API.
final class Prometheus: @unchecked Sendable {
    let process = Process()
    let folder: URL
    let port: Int

    static var executable: URL? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"]
        return path.map { URL(fileURLWithPath: $0).appendingPathComponent("prometheus") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    struct Missing: Error, CustomStringConvertible {
        var description: String { "prometheus is not installed (make test installs Debian's prometheus)" }
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    init(scraping target: String, token: String, port: Int) throws {
        guard let executable = Self.executable else { throw Missing() }
        self.port = port
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("frontdesk-prometheus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: frontdesk
                metrics_path: /metrics
                authorization:
                  credentials: \(token)
                static_configs:
                  - targets: ['\(target)']
            """
        let file = folder.appendingPathComponent("prometheus.yml")
        try config.write(to: file, atomically: true, encoding: .utf8)
        process.executableURL = executable
        process.arguments = [
            "--config.file=\(file.path)", "--storage.tsdb.path=\(folder.appendingPathComponent("data").path)",
            "--web.listen-address=127.0.0.1:\(port)", "--log.level=error",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    func waitUntilReady() async throws {
        for _ in 0..<150 {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/-/ready")!)
            request.timeoutInterval = 2
            if let (_, response) = try? await URLSession.shared.data(for: request), (response as? HTTPURLResponse)?.statusCode == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure(description: "prometheus did not start")
    }

    /// An instant query's result: one value per series, keyed by its labels (`name="value",…`, sorted;
    /// without the metric's name and the scrape's own `job` and `instance`).
    func query(_ promql: String) async throws -> [String: Double] {
        var components = URLComponents(string: "http://127.0.0.1:\(port)/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: promql)]
        var request = URLRequest(url: components.url!)
        request.timeoutInterval = 5
        let (data, _) = try await URLSession.shared.data(for: request)
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any], json["status"] as? String == "success",
            let result = (json["data"] as? [String: Any])?["result"] as? [[String: Any]]
        else { throw Failure(description: "query \(promql) failed: \(String(decoding: data, as: UTF8.self))") }
        var values: [String: Double] = [:]
        for series in result {
            let labels = (series["metric"] as? [String: String] ?? [:]).filter { !["instance", "job", "__name__"].contains($0.key) }
            let key = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",")
            if let pair = series["value"] as? [Any], let text = pair.last as? String, let value = Double(text) { values[key] = value }
        }
        return values
    }

    /// The single value `promql` gives (the sum when it gives several series), nil when none.
    func value(_ promql: String) async throws -> Double? {
        let values = try await query(promql)
        return values.isEmpty ? nil : values.values.reduce(0, +)
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: folder)
    }
}
