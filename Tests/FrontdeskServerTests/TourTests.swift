import Foundation
import Testing

/// The README's tour, as a new user runs it: `frontdesk serve` on its embedded default (configured with
/// `frontdesk simulate --print-server-env`), then `frontdesk simulate --server` placing the live scripts —
/// a call and a text conversation that book, and a member of the team taking a text thread over. Each
/// script also checks its events on `/api/ws` and at a signed webhook receiver.
@Suite("The README's tour against a running server")
struct TourTests {
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = CrashSafetyTests.executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `export NAME=value   # comment` lines, as a shell would read them (several names per line allowed).
    static func exports(_ text: String) -> [String: String] {
        var environment: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("export ") {
            let words = line.dropFirst("export ".count).split(separator: "#").first ?? ""
            for pair in words.split(separator: " ") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { environment[String(parts[0])] = String(parts[1]) }
            }
        }
        return environment
    }

    @Test(
        "serve, then simulate --server: the live call and text book, the team takes a text thread over, the receptionist stays quiet",
        .enabled(if: ProcessInfo.processInfo.environment["FRONTDESK_TEST_ENGINE"] != "postgres", "the tour runs on the embedded default"))
    func liveScripts() async throws {
        // Ports below Linux's ephemeral range: the default stand-in port (38440) is inside it, where an
        // outgoing connection of a test running alongside may hold it.
        let port = CrashSafetyTests.listeningPort()
        let standIn = ["--telnyx-port", String(port + 1)]
        let printed = try Self.run(["simulate", "--print-server-env"] + standIn)
        #expect(printed.status == 0)
        var environment = Self.exports(printed.output)
        environment["FRONTDESK_PUBLIC_URL"] = "http://127.0.0.1:\(port)"
        environment["FRONTDESK_WEBHOOKS_ALLOW_PRIVATE"] = "1"
        #expect(environment["TELNYX_PUBLIC_KEY"] != nil)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("frontdesk-tour-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try CrashSafetyTests.Server(database: folder.appendingPathComponent("frontdesk.sqlite").path, port: port, environment: environment)
        defer { server.kill9() }
        try await server.waitUntilUp()

        let scripts = ["18-live-call-booking.yaml", "19-live-sms-booking.yaml", "21-team-takes-over-texts.yaml"].map {
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Scenarios").appendingPathComponent($0).path
        }
        let simulated = try Self.run(["simulate", "--server", "http://127.0.0.1:\(port)"] + standIn + scripts)
        #expect(simulated.status == 0, "\(simulated.output)")
        #expect(simulated.output.contains("3 passed, 0 failed"), "\(simulated.output)")
        #expect(simulated.output.contains("[takes the thread over]"))
    }
}
