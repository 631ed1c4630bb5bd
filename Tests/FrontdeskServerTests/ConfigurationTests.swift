import Foundation
import FrontdeskServer
import Testing

@Suite("Configuration from the environment")
struct ConfigurationTests {
    @Test("no variables gives the documented defaults")
    func defaults() throws {
        let config = try AppConfiguration.fromEnvironment([:])
        #expect(config.host == "127.0.0.1")
        #expect(config.port == 3000)
        #expect(config.databasePath == "./data/frontdesk.sqlite")
        #expect(config.jwtSecret == nil)
        #expect(config.rateLimits == RateLimits(authenticated: 1000, anonymous: 100, webhooks: 1_000_000))
        #expect(config.ttsProvider == "espeak")
        #expect(config.llmBaseURL == nil)
        #expect(config.telnyxAPIBase.absoluteString == "https://api.telnyx.com/v2")
        #expect(config.loopNice == -10)
    }

    @Test("values are read and typed")
    func values() throws {
        let config = try AppConfiguration.fromEnvironment([
            "FRONTDESK_PORT": "8080", "FRONTDESK_INSECURE_WEBHOOKS": "1", "LLM_BASE_URL": "http://127.0.0.1:11434/v1",
            "TELNYX_PUBLIC_KEY": "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=", "STT_PROVIDER": "Deepgram",
            "FRONTDESK_HOST": "  ", "MEDIA_LOOP_NICE": "0",
        ])
        #expect(config.loopNice == 0)
        #expect(config.port == 8080)
        #expect(config.insecureWebhooks)
        #expect(config.llmBaseURL?.port == 11434)
        #expect(config.telnyxPublicKey?.count == 32)
        #expect(config.sttProvider == "deepgram")
        #expect(config.host == "127.0.0.1", "an empty value counts as unset")
    }

    @Test("a bad value is one clear error naming the variable",
          arguments: [
            ("FRONTDESK_PORT", "eighty"), ("FRONTDESK_PORT", "70000"), ("TELNYX_PUBLIC_KEY", "not-base64!"),
            ("TELNYX_PUBLIC_KEY", "AAAA"), ("FRONTDESK_JWT_SECRET", "short"), ("LLM_BASE_URL", "ftp://x"),
            ("FRONTDESK_INSECURE_WEBHOOKS", "maybe"), ("TTS_PROVIDER", "polly"), ("FRONTDESK_BCRYPT_COST", "40"),
            ("MEDIA_LOOP_NICE", "5"), ("FRONTDESK_TRACING", "jaeger"), ("FRONTDESK_METRICS_TOKEN", "short"),
            ("FRONTDESK_METRICS", "perhaps"),
            // 32 bytes, but a small-order point: no signature could ever be checked against it.
            ("TELNYX_PUBLIC_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
          ])
    func badValues(_ name: String, _ value: String) {
        #expect {
            try AppConfiguration.fromEnvironment([name: value])
        } throws: { error in
            let error = error as? ConfigurationError
            return error?.variable == name && !(error?.problem.isEmpty ?? true) && !(error?.description.contains("\n") ?? true)
        }
    }
}
