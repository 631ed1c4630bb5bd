import Foundation
import Synchronization

/// Stored rows that could not be decoded (written by an older build, or by hand): a list skips them
/// and goes on, and each is reported here — the application logs them — instead of failing the page.
public final class UnreadableRows: Sendable {
    public typealias Handler = @Sendable (_ table: String, _ id: String, _ problem: String) -> Void

    private let handler = Mutex<Handler?>(nil)
    private let seen = Atomic<Int>(0)

    public init() {}

    /// Who hears of each unreadable row (the application's log).
    public func onReport(_ body: @escaping Handler) { handler.withLock { $0 = body } }

    /// How many were met since the process started.
    public var count: Int { seen.load(ordering: .relaxed) }

    func report(table: String, id: String, problem: any Error) {
        seen.add(1, ordering: .relaxed)
        let handler = handler.withLock { $0 }
        handler?(table, id, String(describing: problem))
    }
}
