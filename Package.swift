// swift-tools-version:6.2
import PackageDescription

// Swift 6 language mode (strict concurrency) everywhere, plus the upcoming features the
// Hummingbird project uses so `any` and imports stay explicit.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

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
        // The fuzz targets' in-memory channel (NIOEmbedded); already under Hummingbird.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
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
        // Domain types and pure rules (business hours, scoring, validation): no I/O.
        .target(
            name: "FrontdeskCore",
            swiftSettings: swiftSettings
        ),
        // SQLite: schema, migrations, repositories.
        .target(
            name: "FrontdeskStore",
            dependencies: [
                "FrontdeskCore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // The Hummingbird application: buildApplication, middleware, controllers.
        .target(
            name: "FrontdeskServer",
            dependencies: [
                "FrontdeskCore",
                "FrontdeskStore",
                "FrontdeskAudio",
                "CSodium",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The command line: serve, bench.
        .executableTarget(
            name: "frontdesk",
            dependencies: [
                "FrontdeskServer",
                "FrontdeskAudio",
                "COpusBaseline",
                "FrontdeskCore",
                "FrontdeskStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        // libFuzzer targets for every parser of outside input (scripts/fuzz-parsers.sh builds them with
        // -sanitize=fuzzer); in the ordinary build, a replayer of saved inputs.
        .executableTarget(
            name: "FrontdeskFuzz",
            dependencies: [
                "FrontdeskServer",
                "FrontdeskAudio",
                "FrontdeskCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
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
            dependencies: ["FrontdeskStore", "FrontdeskCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FrontdeskServerTests",
            dependencies: [
                "FrontdeskServer",
                "FrontdeskAudio",
                "FrontdeskStore",
                "FrontdeskCore",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
