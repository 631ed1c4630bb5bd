import Foundation

/// The embedded receptionist: deterministic slot-filling, no network (domain.md). It takes what the
/// caller says in any order, confirms before booking, offers the nearest free slots when the asked time
/// is taken or closed, answers hours / location / prices from the settings, cancels and reschedules
/// the caller's appointment, and hands off to a person on request, anger, confusion (per the agent's
/// escalation triggers) — to the fallback number, or by taking a message.
public struct ScriptedPolicy: Sendable {
    public init() {}

    public func greeting(_ context: ReceptionistContext) -> String {
        context.behavior.greeting ?? "Thanks for calling \(context.businessName)! How can I help you today?"
    }

    /// One caller turn: updates `state` and returns what to do.
    public func respond(
        to text: String, state: inout ConversationState, context: ReceptionistContext, tools: any ReceptionistTools
    ) async throws -> [ConversationAction] {
        var turn = Turn(state: state, context: context, tools: tools)
        try await turn.run(text)
        state = turn.state
        return turn.actions
    }
}

/// The work of one turn; collects what is said, then the other actions.
struct Turn {
    var state: ConversationState
    let context: ReceptionistContext
    let tools: any ReceptionistTools
    var lines: [String] = []
    var actions: [ConversationAction] = []
    var lead = LeadUpdate()

    init(state: ConversationState, context: ReceptionistContext, tools: any ReceptionistTools) {
        self.state = state
        self.context = context
        self.tools = tools
    }

    var phrasing: Phrasing { Phrasing(hours: context.hours) }
    var services: [ServiceOffering] { context.settings.services }
    var service: ServiceOffering? { context.settings.service(named: state.serviceName) }
    var duration: Int { state.rescheduling?.duration ?? service?.duration ?? context.settings.booking.defaultDuration }

    mutating func run(_ text: String) async throws {
        state.turn += 1
        let u = UtteranceAnalyzer(services: services, today: context.today).analyze(text)
        learn(from: u)
        defer { finish() }

        if u.spam {
            lead.disqualifier = .spam
            say("Thanks, but we're not interested. Goodbye.")
            end(.spam)
            return
        }
        if state.pending == .takeMessage {
            actions.append(.takeMessage(text))
            say("Thank you. I've passed your message on, and someone will get back to you as soon as possible. Goodbye!")
            end(.messageTaken)
            return
        }
        let triggers = context.behavior.escalationTriggers
        if u.wantsHuman || (u.angry && triggers.contains(.angry)) || (u.confused && triggers.contains(.confused)) {
            escalate(apologise: u.angry)
            return
        }
        if u.goodbye && !u.yes && state.pending == nil || (state.pending == .anythingElse && (u.no || u.goodbye) && !u.yes && u.intent == nil && u.questions.isEmpty) {
            say("Thanks for contacting \(context.businessName). Goodbye!")
            end(state.outcome ?? .informationOnly)
            return
        }
        answer(u.questions, about: u.service)

        switch state.pending {
        case .confirmCancel(let appointment)?:
            state.pending = nil
            if u.yes {
                try await tools.cancel(appointment)
                say("Done: your appointment on \(phrasing.moment(appointment.start)) is cancelled.")
                state.outcome = state.outcome ?? .informationOnly
                askAnythingElse()
                return
            }
            if u.no {
                say("Okay, I've left your appointment as it is.")
                askAnythingElse()
                return
            }
        case .confirmBooking(let start)?:
            if u.yes && u.when.isEmpty {
                try await book(start)
                return
            }
            state.pending = nil
            if u.no && u.when.isEmpty {
                state.time = nil
                state.offered = []
                say("No problem. What day and time would suit you better?")
                return
            }
        case .needName(let start)?:
            if state.name != nil {
                state.pending = nil
                confirm(start)
                return
            }
        case .anythingElse?:
            state.pending = nil
        case .takeMessage?, nil:
            break
        }

        if u.intent == .cancel {
            try await startCancel()
            return
        }
        if u.intent == .reschedule {
            guard let appointment = try await tools.upcomingAppointment() else {
                say("I couldn't find an upcoming appointment for this number. Would you like to book a new one?")
                return
            }
            state.rescheduling = appointment
            state.booking = true
            state.date = nil
            state.time = nil
            state.offered = []
            if u.when.isEmpty {
                say("Sure. Your \(appointment.type.map { $0.lowercased() + " " } ?? "")appointment is on \(phrasing.moment(appointment.start)). What day would you like instead?")
                return
            }
        }
        if u.justLooking && !state.booking && u.when.isEmpty {
            say("No problem at all. When you're ready, just call or text this number and I'll book you in.")
            askAnythingElse()
            return
        }
        if u.intent == .book || !u.when.isEmpty || state.booking || (u.service != nil) {
            state.booking = true
            try await fillSlots(u)
            return
        }
        if lines.isEmpty {
            if u.yes && state.turn > 1 {
                say("Great. Would you like to book an appointment?")
                return
            }
            state.misunderstood += 1
            if state.misunderstood >= 3 && triggers.contains(.confused) {
                escalate(apologise: false)
                return
            }
            say("Sorry, I didn't quite catch that. I can book an appointment for you, or answer questions about our hours, location and prices.")
        } else if !state.booking {
            say("Would you like to book an appointment?")
        }
    }

