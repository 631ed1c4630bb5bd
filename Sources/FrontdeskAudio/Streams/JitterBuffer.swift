/// Puts inbound media frames back in order. Providers number their frames (`sequence_number`,
/// `media.chunk`) and do not promise to deliver them in order; the buffer holds up to `depth`
/// frames waiting for a missing one, then gives it up as lost (so a gap costs at most
/// `depth` × 20 ms of delay). Duplicates and frames older than what was already played are dropped.
public struct JitterBuffer<Frame> {
    public enum Output {
        case frame(Frame)
        /// A frame that never came (or came too late): conceal it.
        case lost
    }

    public struct Statistics: Sendable, Equatable {
        public var received = 0
        public var reordered = 0
        public var duplicates = 0
        public var late = 0
        public var lost = 0
    }

    public let depth: Int
    public private(set) var statistics = Statistics()
    private var next: Int?
    private var held: [Int: Frame] = [:]

    public init(depth: Int = 3) {
        precondition(depth >= 0)
        self.depth = depth
    }

    /// Adds frame `sequence` and returns what is ready to play, in order.
    public mutating func push(_ frame: Frame, sequence: Int) -> [Output] {
        statistics.received += 1
        guard let expected = next else {
            next = sequence + 1
            return [.frame(frame)]
        }
        if sequence < expected {
            statistics.late += 1
            return []
        }
        if held[sequence] != nil {
            statistics.duplicates += 1
            return []
        }
        if sequence == expected && held.isEmpty {
            next = expected + 1
            return [.frame(frame)]
        }
        if sequence != expected { statistics.reordered += 1 }
        held[sequence] = frame
        return drain(force: false)
    }

    /// Everything still held, gaps reported as lost (the stream stopped).
    public mutating func flush() -> [Output] {
        drain(force: true)
    }

    private mutating func drain(force: Bool) -> [Output] {
        var out: [Output] = []
        while var expected = next, !held.isEmpty {
            if let frame = held.removeValue(forKey: expected) {
                out.append(.frame(frame))
                next = expected + 1
            } else if force || held.count > depth {
                // Give the missing frame up; skip straight to the oldest held when far behind.
                let oldest = held.keys.min()!
                let gap = oldest - expected
                statistics.lost += gap
                out.append(contentsOf: repeatElement(.lost, count: min(gap, depth + 1)))
                expected = oldest
                next = expected
            } else {
                break
            }
        }
        return out
    }
}

/// Cuts a stream of samples into fixed 20 ms frames.
public struct Framer {
    public let frameSize: Int
    private var pending: [Int16] = []

    public init(frameSize: Int) {
        self.frameSize = frameSize
        pending.reserveCapacity(frameSize * 2)
    }

    /// Full frames made with these samples; the rest waits for more.
    public mutating func push(_ samples: [Int16]) -> [[Int16]] {
        pending.append(contentsOf: samples)
        guard pending.count >= frameSize else { return [] }
        var frames: [[Int16]] = []
        var start = 0
        while pending.count - start >= frameSize {
            frames.append(Array(pending[start..<start + frameSize]))
            start += frameSize
        }
        pending.removeFirst(start)
        return frames
    }

    /// The last partial frame padded with silence (nil when nothing is left).
    public mutating func finish() -> [Int16]? {
        guard !pending.isEmpty else { return nil }
        defer { pending = [] }
        return pending + [Int16](repeating: 0, count: frameSize - pending.count)
    }

    /// Drops what is pending (playback cleared).
    public mutating func reset() { pending = [] }

    public var pendingSamples: Int { pending.count }
}
