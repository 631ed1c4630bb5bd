import Foundation
import FrontdeskSimulator
import Hummingbird
import Synchronization
import Testing

/// OpenTelemetry tracing as an operator turns it on: `FRONTDESK_TRACING=otlp` and the OTel variables,
/// spans exported over OTLP/HTTP (JSON) to a collector — here a stand-in that keeps what it is sent.
@Suite("OpenTelemetry tracing")
struct TracingTests {
    /// What the collector was sent: every span of every `POST /v1/traces`, with its service's name.
    final class Collector: Sendable {
        final class Received: Sendable {
            let spans = Mutex<[Span]>([])
        }
        let received = Received()
        let task: Task<Void, any Error>
        let port: Int

        struct Span: Sendable {
            let service: String
            let traceId: String
            let spanId: String
            let parentSpanId: String?
            let name: String
            let start: UInt64
            let end: UInt64
            let attributes: [String: String]
        }

        init() async throws {
            let received = self.received
            let router = Router()
            router.post("v1/traces") { request, _ -> Response in
                let body = try await request.body.collect(upTo: 16 << 20)
                guard let json = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
                    return Response(status: .badRequest)
                }
                received.spans.withLock { $0 += Self.parse(json) }
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: "{}")))
            }
            (port, task) = try await LoopbackServer.start(router, name: "otlp-collector")
        }

        /// OTLP/JSON: resourceSpans → scopeSpans → spans; attribute values as their text.
        static func parse(_ json: [String: Any]) -> [Span] {
            var found: [Span] = []
            for resource in json["resourceSpans"] as? [[String: Any]] ?? [] {
                let resourceAttributes = attributes((resource["resource"] as? [String: Any])?["attributes"])
                for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] {
                    for span in scope["spans"] as? [[String: Any]] ?? [] {
                        found.append(Span(
                            service: resourceAttributes["service.name"] ?? "", traceId: span["traceId"] as? String ?? "",
                            spanId: span["spanId"] as? String ?? "", parentSpanId: (span["parentSpanId"] as? String).flatMap { $0.isEmpty ? nil : $0 },
                            name: span["name"] as? String ?? "", start: UInt64(span["startTimeUnixNano"] as? String ?? "") ?? 0,
                            end: UInt64(span["endTimeUnixNano"] as? String ?? "") ?? 0, attributes: attributes(span["attributes"])))
                    }
                }
            }
            return found
        }

        static func attributes(_ list: Any?) -> [String: String] {
            var values: [String: String] = [:]
            for attribute in list as? [[String: Any]] ?? [] {
                guard let key = attribute["key"] as? String, let value = attribute["value"] as? [String: Any], let first = value.first else { continue }
                values[key] = "\(first.value)"
            }
            return values
        }

        func stop() { task.cancel() }
    }

    /// Runs `frontdesk simulate` with tracing on, exporting to `collector`; whether every scenario passed.
    static func simulate(_ arguments: [String], to collector: Collector) async throws -> Bool {
        let process = Process()
        process.executableURL = CrashSafetyTests.executable
        process.arguments = ["simulate", "--quiet"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging([
            "FRONTDESK_TRACING": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(collector.port)",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json", "OTEL_SERVICE_NAME": "frontdesk-test",
        ]) { _, new in new }
        process.currentDirectoryURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        return process.terminationStatus == 0
    }

    @Test("a span per turn: in media mode speech-to-text → LLM → text-to-speech as its children, in a carrier's speech mode the reply; a span per request")
    func spanPerTurn() async throws {
        // The audio runs in real time: once, in the first pass (it does not touch the database engine).
        guard ProcessInfo.processInfo.environment["FRONTDESK_TEST_ENGINE"] != "postgres" else { return }
        let collector = try await Collector()
        defer { collector.stop() }
        async let audio = Self.simulate(["--audio", "--llm", "Scenarios/20-barge-in.yaml"], to: collector)
        async let text = Self.simulate(["--llm", "Scenarios/20-barge-in.yaml"], to: collector)
        #expect(try await audio, "the audio scenario failed")
        #expect(try await text, "the text scenario failed")
        let spans = collector.received.spans.withLock { $0 }
        #expect(spans.allSatisfy { $0.service == "frontdesk-test" })
        let turns = spans.filter { $0.name == "turn" }
        let children = Dictionary(grouping: spans.filter { $0.parentSpanId != nil }, by: { $0.parentSpanId! })

        // Media mode: each turn is its stages, back to back, in one trace.
        let media = turns.filter { $0.attributes["frontdesk.mode"] == "media" }
        #expect(media.count >= 2, "media turns: \(media.count)")
        for turn in media {
            let stages = (children[turn.spanId] ?? []).sorted { $0.start < $1.start }
            #expect(stages.map(\.name) == ["end-of-turn", "speech-to-text", "llm", "text-to-speech", "send"])
            #expect(stages.allSatisfy { $0.traceId == turn.traceId && $0.start >= turn.start && $0.end <= turn.end && $0.start <= $0.end })
            #expect(zip(stages, stages.dropFirst()).allSatisfy { $0.end <= $1.start })
            #expect(turn.attributes["frontdesk.call_id"]?.hasPrefix("call_") == true)
            #expect(turn.attributes["frontdesk.carrier"] == "telnyx")
            #expect(stages.first { $0.name == "llm" }?.attributes["frontdesk.first_token_ms"] != nil)
        }
        // Each request the server answers is a span named by its route, continuing the caller's trace
        // (the simulator's outbound request sends `traceparent`).
        let webhooks = spans.filter { $0.name == "/api/webrtc/webhook" && $0.attributes["http.response.status_code"] == "200" }
        #expect(!webhooks.isEmpty)
        #expect(webhooks.allSatisfy { hook in spans.contains { $0.spanId == hook.parentSpanId && $0.traceId == hook.traceId && $0.name == "POST" } })
        // The carrier's own speech (Telnyx transcription and speak): the turn is the reply.
        let carrier = turns.filter { $0.attributes["frontdesk.mode"] == "telnyx" }
        #expect(carrier.count >= 2, "carrier turns: \(carrier.count)")
        for turn in carrier {
            #expect((children[turn.spanId] ?? []).map(\.name) == ["llm"])
        }
    }
}
