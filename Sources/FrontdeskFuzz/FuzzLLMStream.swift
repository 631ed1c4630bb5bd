import FrontdeskProviders
@testable import FrontdeskServer

enum FuzzLLMStream {
    /// An LLM's `text/event-stream`, cut into chunks anywhere: the same events come out however it is
    /// cut, and their data folds into a completion (or a clear error) as the LLM client folds it.
    static func run(_ bytes: UnsafeRawBufferPointer) {
        let input = FuzzPieces(bytes)
        var whole = ServerSentEventParser()
        let expected = whole.feed(input.content)
        var pieces = ServerSentEventParser()
        var events: [ServerSentEventParser.Event] = []
        for piece in input.pieces { events += pieces.feed(piece) }
        fuzzCheck(events == expected, "the events depend on where the stream was cut (cuts \(input.cuts))")
        var completion = ChatCompletionAccumulator()
        for event in events {
            do { _ = try completion.add(event.data) } catch { break }
        }
        _ = try? completion.finish()
    }
}
