import Foundation

/// The audio test set for end of turn (`frontdesk bench turns`): lines a caller says, spoken with
/// espeak-ng at run time ("…" is a thinking pause of 300–700 ms), played over a line with
/// telephone-band noise and a little echo of the agent's voice. Each line is one turn: the agent
/// must answer after its last word — quickly when it is a finished sentence — and never inside it.
package struct AudioTestSet: Sendable {
    package enum Kind: String, Sendable, CaseIterable {
        /// A complete sentence or question, said without a pause.
        case finished
        /// A sentence with a thinking pause in the middle.
        case pause
        /// A list, a phone number or a date read slowly, or a line opening with "um"/"uh".
        case slow
    }

    package struct Line: Sendable {
        package let text: String
        package let kind: Kind
        /// The thinking pause at each "…".
        package let pause: Duration
    }

    package static let lines: [Line] = [
        Line(text: "What are your hours on Saturday?", kind: .finished, pause: .zero),
        Line(text: "How much is a cleaning?", kind: .finished, pause: .zero),
        Line(text: "Where are you located?", kind: .finished, pause: .zero),
        Line(text: "Do you take walk-ins?", kind: .finished, pause: .zero),
        Line(text: "I'd like to book a cleaning tomorrow at 10am.", kind: .finished, pause: .zero),
        Line(text: "Can I come in on Friday afternoon?", kind: .finished, pause: .zero),
        Line(text: "Is the dentist in this week?", kind: .finished, pause: .zero),
        Line(text: "Do you have anything earlier?", kind: .finished, pause: .zero),
        Line(text: "Yes, that works for me.", kind: .finished, pause: .zero),
        Line(text: "How long does a checkup take?", kind: .finished, pause: .zero),
        Line(text: "I'd like to book a checkup for… next Wednesday.", kind: .pause, pause: .milliseconds(600)),
        Line(text: "Can I bring my daughter in on… Thursday morning?", kind: .pause, pause: .milliseconds(700)),
        Line(text: "My name is… Jordan Smith.", kind: .pause, pause: .milliseconds(500)),
        Line(text: "I was thinking about… whitening, how much is it?", kind: .pause, pause: .milliseconds(400)),
        Line(text: "I need a cleaning, a checkup… and whitening.", kind: .slow, pause: .milliseconds(600)),
        Line(text: "My number is five five five… zero one… three four.", kind: .slow, pause: .milliseconds(500)),
        Line(text: "The appointment was on December… the fourteenth.", kind: .slow, pause: .milliseconds(600)),
        Line(text: "Um… can I get the earliest slot?", kind: .slow, pause: .milliseconds(300)),
    ]
}
