import AsyncHTTPClient
import Foundation
import FrontdeskAudio
import FrontdeskCore
import FrontdeskMedia
import NIOCore
import NIOHTTP1

/// POSTs `json` to `url` and streams the raw 16-bit little-endian PCM of the answer as it arrives.
private func streamPCM(
    _ url: String, headers: [(String, String)], json: [String: String], http: HTTPClient, provider: String
) -> AsyncThrowingStream<[Int16], any Error> {
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    request.body = .bytes(ByteBuffer(bytes: (try? encoder.encode(json)) ?? Data()))
    let (built, timeout) = (request, TimeAmount.seconds(20))
    return AsyncThrowingStream { continuation in
        let task = Task {
            // The request → its first audio (or its failure), as `frontdesk_provider_request_seconds`.
            let started = ContinuousClock.now
            var timed = false
            func measured(failed: Bool) {
                guard !timed else { return }
                timed = true
                Telemetry.providerRequest(provider: provider.replacingOccurrences(of: " ", with: "_"), operation: "synthesize", .now - started, failed: failed)
            }
            do {
                let response = try await http.execute(built, timeout: timeout)
                guard response.status == .ok else {
                    let text = (try? await response.body.collect(upTo: 16 * 1024)).map { String(buffer: $0) } ?? ""
                    throw SpeechProviderError(provider, "HTTP \(response.status.code): \(text.prefix(300))")
                }
                var pcm = PCMAccumulator()
                for try await buffer in response.body {
                    let samples = pcm.samples(from: buffer.readableBytesView)
                    if !samples.isEmpty {
                        measured(failed: false)
                        continuation.yield(samples)
                    }
                }
                measured(failed: false)
                continuation.finish()
            } catch {
                measured(failed: !(error is CancellationError))
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
    }
}

/// OpenAI-compatible `POST {base}/audio/speech` with `response_format: pcm` (24 kHz 16-bit mono,
/// streamed as it is generated).
public struct OpenAITextToSpeech: TextToSpeech {
    let baseURL: URL
    let apiKey: String?
    let voice: String
    let model: String
    let http: HTTPClient
    public var name: String { "openai-compatible /audio/speech at \(baseURL.absoluteString) (voice \(voice))" }
    public var sampleRate: Int { 24_000 }

    public init(baseURL: URL, apiKey: String?, voice: String?, model: String = "tts-1", http: HTTPClient = .shared) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.voice = voice ?? "alloy"
        self.model = model
        self.http = http
    }

    public func synthesize(_ text: String) -> AsyncThrowingStream<[Int16], any Error> {
        streamPCM(
            baseURL.appendingPathComponent("audio/speech").absoluteString, headers: apiKey.map { [("Authorization", "Bearer \($0)")] } ?? [],
            json: ["model": model, "input": text, "voice": voice, "response_format": "pcm"], http: http, provider: "openai tts")
    }
}

/// ElevenLabs-style streaming `POST {base}/v1/text-to-speech/{voice}/stream?output_format=pcm_16000`.
public struct ElevenLabsTextToSpeech: TextToSpeech {
    let baseURL: URL
    let apiKey: String?
    let voice: String
    let model: String
    let http: HTTPClient
    public var name: String { "elevenlabs streaming at \(baseURL.absoluteString) (voice \(voice))" }
    public var sampleRate: Int { 16_000 }

    public init(baseURL: URL, apiKey: String?, voice: String?, model: String = "eleven_turbo_v2_5", http: HTTPClient = .shared) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.voice = voice ?? "21m00Tcm4TlvDq8ikWAM"
        self.model = model
        self.http = http
    }

    public func synthesize(_ text: String) -> AsyncThrowingStream<[Int16], any Error> {
        streamPCM(
            baseURL.appendingPathComponent("v1/text-to-speech/\(voice)/stream").absoluteString + "?output_format=pcm_16000",
            headers: apiKey.map { [("xi-api-key", $0)] } ?? [], json: ["text": text, "model_id": model], http: http,
            provider: "elevenlabs tts")
    }
}
