import Foundation
import FrontdeskCore
import Synchronization
import Testing

/// The business's calendar in memory, with the same availability rules as the real one.
final class CalendarTools: ReceptionistTools {
    let settings: BusinessSettings
    let now: Date
    let appointments = Mutex<[CallerAppointment]>([])
    let callerAppointment = Mutex<CallerAppointment?>(nil)

    init(settings: BusinessSettings, now: Date) {
        self.settings = settings
        self.now = now
    }

    func freeSlots(from: LocalDate, through: LocalDate, duration: Int) async throws -> [Slot] {
        let busy = appointments.withLock { $0.map { BusyInterval(start: $0.start, end: $0.start.addingTimeInterval(TimeInterval($0.duration * 60))) } }
        return AvailabilityCalculator(settings: settings).slots(from: from, through: through, duration: duration, busy: busy, now: now)
    }

    func book(start: Date, duration: Int, service: String?, callerName: String?) async throws -> BookingOutcome {
        let date = OpeningHours(settings: settings).localDate(of: start)
        guard try await freeSlots(from: date, through: date, duration: duration).contains(where: { $0.start == start }) else {
            return .unavailable
        }
        let appointment = CallerAppointment(id: "appointment_\(UUID().uuidString.prefix(6))", start: start, duration: duration, type: service)
        appointments.withLock { $0.append(appointment) }
        return .booked(appointment)
    }

    func upcomingAppointment() async throws -> CallerAppointment? { callerAppointment.withLock { $0 } }

    func cancel(_ appointment: CallerAppointment) async throws {
        appointments.withLock { $0.removeAll { $0.id == appointment.id } }
        callerAppointment.withLock { $0 = nil }
    }

    func reschedule(_ appointment: CallerAppointment, to start: Date) async throws -> BookingOutcome {
        try await cancel(appointment)
        return try await book(start: start, duration: appointment.duration, service: appointment.type, callerName: nil)
    }

    func take(_ start: Date, minutes: Int = 30) {
        appointments.withLock { $0.append(CallerAppointment(id: "appointment_other", start: start, duration: minutes, type: nil)) }
    }
}

/// A conversation with the scripted receptionist of a dental practice, on Sunday 22 November 2026.
struct Conversation {
    static let settingsJSON = """
        {"timezone":"America/New_York",
         "business_hours":{"monday":[{"open":"09:00","close":"12:00"},{"open":"13:00","close":"17:00"}],
           "tuesday":[{"open":"09:00","close":"12:00"},{"open":"13:00","close":"17:00"}],
           "wednesday":{"open":"09:00","close":"17:00"},"thursday":{"open":"09:00","close":"17:00"},
           "friday":{"open":"09:00","close":"17:00"},"saturday":{"open":"10:00","close":"14:00"}},
         "date_overrides":{"2026-11-26":[]},
         "services":[{"name":"Cleaning","price":120,"duration":45},{"name":"Checkup","price":90,"duration":30}],
         "fallback_number":"+15550100199","address":"12 Harbor Street, Springfield",
         "booking":{"slot_interval":30,"minimum_notice":60}}
        """
    static let now = try! Date("2026-11-22T15:00:00Z", strategy: .iso8601)

    var state = ConversationState()
    let context: ReceptionistContext
    let tools: CalendarTools

    init(channel: Channel = .voice, behavior: BehaviorSettings = BehaviorSettings(), fallback: Bool = true) throws {
        var settings = try JSONDecoder().decode(BusinessSettings.self, from: Data(Self.settingsJSON.utf8))
        if !fallback { settings.fallbackNumber = nil }
        context = ReceptionistContext(
            businessName: "Bright Smile Dental", settings: settings, behavior: behavior,
            callerPhone: PhoneNumber("+15551234567"), channel: channel, now: Self.now)
        tools = CalendarTools(settings: settings, now: Self.now)
    }

