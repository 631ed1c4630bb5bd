import Foundation
import FrontdeskCore
import FrontdeskWire

/// The receptionist on an OpenAI-compatible model with tool calling. The system prompt is rendered
/// from `Prompts/receptionist.md` with the business's data and today's local date; tools validate their
/// arguments like the API does and act through `ReceptionistTools`. A model error or timeout gives a
/// graceful line and the scripted policy carries on with the same words.
public struct LLMPolicy: Sendable {
    let client: any LLMClient
    let template: PromptTemplate

    public init(client: any LLMClient, template: String) {
        self.client = client
        self.template = PromptTemplate(template)
    }
    /// At most this many model calls per caller turn (tool rounds included).
    let maxRounds = 5

    /// Token use of one turn.
    public struct Outcome: Sendable {
        public var actions: [ConversationAction]
        public var usage: LLMUsage
        public var fellBack: Bool
    }

    /// `onSentence` gets each sentence of the reply as soon as the stream completes it (for speech that
    /// starts before the model has finished); `onFirstText` is told when the model's first words arrive.
    public func respond(
        to text: String, state: inout ConversationState, context: ReceptionistContext, tools: any ReceptionistTools,
        onSentence: @escaping @Sendable (String) async -> Void = { _ in }, onFirstText: @escaping @Sendable () async -> Void = {}
    ) async throws -> Outcome {
        state.turn += 1
        var history = state.llmMessages
        history.append(.user(text))
        var actions: [ConversationAction] = []
        var usage = LLMUsage(promptTokens: 0, completionTokens: 0)
        do {
            for _ in 0..<maxRounds {
                let splitter = SentenceStream(onSentence: onSentence, onFirstText: onFirstText)
                let completion = try await client.complete(
                    messages: [.system(render(context))] + history, tools: Self.tools, onText: { await splitter.add($0) })
                // Words before a tool call ("Let me check.") are spoken too, while the tool runs.
                await splitter.finish()
                usage.promptTokens += completion.usage?.promptTokens ?? 0
                usage.completionTokens += completion.usage?.completionTokens ?? 0
                if completion.toolCalls.isEmpty {
                    history.append(LLMMessage(role: "assistant", content: completion.text))
                    let reply = completion.text.trimmingWhitespace()
                    state.llmMessages = history
                    let said: [ConversationAction] = reply.isEmpty ? [] : [.say(reply)]
                    return Outcome(actions: said + Self.ordered(actions), usage: usage, fellBack: false)
                }
                history.append(LLMMessage(role: "assistant", content: completion.text.isEmpty ? nil : completion.text, toolCalls: completion.toolCalls))
                for call in completion.toolCalls {
                    let result = await run(call, state: &state, context: context, tools: tools, actions: &actions)
                    history.append(.tool(id: call.id, result: result))
                }
            }
            throw LLMError.stream(message: "too many tool rounds")
        } catch {
            // Stopped on purpose (the caller barged in): no fallback answer.
            if Task.isCancelled { throw CancellationError() }
            // Graceful: apologise, then let the scripted receptionist handle the same words.
            state.turn -= 1
            var scripted = try await ScriptedPolicy().respond(to: text, state: &state, context: context, tools: tools)
            if case .say(let line)? = scripted.first {
                scripted[0] = .say("Sorry, bear with me. " + line)
            }
            return Outcome(actions: Self.ordered(actions) + scripted, usage: usage, fellBack: true)
        }
    }

    /// Hands sentences on while the stream runs.
    actor SentenceStream {
        private var splitter = SentenceSplitter()
        private let onSentence: @Sendable (String) async -> Void
        private var onFirstText: (@Sendable () async -> Void)?

        init(onSentence: @escaping @Sendable (String) async -> Void, onFirstText: @escaping @Sendable () async -> Void = {}) {
            self.onSentence = onSentence
            self.onFirstText = onFirstText
        }

        func add(_ text: String) async {
            if let first = onFirstText, !text.isEmpty {
                onFirstText = nil
                await first()
            }
            for sentence in splitter.add(text) { await onSentence(sentence) }
        }

        func finish() async {
            if let rest = splitter.finish() { await onSentence(rest) }
        }
    }

    /// Transfers and hang-ups come after everything else.
    static func ordered(_ actions: [ConversationAction]) -> [ConversationAction] {
        let last = actions.filter { if case .transfer = $0 { true } else { $0 == .hangUp } }
        return actions.filter { !last.contains($0) } + last
    }

    func render(_ context: ReceptionistContext) -> String {
        let phrasing = Phrasing(hours: context.hours)
        let services = context.settings.services.map { service in
            [service.name, service.price.map(Phrasing.price), service.duration.map { "\($0) min" }].compactMap { $0 }.joined(separator: ", ")
        }
        let values = [
            "business_name": context.businessName,
            "channel": context.channel == .voice ? "the phone" : "text messages",
            "today": "\(Phrasing.day(context.today)), \(context.today)",
            "timezone": context.settings.timezone.identifier,
            "hours": phrasing.weeklyHours().replacingOccurrences(of: "We're open ", with: ""),
            "address": context.settings.address ?? "not given",
            "services": services.isEmpty ? "not listed" : services.joined(separator: "; "),
        ]
        return template.render(values)
    }

    // MARK: tools

