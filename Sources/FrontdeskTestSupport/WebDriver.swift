import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A real browser for the dashboard's tests: Debian's chromium, headless, driven through chromedriver
/// with the W3C WebDriver protocol (JSON over HTTP — no Selenium needed).
public final class WebDriver: @unchecked Sendable {
    public static let elementKey = "element-6066-11e4-a52e-4f735466cecf"
    public let process = Process()
    public let base: String
    public private(set) var session = ""

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// chromedriver from `chromium-driver`, or nil with why (make test installs it).
    public static var chromedriver: String? {
        ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public init(port: Int) throws {
        guard let driver = Self.chromedriver else {
            throw Failure(description: "chromedriver is not installed (apt-get install chromium chromium-driver; make test does)")
        }
        base = "http://127.0.0.1:\(port)"
        process.executableURL = URL(fileURLWithPath: driver)
        process.arguments = ["--port=\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Waits for chromedriver, then opens a headless chromium window of `width` × `height`.
    public func start(width: Int = 1280, height: Int = 900) async throws {
        for _ in 0..<100 {
            if let ready = try? await call("GET", "/status"), (ready["ready"] as? Bool) == true { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let capabilities: [String: Any] = [
            "capabilities": [
                "alwaysMatch": [
                    "browserName": "chrome",
                    "goog:chromeOptions": [
                        "binary": "/usr/bin/chromium",
                        "args": [
                            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=\(width),\(height)",
                            "--autoplay-policy=no-user-gesture-required",
                        ],
                    ],
                ]
            ]
        ]
        let answer = try await call("POST", "/session", capabilities)
        guard let id = answer["sessionId"] as? String else { throw Failure(description: "no WebDriver session: \(answer)") }
        session = id
    }

    public func quit() async {
        if !session.isEmpty { _ = try? await call("DELETE", "/session/\(session)") }
        // The browser closed with its session. chromedriver itself inherits the test process's blocked
        // SIGTERM (Foundation's Process keeps the spawning thread's signal mask), so a terminate()
        // left one running after every test run: it is killed.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    // MARK: the page

    public func go(_ url: String) async throws { _ = try await command("POST", "/url", ["url": url]) }

    public var url: String { get async throws { try await command("GET", "/url") as? String ?? "" } }

    /// The first element matching `css`, waiting for it up to `timeout`.
    public func find(_ css: String, timeout: Duration = .seconds(10)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let found = try? await command("POST", "/element", ["using": "css selector", "value": css]) as? [String: Any],
                let id = found[Self.elementKey] as? String
            {
                return id
            }
            if ContinuousClock.now > deadline { throw Failure(description: "no element matches \(css) on \(try await url)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    public func count(_ css: String) async throws -> Int {
        (try await command("POST", "/elements", ["using": "css selector", "value": css]) as? [Any])?.count ?? 0
    }

    public func type(_ css: String, _ text: String, clear: Bool = true) async throws {
        let element = try await find(css)
        if clear { _ = try await command("POST", "/element/\(element)/clear", [:]) }
        _ = try await command("POST", "/element/\(element)/value", ["text": text])
    }

    public func click(_ css: String) async throws {
        let element = try await find(css)
        _ = try await command("POST", "/element/\(element)/click", [:])
    }

    /// The text of the first element matching `css` (found again when a page load replaced it).
    /// Clicks something that loads a new page (a link, a form's button) and waits for that page.
    public func navigate(byClicking css: String, acceptingConfirm: Bool = false) async throws {
        _ = try await execute("window.__frontdeskOldPage = true")
        try await click(css)
        if acceptingConfirm { try await acceptAlert() }
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if let loaded = try? await execute("return window.__frontdeskOldPage !== true && document.readyState === 'complete'") as? Bool, loaded {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure(description: "clicking \(css) loaded no new page")
    }

    public func text(_ css: String) async throws -> String {
        for attempt in 0..<20 {
            let element = try await find(css)
            do {
                return try await command("GET", "/element/\(element)/text") as? String ?? ""
            } catch let failure as Failure where attempt < 19 && (failure.description.contains("stale element") || failure.description.contains("does not belong to the document")) {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        return ""
    }

    /// Text of `css` once it contains `expected` (or the last text seen, after `timeout`).
    public func waitForText(_ css: String, containing expected: String, timeout: Duration = .seconds(10)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            last = (try? await text(css)) ?? ""
            if last.contains(expected) { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        return last
    }

    public func execute(_ script: String, _ arguments: [Any] = []) async throws -> Any? {
        try await command("POST", "/execute/sync", ["script": script, "args": arguments])
    }

    /// A script whose last argument is the callback to call with its result.
    public func executeAsync(_ script: String, _ arguments: [Any] = []) async throws -> Any? {
        try await command("POST", "/execute/async", ["script": script, "args": arguments])
    }

    public func acceptAlert() async throws { _ = try await command("POST", "/alert/accept", [:]) }

    public func resize(width: Int, height: Int) async throws {
        _ = try await command("POST", "/window/rect", ["width": width, "height": height])
    }

    /// A PNG of the viewport, written to `path`.
    public func screenshot(to path: String) async throws {
        guard let encoded = try await command("GET", "/screenshot") as? String, let data = Data(base64Encoded: encoded) else {
            throw Failure(description: "no screenshot")
        }
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path))
    }

    // MARK: the protocol

    private func command(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        let answer = try await call(method, "/session/\(session)\(path)", body)
        return answer["__value"]
    }

    /// One WebDriver request; its `value` (under `__value` when not an object), or the error it reports.
    private func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        // AsyncHTTPClient: Foundation's URLSession on Linux cannot read chromedriver's answers.
        var request = HTTPClientRequest(url: base + path)
        request.method = HTTPMethod(rawValue: method)
        if let body {
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let data = Data(buffer: try await response.body.collect(upTo: 64 << 20))
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        let value = json["value"]
        if let object = value as? [String: Any], let error = object["error"] as? String {
            throw Failure(description: "WebDriver \(method) \(path): \(error): \(object["message"] ?? "")")
        }
        var answer = (value as? [String: Any]) ?? [:]
        answer["__value"] = value ?? NSNull()
        return answer
    }
}