    /// What the receptionist said, and everything it did, for one caller line.
    mutating func say(_ text: String) async throws -> (reply: String, actions: [ConversationAction]) {
        let actions = try await ScriptedPolicy().respond(to: text, state: &state, context: context, tools: tools)
        let reply = actions.compactMap { if case .say(let line) = $0 { line } else { nil } }.joined(separator: " ")
        return (reply, actions)
    }

    static func utc(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }
}

@Suite("The scripted receptionist")
struct ScriptedPolicyTests {
    @Test("booking happy path: service, day, a choice among offered times, name, confirmation")
    func happyPath() async throws {
        var call = try Conversation()
        #expect(try await call.say("Hi, I'd like to book an appointment").reply.contains("Which service"))
        #expect(try await call.say("a cleaning please").reply.contains("What day"))
        let offer = try await call.say("next Tuesday").reply
        #expect(offer == "On Tuesday, November 24 I have 9:00 AM, 9:30 AM or 10:00 AM. Which would you like?")
        #expect(try await call.say("the second one").reply.contains("May I have your name"))
        let confirm = try await call.say("It's Maria").reply
        #expect(confirm == "Just to confirm: a cleaning on Tuesday, November 24 at 9:30 AM for Maria. Shall I book it?")
        let done = try await call.say("yes please")
        #expect(done.reply.contains("You're all set for Tuesday, November 24 at 9:30 AM"))
        #expect(done.actions.contains { if case .sendSMS(let to, let text) = $0 { to.e164 == "+15551234567" && text.contains("9:30 AM") } else { false } })
        #expect(call.tools.appointments.withLock { $0.map(\.start) } == [Conversation.utc("2026-11-24T14:30:00Z")])
        #expect(call.tools.appointments.withLock { $0.first?.duration } == 45)
        #expect(call.state.outcome == .booked)
        let signals = Set(call.state.signals.map(\.signal))
        #expect(signals.isSuperset(of: [.wantsOfferedService, .timelineWithin7Days, .bookedAppointment, .acceptsPrice]))
        let bye = try await call.say("no, that's all, thanks")
        #expect(bye.actions.last == .hangUp)
    }

    @Test("everything in one sentence goes straight to the confirmation")
    func oneSentence() async throws {
        var call = try Conversation()
        let reply = try await call.say("Hi, I'm Maria, can I get a cleaning next Tuesday at 10?").reply
        #expect(reply == "Just to confirm: a cleaning on Tuesday, November 24 at 10:00 AM for Maria. Shall I book it?")
        _ = try await call.say("yes")
        #expect(call.tools.appointments.withLock { $0.map(\.start) } == [Conversation.utc("2026-11-24T15:00:00Z")])
    }

    @Test("a taken time gets the nearest free ones, and one of them is booked")
    func takenTime() async throws {
        var call = try Conversation()
        call.tools.take(Conversation.utc("2026-11-24T15:00:00Z"), minutes: 60)  // 10:00–11:00 taken
        let reply = try await call.say("I'm Ana, a checkup on Tuesday at 10am").reply
        #expect(reply.hasPrefix("I'm sorry, 10:00 AM on Tuesday, November 24 isn't available."))
        #expect(reply.contains("9:30 AM") && reply.contains("11:00 AM"))
        #expect(try await call.say("the first one").reply.contains("Shall I book it?"))
        _ = try await call.say("yes")
        #expect(call.tools.appointments.withLock { $0.count } == 2)
    }

    @Test("a closed day (a holiday) gets the next open days")
    func holiday() async throws {
        var call = try Conversation()
        let reply = try await call.say("I'm Ana, can I get a checkup on Thursday at 11?").reply
        #expect(reply.contains("we're closed on Thursday, November 26"))
        #expect(reply.contains("on Friday, November 27: 9:00 AM, 9:30 AM or 10:00 AM"))
    }

    @Test("a correction changes the day and keeps the time")
    func correction() async throws {
        var call = try Conversation()
        _ = try await call.say("I'm Maria, a cleaning on Tuesday at 2pm")
        let reply = try await call.say("actually make it Wednesday").reply
        #expect(reply == "Just to confirm: a cleaning on Wednesday, November 25 at 2:00 PM for Maria. Shall I book it?")
    }

