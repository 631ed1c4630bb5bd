import FrontdeskCore
import Synchronization

/// Media streams across the process, for `GET /api/health?detailed=true` (and the media benchmark):
/// how many run now, the counters of those that ended, and the outbound lateness of all of them —
/// the live ones included, so a reader can diff two snapshots to see a window of time.
package final class MediaTotals: Sendable {

    package init() {}
    package struct Snapshot: Encodable, Sendable {
        let activeStreams: Int
        let streams: Int
        let framesIn: Int
        let framesOut: Int
        /// Inbound frames that never came (sequence gaps the jitter buffer gave up on).
        let framesLost: Int
        /// Times a stream's sender fell more than 3 frames behind and restarted its schedule.
        let scheduleResets: Int
        /// Outbound frames not written because the carrier had stopped reading.
        let framesUnsent: Int
        let bargeIns: Int
        /// How late outbound frames left against their 20 ms slots.
        let latenessP50Ms: Double
        let latenessP99Ms: Double
        let latenessMaxMs: Double
        /// Outbound frames by lateness, `[ms, frames]` for each 0.1 ms bucket that has any (last: ≥ 50 ms).
        let latenessHistogram: [[Double]]
        /// How far outbound intervals (frame to frame) were from 20 ms.
        let intervalJitterP50Ms: Double
        let intervalJitterP99Ms: Double
        /// Outbound intervals by jitter, `[ms, intervals]`, as the lateness histogram.
        let intervalJitterHistogram: [[Double]]
        /// Finished calls' recordings waiting to be encoded.
        let recordingsPending: Int

        enum CodingKeys: String, CodingKey {
            case activeStreams = "active_streams", streams
            case framesIn = "frames_in", framesOut = "frames_out", framesLost = "frames_lost"
            case scheduleResets = "schedule_resets", framesUnsent = "frames_unsent", bargeIns = "barge_ins"
            case latenessP50Ms = "lateness_p50_ms", latenessP99Ms = "lateness_p99_ms", latenessMaxMs = "lateness_max_ms", latenessHistogram = "lateness_histogram"
            case intervalJitterP50Ms = "interval_jitter_p50_ms", intervalJitterP99Ms = "interval_jitter_p99_ms"
            case intervalJitterHistogram = "interval_jitter_histogram"
            case recordingsPending = "recordings_pending"
        }
    }

    private struct State {
        var active = 0
        var streams = 0
        var total = MediaStreamStatistics()
        var live: [ObjectIdentifier: MediaCall] = [:]
    }

    private let state = Mutex(State())

    package func started(_ call: MediaCall) {
        Telemetry.mediaStream(carrier: call.carrier.rawValue, started: true)
        state.withLock { state in
            state.active += 1
            state.live[ObjectIdentifier(call)] = call
        }
    }

    package func ended(_ call: MediaCall, _ statistics: MediaStreamStatistics) {
        Telemetry.mediaStream(carrier: call.carrier.rawValue, started: false)
        state.withLock { state in
            state.active -= 1
            state.live[ObjectIdentifier(call)] = nil
            state.streams += 1
            state.total.framesReceived += statistics.framesReceived
            state.total.framesSent += statistics.framesSent
            state.total.framesLost += statistics.framesLost
            state.total.scheduleResets += statistics.scheduleResets
            state.total.framesUnsent += statistics.framesUnsent
            state.total.bargeIns += statistics.bargeIns
            state.total.addHistograms(of: statistics)
        }
    }

    package func snapshot(recordingsPending: Int) -> Snapshot {
        let (ended, live, active, streams) = state.withLock { ($0.total, Array($0.live.values), $0.active, $0.streams) }
        var total = ended
        for call in live { total.addHistograms(of: call.statistics) }
        func pairs(_ histogram: [Int]) -> [[Double]] {
            histogram.enumerated().filter { $0.element > 0 }.map { [Double($0.offset) / 10, Double($0.element)] }
        }
        return Snapshot(
            activeStreams: active, streams: streams, framesIn: total.framesReceived, framesOut: total.framesSent,
            framesLost: total.framesLost, scheduleResets: total.scheduleResets, framesUnsent: total.framesUnsent, bargeIns: total.bargeIns,
            latenessP50Ms: MediaStreamStatistics.percentile(0.5, of: total.lateness),
            latenessP99Ms: MediaStreamStatistics.percentile(0.99, of: total.lateness), latenessMaxMs: MediaStreamStatistics.maximum(of: total.lateness),
            latenessHistogram: pairs(total.lateness),
            intervalJitterP50Ms: MediaStreamStatistics.percentile(0.5, of: total.intervalJitter),
            intervalJitterP99Ms: MediaStreamStatistics.percentile(0.99, of: total.intervalJitter),
            intervalJitterHistogram: pairs(total.intervalJitter),
            recordingsPending: recordingsPending)
    }
}
