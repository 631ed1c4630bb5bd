import Foundation
import FrontdeskWire

extension ScenarioRun {
    /// The script's `afterwards`: the virtual clock moves on (the server's scheduler sees the new time
    /// at its next look, within a second), texts to the caller are awaited at the Telnyx stand-in, and
    /// the caller's texts go in as Telnyx messaging webhooks.
    /// Each step looks at what reached the caller since the step before it ended (the first: since the
    /// call's checks).
    mutating func runAfterwards() async throws {
        var mark = standIn.count
        for (index, step) in scenario.afterwards.enumerated() {
            defer { mark = standIn.count }
            let label = "afterwards \(index + 1)"
            if let wait = step.wait, let seconds = Scenario.Afterwards.seconds(wait) {
                guard let clock else {
                    failures.append("\(label): wait \(wait) needs the in-process server's virtual clock")
                    return
                }
                clock.advance(seconds: seconds)
                lines.append(.init(at: elapsedMs, speaker: "Clock", text: "\(wait) later", latencyMs: nil))
            }
            if let wanted = step.expectText {
                let received = await standIn.settle(after: mark, quiet: pace.quiet, timeout: .seconds(5)) { received in
                    toCaller(received) && (received.body["text"]?.text ?? "").localizedCaseInsensitiveContains(wanted)
                }
                let texts = received.filter(toCaller).compactMap { $0.body["text"]?.text }
                for text in texts { lines.append(.init(at: elapsedMs, speaker: "Text", text: text, latencyMs: nil)) }
                if !texts.contains(where: { $0.localizedCaseInsensitiveContains(wanted) }) {
                    failures.append("\(label): expected a text to the caller containing \"\(wanted)\"; got \(texts)")
                }
            }
            if step.expectNoText == true {
                // The scheduler looks every 250 ms: a text that was coming would be here well within this.
                try await Task.sleep(for: .milliseconds(1500))
                let texts = standIn.received(after: mark).filter(toCaller).compactMap { $0.body["text"]?.text }
                if !texts.isEmpty { failures.append("\(label): expected no text to the caller; got \(texts)") }
            }
            if let words = step.text {
                let before = elapsedMs
                lines.append(.init(at: before, speaker: "Caller", text: words, latencyMs: nil))
                let replies = try await telnyxText(words, expecting: step.expectReply, wait: pace.reply)
                for reply in replies { lines.append(.init(at: reply.at, speaker: "Agent", text: reply.text, latencyMs: reply.at - before)) }
                if let wanted = step.expectReply, !replies.contains(where: { Self.words($0.text).localizedCaseInsensitiveContains(Self.words(wanted)) }) {
                    failures.append("\(label): expected a reply to \"\(words)\" containing \"\(wanted)\"; got \(replies.map(\.text))")
                }
            }
        }
    }
}
