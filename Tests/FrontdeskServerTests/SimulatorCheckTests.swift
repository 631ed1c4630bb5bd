import Foundation
import FrontdeskAudio
import FrontdeskCore
@testable import FrontdeskServer
@testable import FrontdeskSimulator
import Testing

/// How the simulator tells what a conversation booked (issue 15, item 7: an audio-mode reschedule was
/// reported as "found none" because the moved appointment's `updated_at` equalled its `created_at`
/// under the script's clock, which does not move while a call plays in real time).
@Suite("The simulator's booking check")
struct SimulatorCheckTests {
    let hours = OpeningHours(settings: .default)
    let setUpStart = APIJSON.parseInstant("2026-11-24T10:00:00Z")!

    func row(_ id: String, _ start: String, status: String = "scheduled", stamped: String = "2026-11-23T10:00:00.000Z") -> [String: Any] {
        ["id": id, "scheduled_date": start, "status": status, "created_at": stamped, "updated_at": stamped]
    }

    @Test("a set-up appointment moved under a clock that did not move counts as the new booking")
    func movedWithoutClock() {
        let booked = ScenarioRun.booked([row("a1", "2026-11-25T15:00:00Z")], setUp: ["a1": setUpStart], hours: hours)
        #expect(booked.count == 1)
        #expect(booked.first == "\(hours.localDate(of: APIJSON.parseInstant("2026-11-25T15:00:00Z")!)) \(hours.localTime(of: APIJSON.parseInstant("2026-11-25T15:00:00Z")!))")
    }

    @Test("a set-up appointment left where it was is not a booking, even when something else about it changed")
    func untouched() {
        var touched = row("a1", "2026-11-24T10:00:00Z")
        touched["updated_at"] = "2026-11-23T10:05:00.000Z"
        #expect(ScenarioRun.booked([touched], setUp: ["a1": setUpStart], hours: hours).isEmpty)
    }

    @Test("new appointments count; cancelled ones do not")
    func newAndCancelled() {
        let booked = ScenarioRun.booked(
            [row("n1", "2026-11-26T09:00:00Z"), row("n2", "2026-11-27T09:00:00Z", status: "cancelled")], setUp: [:], hours: hours)
        #expect(booked.count == 1)
    }
}

@Suite("The simulator's caller voice: words with where each one's audio ends")
struct CallerVoiceTests {
    @Test("each word of the line has an end, in order, inside the audio; a thinking pause is that much silence, and \"…\" is not a word")
    func wordTimings() async throws {
        let voice = CallerVoice(synthesizer: try EspeakSynthesizer())
        let plain = try await voice.speak("Hi, I'm Maria, can I get a cleaning next Tuesday at 10?", sampleRate: 8_000)
        #expect(plain.words == ["Hi,", "I'm", "Maria,", "can", "I", "get", "a", "cleaning", "next", "Tuesday", "at", "10?"])
        #expect(zip(plain.ends, plain.ends.dropFirst()).allSatisfy { $0 < $1 }, "\(plain.ends)")
        let length = Duration.milliseconds(plain.samples.count / 8)
        #expect(plain.ends.last! <= length + .milliseconds(30) && plain.ends.last! > length - .milliseconds(50), "\(plain.ends.last!) of \(length)")
        #expect(plain.ends.first! > .milliseconds(100) && plain.ends.first! < .milliseconds(700))

        let paused = try await voice.speak("I'd like to come in on… Thursday.", sampleRate: 8_000)
        #expect(paused.words == ["I'd", "like", "to", "come", "in", "on", "Thursday."])
        // "on" ends, then 600 ms of silence, then "Thursday."
        let gap = paused.ends[6] - paused.ends[5]
        #expect(gap > .milliseconds(650) && gap < .milliseconds(1_400), "\(gap)")
    }
}

