#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif
import Logging

/// Every connection takes a file descriptor. `frontdesk serve` raises the soft limit to the hard one at
/// start, and keeps the total connection cap under it, so a flood of sockets is refused by the cap
/// (with a log line) instead of failing `accept` with EMFILE.
public enum FileDescriptorLimit {
    /// Raises the soft limit to the hard one; returns the soft limit in force afterwards (nil when unknown).
    @discardableResult
    public static func raise(logger: Logger) -> Int? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 {
                limit = raised
            } else {
                logger.warning("Could not raise the open-file limit", metadata: ["soft": "\(limit.rlim_cur)", "hard": "\(limit.rlim_max)"])
            }
        }
        return limit.rlim_cur == rlim_t.max ? Int.max : Int(clamping: limit.rlim_cur)
    }

    /// The connection cap that leaves room for the database, recordings and outbound requests.
    public static func connectionCap(configured: Int, descriptors: Int?) -> Int {
        guard let descriptors else { return configured }
        return max(64, min(configured, descriptors - 512))
    }
}
