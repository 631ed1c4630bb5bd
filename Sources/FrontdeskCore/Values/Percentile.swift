extension Array where Element == Double {
    /// The nearest-rank percentile `p` (0…1) of these values, which must be sorted ascending; 0 when
    /// there are none. Analytics' latency figures and the benchmarks' tables use the same rank.
    public func percentile(_ p: Double) -> Double {
        isEmpty ? 0 : self[Swift.min(count - 1, Int(Double(count) * p))]
    }
}