    @Test("asking for a person transfers to the fallback number; without one a message is taken")
    func handOff() async throws {
        var call = try Conversation()
        let transfer = try await call.say("can I talk to a real person")
        #expect(transfer.actions.contains(.transfer(to: PhoneNumber("+15550100199")!)))
        #expect(call.state.outcome == .transferred)

        var noFallback = try Conversation(fallback: false)
        #expect(try await noFallback.say("I want a human").reply.contains("take a message"))
        let taken = try await noFallback.say("Please ask Dr. Lee to call me about my crown")
        #expect(taken.actions.contains(.takeMessage("Please ask Dr. Lee to call me about my crown")))
        #expect(taken.actions.last == .hangUp)
        #expect(noFallback.state.outcome == .messageTaken)
    }

    @Test("anger escalates only when the agent's triggers include it")
    func anger() async throws {
        var call = try Conversation()
        #expect(try await call.say("This is ridiculous, nobody ever answers!!").actions.contains { if case .transfer = $0 { true } else { false } })
        var calm = BehaviorSettings()
        calm.escalationTriggers = [.requestsHuman]
        var other = try Conversation(behavior: calm)
        #expect(!(try await other.say("This is ridiculous").actions.contains { if case .transfer = $0 { true } else { false } }))
    }

    @Test("hours, location and prices come from the settings")
    func questions() async throws {
        var call = try Conversation()
        let hours = try await call.say("What are your hours?").reply
        #expect(hours.contains("Monday to Tuesday 9:00 AM to 12:00 PM and 1:00 PM to 5:00 PM"))
        #expect(hours.contains("Saturday 10:00 AM to 2:00 PM; closed Sunday"))
        #expect(try await call.say("where are you located?").reply.contains("12 Harbor Street"))
        #expect(try await call.say("how much is a cleaning?").reply.contains("A cleaning is $120."))
    }

    @Test("the caller's appointment is cancelled after a confirmation, or moved when rescheduling")
    func cancelAndReschedule() async throws {
        var call = try Conversation()
        let existing = CallerAppointment(id: "appointment_mine", start: Conversation.utc("2026-11-24T15:00:00Z"), duration: 45, type: "Cleaning")
        call.tools.appointments.withLock { $0.append(existing) }
        call.tools.callerAppointment.withLock { $0 = existing }
        #expect(try await call.say("I need to cancel my appointment").reply.contains("cleaning appointment on Tuesday, November 24 at 10:00 AM. Shall I cancel it?"))
        #expect(try await call.say("yes").reply.contains("is cancelled"))
        #expect(call.tools.appointments.withLock { $0.isEmpty })

        var move = try Conversation()
        move.tools.appointments.withLock { $0.append(existing) }
        move.tools.callerAppointment.withLock { $0 = existing }
        #expect(try await move.say("Can I reschedule my appointment?").reply.contains("What day would you like instead?"))
        #expect(try await move.say("Wednesday at 3pm").reply == "Just to confirm: move your appointment from Tuesday, November 24 at 10:00 AM to Wednesday, November 25 at 3:00 PM?")
        _ = try await move.say("yes")
        #expect(move.tools.appointments.withLock { $0.map(\.start) } == [Conversation.utc("2026-11-25T20:00:00Z")])
    }

    @Test("spam ends the call and disqualifies the lead")
    func spam() async throws {
        var call = try Conversation()
        let result = try await call.say("Hi, we can get your business to the top of Google with our SEO package")
        #expect(result.actions.contains(.updateLead(LeadUpdate(disqualifier: .spam))))
        #expect(result.actions.last == .hangUp)
        #expect(call.state.outcome == .spam)
    }

    @Test("over SMS nothing hangs up and a message is taken instead of a transfer")
    func sms() async throws {
        var text = try Conversation(channel: .sms)
        let reply = try await text.say("can I speak to someone?")
        #expect(reply.reply.contains("take a message"))
        #expect(!reply.actions.contains(.hangUp))
    }
}
