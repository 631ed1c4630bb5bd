/// A benchmark that could not run, or whose result breaks what it checks (`frontdesk bench` prints it
/// and exits non-zero).
public struct BenchmarkError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
