// swift-tools-version:6.2
import PackageDescription

// Swift 6 language mode (strict concurrency) everywhere, plus the upcoming features the
// Hummingbird project uses so `any` and imports stay explicit.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// Products used by several targets (each target declares every module it imports; scripts/check-layers.py checks).
let log: Target.Dependency = .product(name: "Logging", package: "swift-log")
let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let httpClient: Target.Dependency = .product(name: "AsyncHTTPClient", package: "async-http-client")
let hummingbird: Target.Dependency = .product(name: "Hummingbird", package: "hummingbird")
let websocket: Target.Dependency = .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket")
let wsClient: Target.Dependency = .product(name: "HummingbirdWSClient", package: "hummingbird-websocket")
let httpTypes: Target.Dependency = .product(name: "HTTPTypes", package: "swift-http-types")
let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioPosix: Target.Dependency = .product(name: "NIOPosix", package: "swift-nio")
let nioHTTP1: Target.Dependency = .product(name: "NIOHTTP1", package: "swift-nio")
let nioWebSocket: Target.Dependency = .product(name: "NIOWebSocket", package: "swift-nio")
let lifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")
let tracing: Target.Dependency = .product(name: "Tracing", package: "swift-distributed-tracing")

let package = Package(
    name: "frontdesk",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "frontdesk", targets: ["frontdesk"]),
    ],
    dependencies: [
        // HTTP server, router, middleware, in-memory router tests.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        // WebSockets: Retell's custom-LLM socket (and media streams).
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        // bcrypt password hashing (HummingbirdBcrypt).
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        // SQLite with WAL, migrations and records.
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        // HS256 access tokens.
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        // SHA-256 for stored token hashes, HMAC, Ed25519 (webhook signatures).
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        // The `frontdesk` command line.
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // Outbound HTTP to providers (LLM, later Telnyx/Twilio), with streaming responses.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // Simulator scripts are YAML.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        // Channels, event loops, HTTP/1 and WebSocket frames (media streams, the connection guard).
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        // Background work as services with graceful shutdown, in the order a stop needs.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // HTTP field names and statuses shared with Hummingbird and the WebSocket client.
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // PostgreSQL (FRONTDESK_DATABASE_URL=postgres://…): several instances on one database.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // Counters, gauges and histograms (the API every layer records through) and their Prometheus
        // exposition at /metrics.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Spans (a span per turn) and their OpenTelemetry export over OTLP/HTTP, off unless configured.
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
        // The dashboard's server-rendered pages (logic-less templates, embedded in the binary).
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // libopus + libopusenc (Debian's libopus-dev, libopusenc-dev): the ctl macros through shims.
        .systemLibrary(
            name: "COpus",
            pkgConfig: "opus",
            providers: [.apt(["libopus-dev", "libopusenc-dev"])]
        ),
        // libspeexdsp's resampler (libspeexdsp-dev).
        .systemLibrary(
            name: "CSpeexDSP",
            pkgConfig: "speexdsp",
            providers: [.apt(["libspeexdsp-dev"])]
        ),
        // libespeak-ng (libespeak-ng-dev): the offline text-to-speech of media mode.
        .systemLibrary(
            name: "CEspeakNG",
            pkgConfig: "espeak-ng",
            providers: [.apt(["libespeak-ng-dev"])]
        ),
        // libsodium (libsodium-dev): Ed25519 verification of Telnyx webhooks (the intake's largest cost).
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        // The Opus benchmark's baseline: the same loop in C against libopus (bench opus).
        .target(
            name: "COpusBaseline",
            dependencies: ["COpus"]
        ),
        // Call audio: G.711, L16, Opus, resampling, framing, jitter buffer, VAD, pacing, recordings.
        .target(
            name: "FrontdeskAudio",
            dependencies: ["COpus", "CSpeexDSP", "CEspeakNG"],
            swiftSettings: swiftSettings
        ),
        // The leaf every layer shares: the hot-path JSON reader and writer, hex, base64, UTC instants.
        .target(
            name: "FrontdeskWire",
            dependencies: [crypto],
            swiftSettings: swiftSettings
        ),
        // Harnesses for tests and benchmarks (a local PostgreSQL server, nginx, a browser through WebDriver); never in
        // the product.
        .target(
            name: "FrontdeskTestSupport",
            dependencies: [httpClient, nioCore, nioHTTP1, .product(name: "NIOFoundationCompat", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        // Domain types and pure rules (business hours, scoring, the conversation engine) and the
        // protocols the layers above implement (call transport, LLM, receptionist tools): no I/O.
        .target(
            name: "FrontdeskCore",
            dependencies: [metrics, tracing],
            swiftSettings: swiftSettings
        ),
        // The repositories and their two engines: SQLite (embedded default) and PostgreSQL; schema,
        // migrations, its own errors.
        .target(
            name: "FrontdeskStore",
            dependencies: [
                "FrontdeskCore",
                "FrontdeskWire",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                log, lifecycle,
            ],
            swiftSettings: swiftSettings
        ),
        // Live calls and conversations: call sessions, the conversation service and its LLM policy,
        // messaging, the provider inbox. No provider client, no HTTP.
        .target(
            name: "FrontdeskCalls",
            dependencies: ["FrontdeskCore", "FrontdeskStore", "FrontdeskWire", log, lifecycle],
            swiftSettings: swiftSettings
        ),
        // Media-mode calls over carrier WebSockets: the pipeline, pacing, recordings, speech protocols.
        .target(
            name: "FrontdeskMedia",
            dependencies: [
                "FrontdeskAudio", "FrontdeskCalls", "FrontdeskCore", "FrontdeskWire", log, crypto, lifecycle,
                nioCore, nioPosix, nioWebSocket, websocket,
            ],
            swiftSettings: swiftSettings
        ),
        // The outside world's clients and each carrier's event handling beside them: Telnyx, Twilio,
        // Retell, the LLM and the speech providers.
        .target(
            name: "FrontdeskProviders",
            dependencies: [
                "FrontdeskCalls", "FrontdeskMedia", "FrontdeskStore", "FrontdeskCore", "FrontdeskWire", "FrontdeskAudio", "CSodium",
                log, crypto, httpClient, nioCore, nioHTTP1, nioPosix, nioWebSocket, websocket, wsClient, httpTypes,
            ],
            swiftSettings: swiftSettings
        ),
        // Composition: buildApplication, configuration, middleware, auth, OpenAPI, every route and the dashboard.
        .target(
            name: "FrontdeskServer",
            dependencies: [
                "FrontdeskProviders", "FrontdeskMedia", "FrontdeskCalls", "FrontdeskStore", "FrontdeskCore", "FrontdeskWire",
                "FrontdeskAudio",
                hummingbird, .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                websocket, .product(name: "JWTKit", package: "jwt-kit"), crypto, log, nioCore, nioHTTP1, nioPosix,
                nioWebSocket, httpTypes, lifecycle, metrics, tracing,
                .product(name: "Prometheus", package: "swift-prometheus"), .product(name: "OTel", package: "swift-otel"),
                .product(name: "Mustache", package: "swift-mustache"), .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            // The dashboard's templates, stylesheet and script, compiled into the binary (no files to ship).
            resources: [.embedInCode("Dashboard/Resources")],
            swiftSettings: swiftSettings
        ),
        // `frontdesk simulate`: scripted calls against a real server, with stand-ins for the carriers,
        // the model and speech (test keys live here, not in the product).
        .target(
            name: "FrontdeskSimulator",
            dependencies: [
                "FrontdeskServer", "FrontdeskProviders", "FrontdeskMedia", "FrontdeskCalls", "FrontdeskStore", "FrontdeskCore",
                "FrontdeskWire", "FrontdeskAudio",
                hummingbird, .product(name: "HummingbirdCore", package: "hummingbird"), websocket, wsClient, httpClient, log, nioCore,
                nioHTTP1, nioPosix, nioWebSocket, httpTypes, crypto,
            ],
            swiftSettings: swiftSettings
        ),
        // The benchmarks (`frontdesk bench …`): each starts what it measures and prints a table.
        .target(
            name: "FrontdeskBenchmarks",
            dependencies: [
                "FrontdeskSimulator", "FrontdeskServer", "FrontdeskProviders", "FrontdeskMedia", "FrontdeskCalls", "FrontdeskStore",
                "FrontdeskCore", "FrontdeskWire", "FrontdeskAudio", "COpusBaseline", "FrontdeskTestSupport",
                hummingbird, wsClient, httpClient, httpTypes, log, nioCore, nioHTTP1, nioPosix, nioWebSocket,
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The command line: argument parsing over serve, simulate and bench.
        .executableTarget(
            name: "frontdesk",
            dependencies: [
                "FrontdeskBenchmarks", "FrontdeskSimulator", "FrontdeskServer", "FrontdeskProviders", "FrontdeskAudio",
                "FrontdeskCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                hummingbird, log,
            ],
            swiftSettings: swiftSettings
        ),
        // libFuzzer targets for every parser of outside input (scripts/fuzz-parsers.sh builds them with
        // -sanitize=fuzzer); in the ordinary build, a replayer of saved inputs.
        .executableTarget(
            name: "FrontdeskFuzz",
            dependencies: [
                "FrontdeskServer", "FrontdeskProviders", "FrontdeskMedia", "FrontdeskCalls", "FrontdeskCore", "FrontdeskWire",
                "FrontdeskAudio",
                nioCore, .product(name: "NIOEmbedded", package: "swift-nio"), nioHTTP1, log, hummingbird, crypto,
                .product(name: "HummingbirdCore", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FrontdeskCoreTests",
            dependencies: ["FrontdeskCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FrontdeskAudioTests",
            dependencies: ["FrontdeskAudio"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FrontdeskStoreTests",
            dependencies: [
                "FrontdeskStore", "FrontdeskCore", "FrontdeskWire", "FrontdeskTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"), log,
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FrontdeskServerTests",
            dependencies: [
                "FrontdeskSimulator", "FrontdeskServer", "FrontdeskProviders", "FrontdeskMedia", "FrontdeskCalls", "FrontdeskStore",
                "FrontdeskCore", "FrontdeskWire", "FrontdeskAudio",
                .product(name: "HummingbirdTesting", package: "hummingbird"), hummingbird, websocket, wsClient, log, httpClient,
                .product(name: "GRDB", package: "GRDB.swift"), nioCore, nioPosix, nioHTTP1, nioWebSocket, httpTypes, crypto,
                .product(name: "NIOEmbedded", package: "swift-nio"), "FrontdeskTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
