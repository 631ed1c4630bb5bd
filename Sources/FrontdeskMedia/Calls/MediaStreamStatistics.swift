import Foundation
import FrontdeskAudio

/// Counters of one media stream (for the log, tests and benchmarks).
public struct MediaStreamStatistics: Sendable {
    public var framesReceived = 0
    public var framesSent = 0
    public var framesLost = 0
    public var bargeIns = 0
    /// Times the sender fell far behind and restarted its 20 ms schedule (frames late beyond 60 ms).
    public var scheduleResets = 0
    /// Outbound frames not written because the carrier had stopped reading (see `MediaSocket`).
    public var framesUnsent = 0
    /// Outbound lateness against the 20 ms schedule, in 0.1 ms buckets (last bucket: ≥ 50 ms).
    public var lateness = MediaStreamStatistics.emptyHistogram
    /// How far each outbound interval (frame to frame within a schedule) was from 20 ms, same buckets.
    public var intervalJitter = MediaStreamStatistics.emptyHistogram

    public static let emptyHistogram = [Int](repeating: 0, count: 501)

    /// Adds another stream's lateness and interval-jitter histograms to this one's.
    mutating func addHistograms(of other: MediaStreamStatistics) {
        for (bucket, count) in other.lateness.enumerated() where count > 0 { lateness[bucket] += count }
        for (bucket, count) in other.intervalJitter.enumerated() where count > 0 { intervalJitter[bucket] += count }
    }

    /// The bucket of `duration` (0.1 ms each, the last one ≥ 50 ms).
    static func bucket(_ duration: Duration) -> Int {
        min(500, max(0, Int((Double(duration.components.attoseconds) / 1e14).rounded()) + Int(duration.components.seconds) * 10_000))
    }

    /// The largest value a histogram holds, in milliseconds (0 when empty).
    public static func maximum(of histogram: [Int]) -> Double {
        histogram.lastIndex { $0 > 0 }.map { Double($0) / 10 } ?? 0
    }

    /// The `p` percentile of a histogram in milliseconds.
    public static func percentile(_ p: Double, of histogram: [Int]) -> Double {
        let total = histogram.reduce(0, +)
        guard total > 0 else { return 0 }
        var seen = 0
        for (bucket, count) in histogram.enumerated() {
            seen += count
            if Double(seen) >= p * Double(total) { return Double(bucket) / 10 }
        }
        return 50
    }
}
