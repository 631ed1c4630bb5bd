import Foundation
import FrontdeskAudio
import FrontdeskCore
import FrontdeskMedia
import FrontdeskServer
import FrontdeskWire
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// The carrier's side of a media stream, for the simulator and the tests: it connects as Telnyx or
/// Twilio does (their `connected` and `start` frames, the stream token), sends the line's audio
/// every 20 ms for as long as the call lasts — the caller's words when they speak, silence between —
/// as a carrier does, decodes what the agent
/// sends back, echoes each `mark` once the audio before it has arrived (as a carrier does when it has
/// played), and notes every `clear`.
public final class MediaStreamPeer: Sendable {
    public struct Observed: Sendable {
        /// Agent audio frames received, and their decoded samples.
        public var agentFrames = 0
        public var agentAudio: [Int16] = []
        public var marks: [String] = []
        /// `agentFrames` at each `clear`.
        public var clears: [Int] = []
        /// When the last agent frame arrived.
        public var lastFrameAt: ContinuousClock.Instant?
        /// Frames without the stream's id (Twilio wants `streamSid` on every frame).
        public var framesWithoutStreamId = 0
        /// Arrival gaps between consecutive agent frames, in ms.
        public var gaps: [Double] = []
        /// When each agent frame and each `clear` arrived.
        public var frameTimes: [ContinuousClock.Instant] = []
        public var clearTimes: [ContinuousClock.Instant] = []

        /// Agent frames that arrived within `window` after the first `clear`.
        public func framesAfterClear(within window: Duration) -> Int? {
            guard let clear = clearTimes.first else { return nil }
            return frameTimes.filter { $0 > clear && $0 - clear < window }.count
        }
    }

    /// What the line adds to the caller's side: telephone-band noise at a signal-to-noise ratio
    /// (against a voice at −20 dBFS), and the agent's own voice coming back at `echo` dB (a phone's
    /// speaker heard by its microphone, a hybrid's leak).
    public struct Line: Sendable, Equatable {
        public var signalToNoise: Double?
        public var echo: Double?

        public init(signalToNoise: Double? = nil, echo: Double? = nil) {
            self.signalToNoise = signalToNoise
            self.echo = echo
        }

        public static let clean = Line()
    }

    public let carrier: MediaCarrier
    public let format: MediaFormat
    public let line: Line
    /// The agent's audio as it arrived, to come back as echo.
    private let echoed = Mutex<[Int16]>([])
    public let callId: String
    public let streamId: String
    private let url: String
    private let token: String?
    private let from: String
    private let to: String
    public let observed = Mutex(Observed())
    private let writer = Mutex<WebSocketOutboundWriter?>(nil)
    private let sequence = Atomic<Int>(1)
    private let chunk = Atomic<Int>(0)
    /// Caller frames waiting for their 20 ms slot on the line.
    private let pending = Mutex<[[Int16]]>([])
    /// Whether the line is still sending (it stops when the socket closes).
    private let lineOpen = Atomic<Bool>(false)
    /// Whether the stream is still up (false once the server closed it).
    public var isOpen: Bool { lineOpen.load(ordering: .relaxed) }

    /// `url` is the server's `ws://…/api/media/telnyx` (or `/twilio`).
    public init(
        carrier: MediaCarrier, url: String, token: String?, callId: String, from: String, to: String, format: MediaFormat = .pcmu8k,
        line: Line = .clean
    ) {
        self.carrier = carrier
        self.line = line
        self.url = url
        self.token = token
        self.callId = callId
        self.from = from
        self.to = to
        self.format = format
        streamId = carrier == .twilio ? "MZ" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased() : UUID().uuidString
    }

