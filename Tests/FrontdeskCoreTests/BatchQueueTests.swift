import FrontdeskCore
import Synchronization
import Testing

@Suite("BatchQueue: items that come while a batch is worked on go together into the next")
struct BatchQueueTests {
    @Test("every item is worked on once, in the order it came, one batch at a time, and items queued meanwhile share a batch")
    func batches() async throws {
        let batches = Mutex<[[Int]]>([])
        let busy = Atomic<Int>(0)
        let overlapped = Atomic<Bool>(false)
        let (done, finished) = AsyncStream<Void>.makeStream()
        let queue = BatchQueue<Int> { batch in
            if busy.add(1, ordering: .sequentiallyConsistent).newValue > 1 { overlapped.store(true, ordering: .relaxed) }
            try? await Task.sleep(for: .milliseconds(5))  // slow work: the next items pile up
            batches.withLock { $0.append(batch) }
            busy.subtract(1, ordering: .sequentiallyConsistent)
            if batch.contains(999) { finished.yield() }
        }
        for item in 0..<1000 { queue.add(item) }
        for await _ in done { break }
        let seen = batches.withLock { $0 }
        #expect(seen.flatMap { $0 } == Array(0..<1000))
        #expect(seen.count < 1000, "items added while a batch ran waited for the next batch together")
        let ranTogether = overlapped.load(ordering: .relaxed)
        #expect(!ranTogether, "never two batches at once")
    }
}