    // MARK: slot filling

    mutating func fillSlots(_ u: Understanding) async throws {
        if let service = u.service { state.serviceName = service.name }
        if let choice = u.when.choice, state.offered.indices.contains(choice - 1) || choice == -1 {
            let start = choice == -1 ? state.offered.last! : state.offered[choice - 1]
            state.date = context.hours.localDate(of: start)
            state.time = phrasing.localTime(start)
        } else if u.when.date != nil || u.when.time != nil || u.when.partOfDay != nil {
            if let date = u.when.date {
                if date != state.date && u.when.time == nil && !u.correction { state.time = nil }
                state.date = date
            }
            if let time = u.when.time { state.time = time }
            if let part = u.when.partOfDay { state.partOfDay = part; if u.when.time == nil { state.time = nil } }
        }
        if state.rescheduling == nil, state.serviceName == nil, !services.isEmpty {
            say("Which service would you like: \(listServices())?")
            return
        }
        guard let date = state.date else {
            say(state.rescheduling == nil ? "What day would you like to come in?" : "What day would you like instead?")
            return
        }
        let today = context.today
        if date < today {
            state.date = nil
            say("That date has already passed. What day would you like?")
            return
        }
        guard let time = state.time else {
            try await offer(on: date, near: nil)
            return
        }
        guard let start = context.hours.instant(date, time) else { return }
        let free = try await tools.freeSlots(from: date, through: date, duration: duration)
        if free.contains(where: { $0.start == start }) {
            if state.rescheduling == nil && state.name == nil {
                state.pending = .needName(start: start)
                say("\(phrasing.moment(start)) is available. May I have your name to hold it?")
                return
            }
            confirm(start)
        } else {
            let closed = context.hours.windows(on: date).isEmpty
            let reason = closed ? "we're closed on \(Phrasing.day(date))" : "\(Phrasing.time(time)) on \(Phrasing.day(date)) isn't available"
            say("I'm sorry, \(reason).")
            try await offer(on: date, near: start)
        }
    }

    /// Offers up to three free slots: on `date` first (nearest to `near`, or in the asked part of the
    /// day), else on the following days.
    mutating func offer(on date: LocalDate, near: Date?) async throws {
        var slots = try await tools.freeSlots(from: date, through: date, duration: duration).map(\.start)
        if let part = state.partOfDay {
            let inPart = slots.filter { part.range.contains(phrasing.localTime($0).minutes) }
            if !inPart.isEmpty || near == nil { slots = inPart }
        }
        if let near { slots.sort { abs($0.timeIntervalSince(near)) < abs($1.timeIntervalSince(near)) } }
        var picked = Array(slots.prefix(3)).sorted()
        if picked.isEmpty {
            let later = try await tools.freeSlots(from: date.adding(days: 1), through: date.adding(days: 14), duration: duration)
            picked = Array(later.prefix(3).map(\.start))
            guard !picked.isEmpty else {
                state.offered = []
                say("I'm sorry, I don't have anything free in the next two weeks. Would you like me to take a message for the team?")
                state.pending = .takeMessage
                return
            }
            let days = Set(picked.map { context.hours.localDate(of: $0) })
            let first = context.hours.localDate(of: picked[0])
            say(days.count == 1
                ? "The first free times after that are on \(Phrasing.day(first)): \(phrasing.choices(picked)). Would one of those work?"
                : "The first free times after that are \(phrasing.choices(picked)). Would one of those work?")
        } else if near == nil {
            say("On \(Phrasing.day(date)) I have \(phrasing.choices(picked)). Which would you like?")
        } else {
            say("The nearest times I have are \(phrasing.choices(picked)). Would one of those work?")
        }
        state.offered = picked
        state.time = nil
    }

    mutating func confirm(_ start: Date) {
        state.pending = .confirmBooking(start: start)
        if let appointment = state.rescheduling {
            say("Just to confirm: move your appointment from \(phrasing.moment(appointment.start)) to \(phrasing.moment(start))?")
        } else {
            let what = state.serviceName.map { "a \($0.lowercased())" } ?? "an appointment"
            say("Just to confirm: \(what) on \(phrasing.moment(start))\(state.name.map { " for \($0)" } ?? ""). Shall I book it?")
        }
    }

