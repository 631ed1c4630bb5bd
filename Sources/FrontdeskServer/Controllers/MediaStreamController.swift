import Foundation
import FrontdeskAudio
import FrontdeskCalls
import FrontdeskCore
import FrontdeskMedia
import FrontdeskProviders
import FrontdeskStore
import FrontdeskWire
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOWebSocket
import Synchronization

/// `/api/media/telnyx` and `/api/media/twilio`: bidirectional media streams (protocols.md). The
/// `start` frame names the call and the audio format; the stream's token is checked; the call then
/// runs in a `CallSession` with a `MediaCall` as its transport.
struct MediaStreamController: Sendable {
    let configuration: AppConfiguration
    let store: Store
    let calls: CallRuntime
    let telnyx: TelnyxClient?
    let recordings: RecordingEncoder?
    let mediaTokens: MediaStreamTokens
    let twilioStreams: TwilioStreams
    let mediaTotals: MediaTotals
    let speech: MediaSpeech
    let logger: Logger

    static let telnyxTokenHeader = HTTPField.Name("x-telnyx-streaming-auth-token")!

    func addRoutes(to router: Router<SocketRequestContext>) {
        for carrier in [MediaCarrier.telnyx, .twilio] {
            router.ws(RouterPath(stringLiteral: "api/media/\(carrier.rawValue)")) { inbound, outbound, context in
                let header = context.request.headers[Self.telnyxTokenHeader]
                // The stream's frames run on its socket's event loop (MediaCall.run), taken off the
                // pipeline by a tap put there before anything is read.
                let channel = context.requestContext.channel
                let executor = EventLoopExecutor(channel.eventLoop)
                let tap = await MediaFrameTap.install(on: channel)
                if tap == nil { logger.warning("A media stream without its frame tap: frames go through the WebSocket handler") }
                await self.run(
                    carrier: carrier, token: header, inbound: inbound, socket: MediaSocket(channel: channel, outbound: outbound), tap: tap,
                    executor: executor)
            }
        }
    }

    private func run(
        carrier: MediaCarrier, token: String?, inbound: WebSocketInboundStream, socket: MediaSocket, tap: MediaFrameTap?,
        executor: EventLoopExecutor
    ) async {
        var logger = logger
        logger[metadataKey: "media"] = .string(carrier.rawValue)
        var frames = inbound.messages(maxSize: 1 << 18).makeAsyncIterator()
        do {
            // Everything before `start` (`connected`) only says hello.
            var start: MediaStreamStart?
            while start == nil, let message = try await frames.next() {
                guard case .text(let text) = message else { continue }
                switch try? InboundMediaFrame.parse(text) {
                case .start(let started): start = started
                case .stop: return
                default: continue
                }
            }
            guard let start, let callId = start.providerCallId else {
                logger.warning("A media stream ended before its start frame named a call")
                try? await socket.close(.policyViolation, reason: "no start frame")
                return
            }
            logger[metadataKey: "provider_call_id"] = .string(callId)
            let presented = token ?? start.parameters["token"]
            if !mediaTokens.isValid(presented, for: callId), !configuration.insecureWebhooks {
                logger.warning("A media stream without a valid token was refused")
                try? await socket.close(.policyViolation, reason: "invalid stream token")
                return
            }
            let format: MediaFormat
            do {
                format = try MediaFormat.named(
                    start.encoding ?? "PCMU", sampleRate: start.sampleRate, l16Order: speech.settings.l16ByteOrder)
            } catch {
                logger.warning("A media stream in a format Frontdesk does not speak", metadata: ["error": "\(error)"])
                try? await socket.close(.unacceptableData, reason: "\(error)")
                return
            }
            try await runCall(
                carrier: carrier, start: start, callId: callId, format: format, frames: &frames, socket: socket, tap: tap,
                executor: executor, logger: logger)
        } catch {
            logger.warning("Media stream closed", metadata: ["error": "\(error)"])
        }
    }

    private func runCall(
        carrier: MediaCarrier, start: MediaStreamStart, callId: String, format: MediaFormat,
        frames: inout WebSocketInboundMessageStream.AsyncIterator, socket: MediaSocket, tap: MediaFrameTap?,
        executor: EventLoopExecutor, logger: Logger
    ) async throws {
        // Who called whom: the start frame (Telnyx), the stream's parameters (Twilio), or the record a webhook made.
        let recorded = try await store.calls.find(provider: carrier.provider, providerCallId: callId)
        let from = (start.from ?? start.parameters["from"]).flatMap(PhoneNumber.init) ?? recorded?.phone
        var to = (start.to ?? start.parameters["to"]).flatMap(PhoneNumber.init)
        if to == nil, let agent = try await recorded?.agentId.asyncFlatMap({ try await store.agents.find($0) }) {
            to = agent.phoneNumber
        }
        guard let to else {
            logger.warning("A media stream for a call with no known number")
            try? await socket.close(.policyViolation, reason: "unknown call")
            return
        }
        let recordingPath = speech.settings.recordingsDirectory.map { directory in
            URL(fileURLWithPath: directory).appendingPathComponent("\(carrier.rawValue)-\(Hex.sha256(Data(callId.utf8)).prefix(24)).opus").path
        }
        let session = SessionBox()
        let media = try MediaCall(
            carrier: carrier, format: format, streamId: start.streamId, speech: speech, socket: socket, tap: tap, executor: executor,
            recordingPath: recordingPath, encoder: recordings, logger: logger,
            onLatency: { latency in
                guard let id = session.callId else { return }
                try? await store.calls.recordLatency(latency, call: id)
            })
        let control: (any CallControl)? = switch carrier {
        case .telnyx: telnyx.map { TelnyxCallControl(client: $0, callControlId: callId, agentNumber: to.e164) }
        case .twilio: twilioStreams.control(callSid: callId, socket: socket)
        }
        let transport = MediaCallTransport(media: media, control: control)
        let live: CallSession
        do {
            live = try await calls.start(provider: carrier.provider, providerCallId: callId, from: from, to: to, transport: transport)
        } catch {
            logger.warning("A media stream for a call Frontdesk cannot take", metadata: ["error": "\(error)"])
            try? await socket.close(.policyViolation, reason: "no agent answers \(to.e164)")
            return
        }
        session.callId = live.callId
        media.attach(live)
        if let recordingPath {
            await live.setRecording(url: "/api/calls/\(live.callId.rawValue)/recording", path: recordingPath)
        }
        logger.info("Media stream started", metadata: ["format": "\(format)", "stt": "\(speech.stt?.name ?? "none")", "tts": "\(speech.tts.name)"])
        await live.handle(.answered)
        mediaTotals.started(media)
        try await media.run(frames: &frames)
        let statistics = media.statistics
        mediaTotals.ended(media, statistics)
        logger.info("Media stream ended", metadata: [
            "frames_in": "\(statistics.framesReceived)", "frames_out": "\(statistics.framesSent)",
            "lost": "\(statistics.framesLost)", "unsent": "\(socket.framesUnsent)", "barge_ins": "\(statistics.bargeIns)"])
        // The stream is gone: the call is over for the agent (Telnyx's call.hangup may say so too).
        await live.handle(.hangUp(cause: "stream_stopped"))
    }

    /// The call's id once its session exists (latencies are stored against it).
    private final class SessionBox: Sendable {
        private let id = Mutex<CallID?>(nil)
        var callId: CallID? {
            get { id.withLock { $0 } }
            set { id.withLock { $0 = newValue } }
        }
    }
}
