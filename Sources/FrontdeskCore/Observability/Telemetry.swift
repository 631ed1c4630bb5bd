import Metrics
import Tracing

/// Every metric Frontdesk records, in one place: its name, its labels and when it moves. The layers call
/// these; `frontdesk serve` exposes them at `/metrics` (Prometheus) — until a metrics backend is
/// bootstrapped they cost a no-op. Labels take a handful of values each (a route template, a provider,
/// a stage), never an id, so the series stay few. docs/deployment.md lists them for dashboards.
package enum Telemetry {
    // MARK: HTTP

    /// `frontdesk_http_requests_total{method,route,status}` and `frontdesk_http_request_duration_seconds{method,route}`.
    /// `route` is the route's template (`/api/calls/{id}`), `NotFound` for paths no route has.
    package static func httpRequest(method: String, route: String, status: Int, duration: Duration) {
        // A client may send any method token: only the standard ones get a series of their own.
        let method = standardMethods.contains(method) ? method : "other"
        Counter(label: "frontdesk_http_requests_total", dimensions: [("method", method), ("route", route), ("status", String(status))])
            .increment()
        Metrics.Timer(label: "frontdesk_http_request_duration_seconds", dimensions: [("method", method), ("route", route)])
            .recordNanoseconds(duration.nanoseconds)
    }

    static let standardMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    // MARK: Webhooks

    /// `frontdesk_webhook_events_total{provider,outcome}`: each verified event stored (`new`) or seen
    /// before (`duplicate`, answered without acting again). Refused ones (a bad or stale signature, a
    /// malformed body) are the webhook route's 401 and 400 in `frontdesk_http_requests_total`.
    package static func webhookEvent(provider: String, duplicate: Bool) {
        Counter(label: "frontdesk_webhook_events_total", dimensions: [("provider", provider), ("outcome", duplicate ? "duplicate" : "new")])
            .increment()
    }

    /// `frontdesk_webhook_handling_seconds{provider}`: acting on one stored event (the call's reply,
    /// commands to the carrier and the writes included).
    package static func webhookHandled(provider: String, _ duration: Duration) {
        Metrics.Timer(label: "frontdesk_webhook_handling_seconds", dimensions: [("provider", provider)]).recordNanoseconds(duration.nanoseconds)
    }

    // MARK: Calls and streams

    /// `frontdesk_active_calls{provider}`: call sessions live in this instance.
    package static func callSession(provider: String, started: Bool) {
        let meter = Meter(label: "frontdesk_active_calls", dimensions: [("provider", provider)])
        if started { meter.increment() } else { meter.decrement() }
    }

    /// `frontdesk_calls_taken_over_total{provider}`: calls this instance resumed after another one stopped.
    package static func callTakenOver(provider: String) {
        Counter(label: "frontdesk_calls_taken_over_total", dimensions: [("provider", provider)]).increment()
    }

    /// `frontdesk_active_media_streams{carrier}`: carrier media WebSockets open in this instance.
    package static func mediaStream(carrier: String, started: Bool) {
        let meter = Meter(label: "frontdesk_active_media_streams", dimensions: [("carrier", carrier)])
        if started { meter.increment() } else { meter.decrement() }
    }

    /// `frontdesk_turn_stage_seconds{stage}`, one observation per stage of each caller turn in media
    /// mode: `end_of_turn` (silence waited), `speech_to_text` (turn end → final words), `llm` (words →
    /// first reply sentence), `llm_first_token`, `text_to_speech` (sentence → first audio), `first_frame`
    /// (audio → the carrier) and `total` (caller's last voice → first frame out). Buckets reach 30 s so
    /// the tail stays visible.
    /// Also one trace per turn when tracing is on (`frontdesk serve --otel`): a `turn` span with a child
    /// span per stage (`end-of-turn`, `speech-to-text`, `llm`, `text-to-speech`, `send`), timed after
    /// the fact from the stages' clocks, ending at `end` (the first frame out).
    package static func turn(
        _ latency: TurnLatency, endedAt end: DefaultTracerClock.Timestamp = DefaultTracerClock.now,
        attributes: [(String, String)] = []
    ) {
        func record(_ stage: String, _ ms: Double?) {
            guard let ms, ms.isFinite, ms >= 0 else { return }
            Metrics.Timer(label: "frontdesk_turn_stage_seconds", dimensions: [("stage", stage)]).recordNanoseconds(Int64(ms * 1_000_000))
        }
        let stages: [(metric: String, span: String, ms: Double)] = [
            ("end_of_turn", "end-of-turn", latency.endOfTurnMs), ("speech_to_text", "speech-to-text", latency.transcriptMs),
            ("llm", "llm", latency.replyMs), ("text_to_speech", "text-to-speech", latency.firstAudioMs),
            ("first_frame", "send", latency.firstFrameMs),
        ]
        for stage in stages { record(stage.metric, stage.ms) }
        record("llm_first_token", latency.firstTokenMs)
        let total = stages.reduce(0) { $0 + max(0, $1.ms.isFinite ? $1.ms : 0) }
        record("total", total)
        traceTurn(
            stages: stages.map { ($0.span, $0.ms) }, endedAt: end,
            attributes: attributes.map { ($0, $1 as any SpanAttributeConvertible) } + [("frontdesk.turn", latency.turn), ("frontdesk.mode", "media")],
            stageAttributes: [
                "llm": latency.firstTokenMs.map { [("frontdesk.first_token_ms", format2($0))] } ?? [],
                "speech-to-text": latency.speechToTextMs.map { [("frontdesk.provider_ms", format2($0))] } ?? [],
                "text-to-speech": latency.textToSpeechMs.map { [("frontdesk.provider_ms", format2($0))] } ?? [],
            ])
    }

    /// A `turn` span and one child per stage, back to back, the last ending at `end`.
    package static func traceTurn(
        stages: [(name: String, ms: Double)], endedAt end: DefaultTracerClock.Timestamp,
        attributes: [(String, any SpanAttributeConvertible)], stageAttributes: [String: [(String, any SpanAttributeConvertible)]] = [:]
    ) {
        let tracer = InstrumentationSystem.tracer
        let durations = stages.map { UInt64(max(0, $0.ms.isFinite ? $0.ms : 0) * 1_000_000) }
        let total = durations.reduce(0, +)
        let endNanos = end.nanosecondsSinceEpoch
        var cursor = endNanos >= total ? endNanos - total : 0
        let turn = tracer.startSpan("turn", context: .topLevel, ofKind: .internal, at: DefaultTracerClock.Timestamp(nanosecondsSinceEpoch: cursor))
        for (name, value) in attributes { turn.attributes[name] = value }
        for (stage, duration) in zip(stages, durations) {
            let span = tracer.startSpan(
                stage.name, context: turn.context, ofKind: .internal, at: DefaultTracerClock.Timestamp(nanosecondsSinceEpoch: cursor))
            for (name, value) in stageAttributes[stage.name] ?? [] { span.attributes[name] = value }
            cursor += duration
            span.end(at: DefaultTracerClock.Timestamp(nanosecondsSinceEpoch: cursor))
        }
        turn.end(at: DefaultTracerClock.Timestamp(nanosecondsSinceEpoch: endNanos))
    }

    private static func format2(_ value: Double) -> Double { (value * 100).rounded() / 100 }

    /// `frontdesk_conversation_turn_seconds{mode}`: a caller's words (a carrier's transcript, a text, a
    /// Retell turn) → the reply decided, in the modes where the carrier does the speech.
    /// Traced as a `turn` span with one `llm` child (the reply decided: the model or the scripted policy).
    package static func conversationTurn(mode: String, _ duration: Duration, attributes: [(String, String)] = []) {
        Metrics.Timer(label: "frontdesk_conversation_turn_seconds", dimensions: [("mode", mode)]).recordNanoseconds(duration.nanoseconds)
        traceTurn(
            stages: [("llm", Double(duration.nanoseconds) / 1_000_000)], endedAt: DefaultTracerClock.now,
            attributes: attributes.map { ($0, $1 as any SpanAttributeConvertible) } + [("frontdesk.mode", mode)])
    }

    // MARK: Providers

    /// `frontdesk_provider_request_seconds{provider,operation}` (to the provider's answer: a response, a
    /// first token, first audio, final words) and `frontdesk_provider_errors_total{provider,operation}`.
    package static func providerRequest(provider: String, operation: String, _ duration: Duration, failed: Bool) {
        let dimensions = [("provider", provider), ("operation", operation)]
        Metrics.Timer(label: "frontdesk_provider_request_seconds", dimensions: dimensions).recordNanoseconds(duration.nanoseconds)
        if failed { Counter(label: "frontdesk_provider_errors_total", dimensions: dimensions).increment() }
    }

    /// Times `body` as one provider request; a thrown error counts as a provider error.
    package static func measure<T>(
        provider: String, operation: String, _ body: () async throws -> T
    ) async throws -> T {
        let start = ContinuousClock.now
        do {
            let value = try await body()
            providerRequest(provider: provider, operation: operation, .now - start, failed: false)
            return value
        } catch {
            providerRequest(provider: provider, operation: operation, .now - start, failed: true)
            throw error
        }
    }

    // MARK: Database

    /// `frontdesk_db_pool_connections{engine}`: the most connections the pool opens (PostgreSQL) or its
    /// readers (SQLite, plus its one writer).
    package static func databasePool(engine: String, size: Int) {
        Gauge(label: "frontdesk_db_pool_connections", dimensions: [("engine", engine)]).record(size)
    }

    /// `frontdesk_db_in_use{engine}`: statements and transactions waiting for or holding a connection now
    /// (above the pool size, they queue).
    package static func databaseInUse(engine: String, delta: Int) {
        let meter = Meter(label: "frontdesk_db_in_use", dimensions: [("engine", engine)])
        if delta > 0 { meter.increment(by: Double(delta)) } else { meter.decrement(by: Double(-delta)) }
    }

    /// `frontdesk_db_operation_seconds{engine,kind}` (`read`, `write`, `transaction`; the wait for a
    /// connection included) and `frontdesk_db_errors_total{engine,kind}`.
    package static func databaseOperation(engine: String, kind: String, _ duration: Duration, failed: Bool) {
        let dimensions = [("engine", engine), ("kind", kind)]
        Metrics.Timer(label: "frontdesk_db_operation_seconds", dimensions: dimensions).recordNanoseconds(duration.nanoseconds)
        if failed { Counter(label: "frontdesk_db_errors_total", dimensions: dimensions).increment() }
    }

    /// Runs one database operation with its in-use count and timing.
    package static func database<T>(engine: String, kind: String, _ body: () async throws -> T) async throws -> T {
        databaseInUse(engine: engine, delta: 1)
        defer { databaseInUse(engine: engine, delta: -1) }
        let start = ContinuousClock.now
        do {
            let value = try await body()
            databaseOperation(engine: engine, kind: kind, .now - start, failed: false)
            return value
        } catch {
            databaseOperation(engine: engine, kind: kind, .now - start, failed: true)
            throw error
        }
    }

    // MARK: Scheduling

    /// `frontdesk_scheduler_lag_seconds`: how late a task asked to wake after a fixed sleep actually ran —
    /// the time work waits for a thread when the process (or the machine) is saturated.
    /// An outbound webhook attempt: `succeeded`, `retrying` or `failed`, and how long the receiver took.
    package static func webhookDelivery(outcome: String, _ duration: Duration) {
        Counter(label: "frontdesk_webhook_deliveries_total", dimensions: [("outcome", outcome)]).increment()
        Metrics.Timer(label: "frontdesk_webhook_delivery_seconds").recordNanoseconds(duration.nanoseconds)
    }

    /// An event stored in the feed, and how many WebSocket clients listen in this process.
    package static func eventPublished(type: String) {
        Counter(label: "frontdesk_events_total", dimensions: [("type", type)]).increment()
    }

    package static func eventSockets(delta: Int) {
        let meter = Meter(label: "frontdesk_event_sockets")
        delta > 0 ? meter.increment() : meter.decrement()
    }

    package static func schedulerLag(_ lag: Duration) {
        Metrics.Timer(label: "frontdesk_scheduler_lag_seconds").recordNanoseconds(max(0, lag.nanoseconds))
    }

    /// The buckets each duration histogram keeps (the others use Prometheus's 5 ms … 10 s).
    package static let histogramBuckets: [String: [Duration]] = {
        let turn: [Duration] = [10, 25, 50, 100, 200, 300, 500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, 10_000, 30_000].map { .milliseconds($0) }
        let fast: [Duration] = [0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 5_000].map { .microseconds($0 * 1_000) }
        return [
            "frontdesk_turn_stage_seconds": turn,
            "frontdesk_conversation_turn_seconds": turn,
            "frontdesk_provider_request_seconds": turn,
            "frontdesk_webhook_handling_seconds": turn,
            "frontdesk_db_operation_seconds": fast,
            "frontdesk_scheduler_lag_seconds": fast,
        ]
    }()
}

extension Duration {
    /// Whole nanoseconds (saturating), as metrics record them.
    package var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return whole &+ attoseconds / 1_000_000_000
    }
}