    /// Connects, says hello (`connected`, `start`), runs `body`, then `stop`s and closes.
    public func connect(_ body: @escaping @Sendable (MediaStreamPeer) async throws -> Void) async throws {
        var configuration = WebSocketClientConfiguration()
        if let token, carrier == .telnyx { configuration.additionalHeaders[HTTPField.Name("x-telnyx-streaming-auth-token")!] = token }
        var logger = Logger(label: "media-peer")
        logger.logLevel = .critical
        try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
            self.writer.withLock { $0 = outbound }
            let reader = Task { try await self.read(inbound) }
            try await outbound.write(.text(self.connectedFrame))
            try await outbound.write(.text(self.startFrame))
            self.lineOpen.store(true, ordering: .relaxed)
            let line = Task { try await self.streamLine() }
            do {
                try await body(self)
            } catch {
                line.cancel()
                reader.cancel()
                throw error
            }
            line.cancel()
            _ = await line.result
            try? await outbound.write(.text(self.stopFrame))
            try? await outbound.close(.normalClosure, reason: nil)
            _ = await reader.result
        }
    }

    /// The caller says `samples` (at the stream's rate): they go out in the line's next 20 ms slots;
    /// returns once the last has been sent.
    public func say(_ samples: [Int16]) async throws {
        var framer = Framer(frameSize: format.samplesPerFrame)
        var frames = framer.push(samples)
        if let last = framer.finish() { frames.append(last) }
        pending.withLock { $0 += frames }
        while pending.withLock({ !$0.isEmpty }) {
            guard lineOpen.load(ordering: .relaxed) else { throw SimulatorError("the media stream closed") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// The caller stays quiet for `duration` (the line carries silence meanwhile).
    public func silence(_ duration: Duration) async throws {
        try await say([Int16](repeating: 0, count: Int(duration / .milliseconds(20)) * format.samplesPerFrame))
    }

    /// The line: a frame every 20 ms, the caller's words when there are some, else silence.
    private func streamLine() async throws {
        let codec = try PayloadCodec(format: format)
        let silent = try codec.encode([Int16](repeating: 0, count: format.samplesPerFrame))
        var pacer = FramePacer()
        var noise = line.signalToNoise.map { TelephoneNoise(sampleRate: format.sampleRate, level: -20 - $0) }
        let echoGain = line.echo.map { pow(10, $0 / 20) }
        let size = format.samplesPerFrame
        lineOpen.store(true, ordering: .relaxed)
        defer { lineOpen.store(false, ordering: .relaxed) }
        while !Task.isCancelled {
            try await pacer.waitForNextFrame()
            var next = pending.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            if let echoGain {
                let back = echoed.withLock { echoed -> [Int16] in
                    defer { echoed.removeFirst(min(size, echoed.count)) }
                    return Array(echoed.prefix(size))
                }
                if !back.isEmpty {
                    var frame = next ?? [Int16](repeating: 0, count: size)
                    for index in back.indices where index < frame.count {
                        frame[index] = Int16(clamping: Int(frame[index]) + Int(Double(back[index]) * echoGain))
                    }
                    next = frame
                }
            }
            if noise != nil { next = noise!.add(to: next ?? [Int16](repeating: 0, count: size)) }
            try await send(mediaFrame(try next.map { try codec.encode($0) } ?? silent))
        }
    }

    /// A key pressed (the stream's `dtmf` frame).
    public func press(_ digit: String) async throws {
        let number = sequence.add(1, ordering: .relaxed).newValue
        switch carrier {
        case .telnyx:
            try await send(#"{"event":"dtmf","stream_id":"\#(streamId)","sequence_number":"\#(number)","dtmf":{"digit":"\#(digit)"}}"#)
        case .twilio:
            try await send(#"{"event":"dtmf","streamSid":"\#(streamId)","sequenceNumber":"\#(number)","dtmf":{"track":"inbound_track","digit":"\#(digit)"}}"#)
        }
    }

    /// Waits until the agent has said something after `frames` and then gone quiet for `quiet`.
    public func waitForAgent(after frames: Int, quiet: Duration = .milliseconds(400), timeout: Duration = .seconds(20)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let (count, last) = observed.withLock { ($0.agentFrames, $0.lastFrameAt) }
            if count > frames, let last, ContinuousClock.now - last >= quiet { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// Waits until at least `count` agent frames have arrived.
    public func waitForFrames(_ count: Int, timeout: Duration = .seconds(20)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if observed.withLock({ $0.agentFrames }) >= count { return true }
            try await Task.sleep(for: .milliseconds(5))
        }
        return false
    }

    // MARK: frames

    private func send(_ text: String) async throws {
        guard let writer = writer.withLock({ $0 }) else { throw SimulatorError("the media stream is not connected") }
        try await writer.write(.text(text))
    }

    private var connectedFrame: String {
        carrier == .telnyx ? #"{"event":"connected","version":"1.0.0"}"# : #"{"event":"connected","protocol":"Call","version":"1.0.0"}"#
    }

    private var encodingName: String {
        switch format.encoding {
        case .pcmu: carrier == .twilio ? "audio/x-mulaw" : "PCMU"
        case .pcma: "PCMA"
        case .l16: "L16"
        case .opus: "OPUS"
        }
    }

    private var startFrame: String {
        switch carrier {
        case .telnyx:
            return #"{"event":"start","sequence_number":"1","stream_id":"\#(streamId)","start":{"call_control_id":"\#(callId)","call_session_id":"session-\#(callId)","from":"\#(from)","to":"\#(to)","client_state":null,"custom_parameters":{},"media_format":{"encoding":"\#(encodingName)","sample_rate":\#(format.sampleRate),"channels":1}}}"#
        case .twilio:
            let token = self.token.map { #","token":"\#($0)""# } ?? ""
            return #"{"event":"start","sequenceNumber":"1","start":{"accountSid":"ACsimulator","streamSid":"\#(streamId)","callSid":"\#(callId)","tracks":["inbound"],"mediaFormat":{"encoding":"\#(encodingName)","sampleRate":\#(format.sampleRate),"channels":1},"customParameters":{"from":"\#(from)","to":"\#(to)"\#(token)}},"streamSid":"\#(streamId)"}"#
        }
    }

    private var stopFrame: String {
        carrier == .telnyx
            ? #"{"event":"stop","sequence_number":"\#(sequence.add(1, ordering: .relaxed).newValue)","stream_id":"\#(streamId)","stop":{"call_control_id":"\#(callId)"}}"#
            : #"{"event":"stop","sequenceNumber":"\#(sequence.add(1, ordering: .relaxed).newValue)","streamSid":"\#(streamId)","stop":{"callSid":"\#(callId)"}}"#
    }

    private func mediaFrame(_ payload: [UInt8]) -> String {
        let number = sequence.add(1, ordering: .relaxed).newValue
        let part = chunk.add(1, ordering: .relaxed).newValue
        let base64 = Data(payload).base64EncodedString()
        let timestamp = part * 20
        switch carrier {
        case .telnyx:
            return #"{"event":"media","sequence_number":"\#(number)","media":{"track":"inbound","chunk":"\#(part)","timestamp":"\#(timestamp)","payload":"\#(base64)"},"stream_id":"\#(streamId)"}"#
        case .twilio:
            return #"{"event":"media","sequenceNumber":"\#(number)","media":{"track":"inbound","chunk":"\#(part)","timestamp":"\#(timestamp)","payload":"\#(base64)"},"streamSid":"\#(streamId)"}"#
        }
    }

    private func read(_ inbound: WebSocketInboundStream) async throws {
        let codec = try PayloadCodec(format: format)
        for try await message in inbound.messages(maxSize: 1 << 20) {
            guard case .text(let text) = message, let frame = try? JSONParser.parse(text) else { continue }
            if carrier == .twilio, frame["streamSid"]?.text != streamId { observed.withLock { $0.framesWithoutStreamId += 1 } }
            switch frame["event"]?.text {
            case "media":
                guard let payload = frame["media"]?["payload"]?.text.flatMap({ Data(base64Encoded: $0) }) else { continue }
                let samples = (try? codec.decode([UInt8](payload))) ?? []
                let now = ContinuousClock.now
                observed.withLock { observed in
                    if let last = observed.lastFrameAt {
                        let gap = now - last
                        observed.gaps.append(Double(gap.components.seconds) * 1_000 + Double(gap.components.attoseconds) / 1e15)
                    }
                    observed.agentFrames += 1
                    observed.agentAudio += samples
                    if line.echo != nil {
                        echoed.withLock { echoed in
                            echoed += samples
                            // A cleared playback is not heard: never more than a second behind.
                            if echoed.count > format.sampleRate { echoed.removeFirst(echoed.count - format.sampleRate) }
                        }
                    }
                    observed.lastFrameAt = now
                    observed.frameTimes.append(now)
                }
            case "mark":
                let name = frame["mark"]?["name"]?.text ?? ""
                observed.withLock { $0.marks.append(name) }
                // Everything before the mark has arrived (the carrier has "played" it): echo it back.
                let echo = carrier == .telnyx
                    ? #"{"event":"mark","stream_id":"\#(streamId)","sequence_number":"\#(sequence.add(1, ordering: .relaxed).newValue)","mark":{"name":"\#(name)"}}"#
                    : #"{"event":"mark","streamSid":"\#(streamId)","sequenceNumber":"\#(sequence.add(1, ordering: .relaxed).newValue)","mark":{"name":"\#(name)"}}"#
                try? await send(echo)
            case "clear":
                echoed.withLock { $0.removeAll() }
                let now = ContinuousClock.now
                observed.withLock {
                    $0.clears.append($0.agentFrames)
                    $0.clearTimes.append(now)
                }
            default:
                continue
            }
        }
    }
}