    static let tools: [LLMTool] = [
        LLMTool(name: "check_availability", description: "Free start times on a date, for a service.",
                parametersJSON: #"{"type":"object","properties":{"date":{"type":"string","description":"YYYY-MM-DD"},"service":{"type":"string"}},"required":["date"]}"#),
        LLMTool(name: "book_appointment", description: "Book a time the caller accepted.",
                parametersJSON: #"{"type":"object","properties":{"date":{"type":"string"},"time":{"type":"string","description":"HH:mm"},"service":{"type":"string"},"name":{"type":"string"}},"required":["date","time","name"]}"#),
        LLMTool(name: "update_lead", description: "Record what was learnt about the caller.",
                parametersJSON: #"{"type":"object","properties":{"name":{"type":"string"},"email":{"type":"string"},"signals":{"type":"array","items":{"type":"string","enum":["wants_offered_service","urgent_problem","timeline_within_7_days","timeline_within_30_days","timeline_later","just_looking","decision_maker","needs_approval","accepts_price","only_asks_price","asked_for_callback"]}}}}"#),
        LLMTool(name: "transfer_call", description: "Hand the caller to a person.", parametersJSON: #"{"type":"object","properties":{}}"#),
        LLMTool(name: "end_call", description: "End the call after saying goodbye.", parametersJSON: #"{"type":"object","properties":{}}"#),
        LLMTool(name: "send_sms", description: "Text the caller.",
                parametersJSON: #"{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}"#),
        LLMTool(name: "take_message", description: "Take a message for the team.",
                parametersJSON: #"{"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}"#),
    ]

    /// A tool result as the model reads it: keys sorted, so the same result is the same text (and the
    /// provider's prompt cache sees the same prefix).
    static func resultText(_ object: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(object)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Runs one tool call; returns the JSON result the model reads. Bad arguments are an error result,
    /// never a crash.
    private func run(
        _ call: LLMToolCall, state: inout ConversationState, context: ReceptionistContext, tools: any ReceptionistTools,
        actions: inout [ConversationAction]
    ) async -> String {
        let arguments = (try? JSONParser.parse(call.arguments)) ?? [:]
        func string(_ key: String) -> String? {
            guard case .string(let value)? = arguments[key] else { return nil }
            return value.trimmingWhitespace()
        }
        func result(_ object: JSONValue) -> String { Self.resultText(object) }
        let hours = context.hours
        let phrasing = Phrasing(hours: hours)
        do {
            switch call.name {
            case "check_availability":
                guard let date = string("date").flatMap(LocalDate.init) else { return result(["error": "date must be YYYY-MM-DD"]) }
                let service = context.settings.service(named: string("service"))
                let duration = service?.duration ?? context.settings.booking.defaultDuration
                let slots = try await tools.freeSlots(from: date, through: date, duration: duration)
                return result(["date": .string(date.description), "free_times": JSONValue(slots.prefix(24).map { phrasing.localTime($0.start).description })])
            case "book_appointment":
                guard let date = string("date").flatMap(LocalDate.init), let time = string("time").flatMap(WallClockTime.init),
                    let start = hours.instant(date, time)
                else { return result(["error": "date must be YYYY-MM-DD and time HH:mm"]) }
                guard let name = string("name"), !name.isEmpty else { return result(["error": "ask for the caller's name first"]) }
                let serviceName = string("service")
                let service = context.settings.service(named: serviceName)
                if serviceName != nil, service == nil, !context.settings.services.isEmpty {
                    return result(["error": .string("unknown service; offered: " + context.settings.services.map(\.name).joined(separator: ", "))])
                }
                let duration = service?.duration ?? context.settings.booking.defaultDuration
                switch try await tools.book(start: start, duration: duration, service: service?.name, callerName: name) {
                case .booked(let appointment):
                    state.bookedAppointmentId = appointment.id
                    state.outcome = .booked
                    actions.append(.updateLead(LeadUpdate(name: name, signals: [FiredSignal(signal: .bookedAppointment, source: "turn \(state.turn)")])))
                    if let phone = context.callerPhone {
                        actions.append(.sendSMS(to: phone, text: "\(context.businessName): your \((service?.name ?? "appointment").lowercased()) is booked for \(phrasing.moment(appointment.start)). Reply STOP to opt out."))
                    }
                    return result(["booked": true, "when": .string(phrasing.moment(appointment.start))])
                case .unavailable:
                    let free = try await tools.freeSlots(from: date, through: date.adding(days: 7), duration: duration)
                    return result(["booked": false, "reason": "that time is not free", "alternatives": JSONValue(free.prefix(3).map { phrasing.moment($0.start) })])
                }
            case "update_lead":
                var update = LeadUpdate(name: string("name"), email: string("email").flatMap(EmailAddress.init))
                update.signals = (arguments["signals"]?.array ?? []).compactMap { signal in
                    if case .string(let name) = signal { ScoreSignal(rawValue: name) } else { nil }
                }
                    .map { FiredSignal(signal: $0, source: "turn \(state.turn)") }
                if !update.isEmpty { actions.append(.updateLead(update)) }
                return result(["ok": true])
            case "transfer_call":
                guard let fallback = context.settings.fallbackNumber, context.channel == .voice else {
                    return result(["transferred": false, "reason": "nobody can take calls now; take a message instead"])
                }
                actions.append(.transfer(to: fallback))
                state.outcome = .transferred
                return result(["transferred": true])
            case "end_call":
                if context.channel == .voice { actions.append(.hangUp) }
                state.ended = true
                state.outcome = state.outcome ?? .informationOnly
                return result(["ok": true])
            case "send_sms":
                guard let phone = context.callerPhone, let text = string("text"), (1...1600).contains(text.count) else {
                    return result(["sent": false, "reason": "no caller number, or the text is empty or too long"])
                }
                actions.append(.sendSMS(to: phone, text: text))
                return result(["sent": true])
            case "take_message":
                guard let message = string("message"), !message.isEmpty else { return result(["error": "message is empty"]) }
                actions.append(.takeMessage(message))
                state.outcome = .messageTaken
                return result(["taken": true])
            default:
                return result(["error": "unknown tool \(call.name)"])
            }
        } catch {
            return result(["error": "the calendar could not be read; try again"])
        }
    }
}
