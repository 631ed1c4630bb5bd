import Foundation
import FrontdeskAudio

/// What the agent is saying on a media call: frames waiting to go out, and which sentences the
/// caller has heard. The TTS worker adds frames, the pacer takes one every 20 ms, the carrier's
/// echoed marks say a sentence has played, and a barge-in empties it all at once.
struct MediaPlayback {
    /// One sentence handed to text-to-speech.
    struct Sentence {
        let id: Int
        let text: String
        /// The reply (one `speak`) it belongs to.
        let utterance: Int
        var framesQueued = 0
        var framesSent = 0
        var synthesized = false
        var marked = false
    }

    enum Item {
        case frame([Int16], sentence: Int)
        case mark(sentence: Int)
    }

    /// Bumped by a barge-in: work for an older generation is dropped.
    private(set) var generation = 0
    private(set) var queue: [Item] = []
    private var head = 0
    private(set) var sentences: [Int: Sentence] = [:]
    private var nextSentence = 0
    /// Sentences whose mark has not come back, in order.
    private(set) var unplayed: [Int] = []
    /// Sentences played whole since the caller's last turn: the start of what they heard of the reply
    /// (an LLM's reply is spoken sentence by sentence, one `speak` each, with gaps between).
    private var playedSinceTurn: [String] = []

    var isEmpty: Bool { head >= queue.count }
    /// Whether the caller may still be hearing (or about to hear) the agent.
    var isActive: Bool { !unplayed.isEmpty }

    mutating func addSentence(_ text: String, utterance: Int) -> Int {
        let id = nextSentence
        nextSentence += 1
        sentences[id] = Sentence(id: id, text: text, utterance: utterance)
        unplayed.append(id)
        return id
    }

    /// Synthesised audio for `sentence` (dropped when a barge-in came in between).
    mutating func append(_ frames: [[Int16]], sentence: Int, generation: Int) {
        guard generation == self.generation, sentences[sentence] != nil else { return }
        for frame in frames { queue.append(.frame(frame, sentence: sentence)) }
        sentences[sentence]?.framesQueued += frames.count
    }

    /// The sentence is fully synthesised: its mark goes after its last frame.
    mutating func finishSentence(_ sentence: Int, generation: Int) {
        guard generation == self.generation, sentences[sentence] != nil else { return }
        sentences[sentence]?.synthesized = true
        queue.append(.mark(sentence: sentence))
    }

    /// The next item for the pacer.
    mutating func next() -> Item? {
        guard head < queue.count else { return nil }
        let item = queue[head]
        head += 1
        if head > 256 {
            queue.removeFirst(head)
            head = 0
        }
        if case .frame(_, let sentence) = item { sentences[sentence]?.framesSent += 1 }
        return item
    }

    /// The carrier played everything up to `sentence`'s mark. Returns the utterances now fully played.
    mutating func played(sentence: Int) -> [Int] {
        guard let index = unplayed.firstIndex(of: sentence) else { return [] }
        let done = unplayed[...index].compactMap { sentences[$0] }
        unplayed.removeFirst(index + 1)
        for finished in done {
            sentences[finished.id] = nil
            playedSinceTurn.append(finished.text)
        }
        // An utterance is finished when none of its sentences is still unplayed.
        let open = Set(unplayed.compactMap { sentences[$0]?.utterance })
        let finished = Set(done.map(\.utterance)).subtracting(open)
        return finished.sorted()
    }

    /// The caller's turn ended: what plays next is the answer to it.
    mutating func callerTurnEnded() { playedSinceTurn.removeAll() }

    /// A barge-in: nothing more is played. Returns what the caller heard of the reply being spoken —
    /// the sentences played whole since their last turn, and the words of the one cut off in
    /// proportion to the frames that went out — and which utterances were cut.
    mutating func interrupt() -> (heard: String, utterances: [Int]) {
        generation += 1
        queue.removeAll()
        head = 0
        var heard = playedSinceTurn
        var cut: [Int] = []
        for id in unplayed {
            guard let sentence = sentences[id] else { continue }
            if !cut.contains(sentence.utterance) { cut.append(sentence.utterance) }
            guard sentence.framesSent > 0 else { continue }
            if sentence.synthesized, sentence.framesSent >= sentence.framesQueued {
                heard.append(sentence.text)  // all sent; its mark had not come back yet
            } else {
                let words = sentence.text.split(separator: " ")
                let fraction = Double(sentence.framesSent) / Double(max(sentence.framesQueued, sentence.framesSent, 1))
                let count = Int((Double(words.count) * fraction).rounded(.down))
                if count > 0 { heard.append(words.prefix(count).joined(separator: " ") + " —") }
            }
        }
        // Something of the reply was dropped: the turn says where it was cut.
        if !unplayed.isEmpty, let last = heard.last, !last.hasSuffix("—") { heard[heard.count - 1] = last + " —" }
        unplayed.removeAll()
        sentences.removeAll()
        playedSinceTurn.removeAll()
        return (heard.joined(separator: " "), cut)
    }
}
