/// Cuts streamed text into sentences as it arrives, so speech can start on the first sentence while
/// the model still writes. A sentence ends at `.`, `!` or `?` followed by a space (so "3.5" and
/// "Dr.Lee" do not split), or at the end of the stream.
public struct SentenceSplitter: Sendable {
    private var pending = ""

    public init() {}

    /// Adds a piece of text; returns the sentences it completed.
    public mutating func add(_ text: String) -> [String] {
        pending += text
        var sentences: [String] = []
        var start = pending.startIndex
        var index = pending.startIndex
        while index < pending.endIndex {
            let next = pending.index(after: index)
            if ".!?".contains(pending[index]), next < pending.endIndex, pending[next] == " " {
                let sentence = pending[start...index].trimmingWhitespace()
                if !sentence.isEmpty { sentences.append(sentence) }
                start = next
            }
            index = next
        }
        pending = String(pending[start...])
        return sentences
    }

    /// The rest, when the stream has ended.
    public mutating func finish() -> String? {
        let rest = pending.trimmingWhitespace()
        pending = ""
        return rest.isEmpty ? nil : rest
    }
}