    mutating func book(_ start: Date) async throws {
        state.pending = nil
        let outcome: BookingOutcome
        if let appointment = state.rescheduling {
            outcome = try await tools.reschedule(appointment, to: start)
        } else {
            outcome = try await tools.book(start: start, duration: duration, service: state.serviceName, callerName: state.name)
        }
        guard case .booked(let appointment) = outcome else {
            say("I'm sorry, that time was just taken.")
            try await offer(on: context.hours.localDate(of: start), near: start)
            return
        }
        let moment = phrasing.moment(appointment.start)
        let what = appointment.type ?? "appointment"
        state.bookedAppointmentId = appointment.id
        state.booking = false
        state.offered = []
        lead.signals.append(FiredSignal(signal: .bookedAppointment, source: "turn \(state.turn)"))
        state.outcome = .booked
        if let phone = context.callerPhone {
            let text = "\(context.businessName): your \(what.lowercased()) is \(state.rescheduling == nil ? "booked" : "moved") for \(moment). \(context.settings.address.map { "Address: \($0). " } ?? "")Reply STOP to opt out."
            actions.append(.sendSMS(to: phone, text: text))
            say("You're all set for \(moment). I've texted you a confirmation.")
        } else {
            say("You're all set for \(moment).")
        }
        state.rescheduling = nil
        askAnythingElse()
    }

    mutating func startCancel() async throws {
        guard let appointment = try await tools.upcomingAppointment() else {
            say("I couldn't find an upcoming appointment for this number.")
            askAnythingElse()
            return
        }
        state.pending = .confirmCancel(appointment)
        say("I see your \(appointment.type.map { $0.lowercased() + " " } ?? "")appointment on \(phrasing.moment(appointment.start)). Shall I cancel it?")
    }

    // MARK: the rest

    mutating func escalate(apologise: Bool) {
        let sorry = apologise ? "I'm sorry about that. " : ""
        if let fallback = context.settings.fallbackNumber, context.channel == .voice {
            say("\(sorry)Let me connect you with someone from the team.")
            actions.append(.transfer(to: fallback))
            state.outcome = .transferred
            state.ended = true
        } else {
            say("\(sorry)Nobody from the team can take this right now, but I can take a message. What would you like me to pass on?")
            state.pending = .takeMessage
        }
    }

    mutating func answer(_ questions: Set<Understanding.Question>, about asked: ServiceOffering?) {
        if questions.contains(.hours) { say(phrasing.weeklyHours() + ".") }
        if questions.contains(.location) {
            say(context.settings.address.map { "We're at \($0)." } ?? "I'm sorry, I don't have our address at hand.")
        }
        if questions.contains(.price) {
            if let asked, let price = asked.price {
                say("A \(asked.name.lowercased()) is \(Phrasing.price(price)).")
            } else {
                let priced = services.compactMap { s in s.price.map { "\(s.name.lowercased()) \(Phrasing.price($0))" } }
                say(priced.isEmpty ? "Prices depend on what you need; the team will confirm them." : "Our prices: \(priced.joined(separator: ", ")).")
            }
            lead.signals.append(FiredSignal(signal: .onlyAsksPrice, source: "turn \(state.turn)"))
        }
    }

    mutating func learn(from u: Understanding) {
        let source = "turn \(state.turn)"
        if let name = u.name, state.name == nil || u.correction { state.name = name; lead.name = name }
        if let email = u.email { lead.email = email }
        lead.signals += u.signals(source: source, today: context.today)
        if u.yes, case .confirmBooking? = state.pending, service?.price != nil {
            lead.signals.append(FiredSignal(signal: .acceptsPrice, source: source))
        }
    }

    func listServices() -> String {
        let names = services.map(\.name)
        guard names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    mutating func askAnythingElse() {
        state.pending = .anythingElse
        say("Is there anything else I can help you with?")
    }

    mutating func say(_ line: String) { lines.append(line) }

    mutating func end(_ outcome: CallOutcome) {
        state.outcome = state.outcome == .booked ? .booked : outcome
        state.ended = true
        if context.channel == .voice { actions.append(.hangUp) }
    }

    /// Puts the spoken line first, then the other actions, and records new lead signals once.
    mutating func finish() {
        let known = Set(state.signals.map(\.signal))
        lead.signals = lead.signals.filter { !known.contains($0.signal) }
        state.signals += lead.signals
        var result: [ConversationAction] = []
        if !lines.isEmpty { result.append(.say(lines.joined(separator: " "))) }
        // A transfer or hang-up happens after the last words.
        let last = actions.filter { $0 == .hangUp || { if case .transfer = $0 { return true } else { return false } }($0) }
        result += actions.filter { !last.contains($0) }
        if !lead.isEmpty { result.append(.updateLead(lead)) }
        result += last
        actions = result
    }
}
