import Synchronization

/// Work that is cheaper done together: items added while a batch is being worked on go together into
/// the next batch, one batch at a time, in the order they came. Group commit is built on it (webhook
/// events before their 2xx, every database write).
public final class BatchQueue<Item: Sendable>: Sendable {
    private struct State: Sendable {
        var items: [Item] = []
        var working = false
    }

    private let state = Mutex(State())
    private let work: @Sendable ([Item]) async -> Void

    /// `work` is given each batch; it must finish every item of it (resume its caller, say).
    public init(work: @escaping @Sendable ([Item]) async -> Void) {
        self.work = work
    }

    /// Queues `item`; starts working when nothing is under way.
    public func add(_ item: Item) {
        let start = state.withLock { state in
            state.items.append(item)
            guard !state.working else { return false }
            state.working = true
            return true
        }
        if start { Task { await self.drain() } }
    }

    private func drain() async {
        while true {
            let batch = state.withLock { state in
                defer { state.items = [] }
                if state.items.isEmpty { state.working = false }
                return state.items
            }
            guard !batch.isEmpty else { return }
            await work(batch)
        }
    }
}
