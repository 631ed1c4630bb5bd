import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskStore
import FrontdeskWire
import Hummingbird
import Logging

/// AI agents: CRUD, start/stop, live status.
struct AgentController {
    let store: Store
    let conversations: ConversationService
    let calls: CallRuntime
    let now: @Sendable () -> Date
    let tenancy: Tenancy

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.post(use: create)
        group.get(":id", use: get)
        group.put(":id", use: update)
        group.delete(":id", use: delete)
        group.post(":id/start", use: start)
        group.post(":id/stop", use: stop)
        group.get(":id/status", use: status)
        group.post(":id/execute", use: execute)
    }

    /// The CRM seed's shape: `{"input": {"leadId"?, "message", "context"?}}`.
    struct ExecuteBody: Decodable {
        struct Input: Decodable {
            let leadId: String?
            let message: String
            let context: [String: JSONValue]?

            enum CodingKeys: String, CodingKey {
                case leadId, leadIdSnake = "lead_id", message, context
            }

            init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                leadId = try c.decodeIfPresent(String.self, forKey: .leadId) ?? c.decodeIfPresent(String.self, forKey: .leadIdSnake)
                message = try c.decode(String.self, forKey: .message)
                context = try c.decodeIfPresent([String: JSONValue].self, forKey: .context)
            }
        }
        let input: Input
    }

    struct ExecuteView: Encodable, Sendable {
        struct Action: Encodable, Sendable {
            let type: String
            let parameters: [String: JSONValue]
        }
        struct Output: Encodable, Sendable {
            let response: String
            let actions: [Action]
            let confidence: Double
        }
        struct Usage: Encodable, Sendable {
            /// Tokens of this turn.
            let inputTokens: Int
            let outputTokens: Int
            /// Not priced: the configured model's prices are not known to Frontdesk.
            let totalCost = 0.0
        }
        struct Conversation: Encodable, Sendable {
            let turn: Int
            let ended: Bool
            let outcome: CallOutcome?
            let kept: Bool
            /// The lead's `api` thread in the inbox.
            var conversationId: ConversationID? = nil
            /// The member holding that thread: the receptionist did not answer (`response` is empty).
            var heldBy: UserID? = nil

            enum CodingKeys: String, CodingKey {
                case turn, ended, outcome, kept
                case conversationId = "conversation_id"
                case heldBy = "held_by"
            }
        }
        let output: Output
        let usage: Usage
        /// `scripted` (the embedded deterministic policy) or `llm`.
        let policy: String
        let lead: Lead?
        let conversation: Conversation
    }

    /// One conversation turn through the receptionist engine, as a text channel. With a `leadId` the
    /// conversation is kept per lead and resumes on the next call.
    @Sendable func execute(_ request: Request, context: AppRequestContext) async throws -> APIResponse<ExecuteView> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(ExecuteBody.self, context: context)
        let agent = try await agent(request, context, claims)
        let message = body.input.message.trimmingWhitespace()
        var validator = Validator()
        validator.check((1...2000).contains(message.count), "input.message", "must be 1–2000 characters")
        validator.check(agent.isActive, "agent", "is stopped; start it to let it converse")
        try validator.throwIfInvalid()
        guard let business = try await store.businesses.find(agent.businessId) else { throw AppError.notFound("Business") }
        var lead: Lead?
        if let raw = body.input.leadId {
            lead = try await store.leads.find(LeadID(rawValue: raw))
            guard lead?.businessId == business.id else {
                throw AppError.validation(field: "input.leadId", "is not a lead of this agent's business")
            }
        }
        if let lead, let held = try await store.inbox.thread(lead: lead.id, channel: .api), let member = held.assigneeId {
            // A member holds this lead's thread: the words are kept for them, the receptionist stays quiet.
            await store.executed(lead: lead, agent: agent.id, input: message, reply: nil, at: now())
            let state = try await store.conversations.state(business: business.id, channel: .api, lead: lead.id)
            return APIResponse(
                ExecuteView(
                    output: .init(response: "", actions: [], confidence: 1), usage: .init(inputTokens: 0, outputTokens: 0),
                    policy: conversations.llm == nil ? "scripted" : "llm", lead: lead,
                    conversation: .init(
                        turn: state?.turn ?? 0, ended: state?.ended ?? false, outcome: state?.outcome, kept: true, conversationId: held.id,
                        heldBy: member)),
                message: "A member of the team holds this conversation: the receptionist did not answer")
        }
        let result = try await conversations.turn(
            message, agent: agent, business: business, lead: lead, channel: .api, logger: context.logger)
        var thread: ConversationThread?
        if let kept = result.lead ?? lead {
            thread = await store.executed(lead: kept, agent: agent.id, input: message, reply: result.reply, at: now())
        }
        return APIResponse(
            ExecuteView(
                output: .init(response: result.reply, actions: Self.actions(result), confidence: result.confidence),
                usage: .init(inputTokens: result.usage.promptTokens, outputTokens: result.usage.completionTokens),
                policy: conversations.llm == nil ? "scripted" : "llm",
                lead: result.lead,
                conversation: .init(
                    turn: result.state.turn, ended: result.state.ended, outcome: result.state.outcome, kept: lead != nil,
                    conversationId: thread?.id)))
    }

    static func actions(_ result: ConversationService.TurnResult) -> [ExecuteView.Action] {
        var actions: [ExecuteView.Action] = result.changes.map { change in
            switch change {
            case .booked(let a): .init(type: "book_appointment", parameters: appointment(a))
            case .rescheduled(let a): .init(type: "reschedule_appointment", parameters: appointment(a))
            case .cancelled(let a): .init(type: "cancel_appointment", parameters: appointment(a))
            }
        }
        var sent = result.sentMessages.makeIterator()
        for action in result.actions {
            switch action {
            case .say: continue
            case .transfer(let to): actions.append(.init(type: "transfer_call", parameters: ["to": .string(to.e164)]))
            case .hangUp: actions.append(.init(type: "end_call", parameters: [:]))
            case .sendSMS(let to, let text):
                var parameters: [String: JSONValue] = ["to": .string(to.e164), "message": .string(text)]
                if let message = sent.next() {
                    parameters["message_id"] = .string(message.id.rawValue)
                    parameters["status"] = .string(message.status.rawValue)
                }
                actions.append(.init(type: "send_sms", parameters: parameters))
            case .takeMessage(let text): actions.append(.init(type: "take_message", parameters: ["message": .string(text)]))
            case .updateLead(let update):
                var parameters: [String: JSONValue] = ["signals": .array(update.signals.map { .string($0.signal.rawValue) })]
                if let lead = result.lead {
                    parameters["leadId"] = .string(lead.id.rawValue)
                    parameters["qualification_score"] = lead.qualificationScore.map { .number(Double($0)) } ?? .null
                }
                if let name = update.name { parameters["name"] = .string(name) }
                if let disqualifier = update.disqualifier { parameters["disqualified"] = .string(disqualifier.rawValue) }
                actions.append(.init(type: "update_lead", parameters: parameters))
            }
        }
        return actions
    }

    static func appointment(_ a: Appointment) -> [String: JSONValue] {
        [
            "appointment_id": .string(a.id.rawValue), "scheduled_date": .string(InstantText.format(a.scheduledDate)),
            "duration": .number(Double(a.duration)), "type": a.type.map { .string($0) } ?? .null,
        ]
    }

    /// An agent as the API shows it: its fields plus the seed's `is_active`.
    struct AgentView: Encodable, Sendable {
        let agent: Agent

        func encode(to encoder: any Encoder) throws {
            try agent.encode(to: encoder)
            var container = encoder.container(keyedBy: AnyKey.self)
            try container.encode(agent.isActive, forKey: AnyKey("is_active"))
        }
    }

    struct ListView: Encodable, Sendable {
        let agents: [AgentView]
        let pagination: Pagination
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> APIResponse<ListView> {
        let claims = try context.requireUser()
        let query = QueryReader(request)
        let business = try await tenancy.businessId(query.string("business_id"), for: claims)
        let status = try query.enum("status", AgentStatus.self)
        let page = try query.page()
        let result = try await store.agents.list(business: business, status: status, page: page)
        return APIResponse(ListView(agents: result.items.map(AgentView.init), pagination: Pagination(page, total: result.total)))
    }

    struct CreateBody: Decodable {
        let businessId: String
        let name: String
        let phoneNumber: PhoneNumber?
        let voiceSettings: VoiceSettings?
        let behaviorSettings: BehaviorSettings?
        let workingHours: WeeklyHours?
        let status: AgentStatus?

        enum CodingKeys: String, CodingKey {
            case businessId = "business_id"
            case name
            case phoneNumber = "phone_number"
            case voiceSettings = "voice_settings"
            case behaviorSettings = "behavior_settings"
            case workingHours = "working_hours"
            case status
        }
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> APIResponse<AgentView> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(CreateBody.self, context: context)
        let business = try await tenancy.businessId(body.businessId, for: claims, minimum: .admin)
        let now = now()
        let status = body.status ?? .active
        let agent = Agent(
            id: .generate(), businessId: business, name: try Self.validName(body.name), phoneNumber: body.phoneNumber,
            voiceSettings: body.voiceSettings ?? VoiceSettings(), behaviorSettings: body.behaviorSettings ?? BehaviorSettings(),
            workingHours: body.workingHours, status: status, startedAt: status == .active ? now : nil, createdAt: now,
            updatedAt: now)
        try await store.agents.save(agent)
        return APIResponse(AgentView(agent: agent), status: .created, message: "Agent created")
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> APIResponse<AgentView> {
        let claims = try context.requireUser()
        return APIResponse(AgentView(agent: try await agent(request, context, claims)))
    }

    struct UpdateBody: Decodable {
        let name: String?
        let phoneNumber: PhoneNumber??
        let voiceSettings: VoiceSettings?
        let behaviorSettings: BehaviorSettings?
        let workingHours: WeeklyHours??

        enum CodingKeys: String, CodingKey {
            case name
            case phoneNumber = "phone_number"
            case voiceSettings = "voice_settings"
            case behaviorSettings = "behavior_settings"
            case workingHours = "working_hours"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decodeIfPresent(String.self, forKey: .name)
            // Present-and-null clears the number or the hours; absent leaves them.
            phoneNumber = c.contains(.phoneNumber) ? .some(try c.decodeIfPresent(PhoneNumber.self, forKey: .phoneNumber)) : nil
            voiceSettings = try c.decodeIfPresent(VoiceSettings.self, forKey: .voiceSettings)
            behaviorSettings = try c.decodeIfPresent(BehaviorSettings.self, forKey: .behaviorSettings)
            workingHours = c.contains(.workingHours) ? .some(try c.decodeIfPresent(WeeklyHours.self, forKey: .workingHours)) : nil
        }
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> APIResponse<AgentView> {
        let claims = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(UpdateBody.self, context: context)
        var agent = try await agent(request, context, claims, minimum: .admin)
        if let name = body.name { agent.name = try Self.validName(name) }
        if let phone = body.phoneNumber { agent.phoneNumber = phone }
        if let voice = body.voiceSettings { agent.voiceSettings = voice }
        if let behavior = body.behaviorSettings { agent.behaviorSettings = behavior }
        if let hours = body.workingHours { agent.workingHours = hours }
        agent.updatedAt = now()
        try await store.agents.save(agent)
        return APIResponse(AgentView(agent: agent), message: "Agent updated")
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Deleted> {
        let claims = try context.requireUser()
        let agent = try await agent(request, context, claims, minimum: .admin)
        try await store.agents.delete(agent.id)
        return APIResponse(Deleted(id: agent.id.rawValue), message: "Agent deleted")
    }

    @Sendable func start(_ request: Request, context: AppRequestContext) async throws -> APIResponse<StatusView> {
        try await setStatus(.active, request, context)
    }

    @Sendable func stop(_ request: Request, context: AppRequestContext) async throws -> APIResponse<StatusView> {
        try await setStatus(.inactive, request, context)
    }

    private func setStatus(_ status: AgentStatus, _ request: Request, _ context: AppRequestContext) async throws
        -> APIResponse<StatusView>
    {
        let claims = try context.requireUser()
        var agent = try await agent(request, context, claims, minimum: .user)
        if agent.status != status {
            let now = now()
            agent.status = status
            agent.startedAt = status == .active ? now : nil
            agent.updatedAt = now
            try await store.agents.save(agent)
            context.logger.info("Agent \(status == .active ? "started" : "stopped")", metadata: ["agent_id": "\(agent.id)"])
            await store.feed.publish(
                .agentStatus, business: agent.businessId,
                data: AgentStatusChange(agentId: agent.id, businessId: agent.businessId, name: agent.name, status: status), at: now)
        }
        return APIResponse(
            try await statusView(agent), message: status == .active ? "Agent started" : "Agent stopped")
    }

    struct StatusView: Encodable, Sendable {
        let id: AgentID
        let status: AgentStatus
        let activeCalls: Int
        let totalCallsToday: Int
        /// Milliseconds since the agent was started; 0 when stopped.
        let uptime: Int

        enum CodingKeys: String, CodingKey {
            case id, status
            case activeCalls = "active_calls"
            case totalCallsToday = "total_calls_today"
            case uptime
        }
    }

    @Sendable func status(_ request: Request, context: AppRequestContext) async throws -> APIResponse<StatusView> {
        let claims = try context.requireUser()
        return APIResponse(try await statusView(try await agent(request, context, claims)))
    }

    private func statusView(_ agent: Agent) async throws -> StatusView {
        let business = try await store.businesses.find(agent.businessId)
        let hours = OpeningHours(settings: business?.settings ?? .default)
        let now = now()
        let midnight = hours.startOfDay(hours.localDate(of: now))
        let today = try await store.agents.callsSince(agent.id, since: midnight)
        let uptime = agent.startedAt.map { max(0, Int((now.timeIntervalSince($0) * 1000).rounded())) } ?? 0
        // Live calls come from the runtime: a row left "in progress" by a crash is not a live call.
        return StatusView(
            id: agent.id, status: agent.status, activeCalls: calls.activeCount(agent: agent.id),
            totalCallsToday: today,
            uptime: agent.isActive ? uptime : 0)
    }

    /// The agent named in the path, if the caller may see (or, with `minimum`, change) it.
    private func agent(
        _ request: Request, _ context: AppRequestContext, _ claims: AccessClaims, minimum: Role = .agent
    ) async throws -> Agent {
        let id = try context.parameters.id("id", as: AgentID.self)
        return try await tenancy.owned(
            "Agent", by: claims, minimum: minimum, load: { try await store.agents.find(id) }, business: \.businessId)
    }

    static func validName(_ raw: String) throws(AppError) -> String {
        let name = raw.trimmingWhitespace()
        guard (1...100).contains(name.count) else { throw AppError.validation(field: "name", "must be 1–100 characters") }
        return name
    }
}

/// `agent.status`: an agent started or stopped.
struct AgentStatusChange: Encodable, Sendable {
    let agentId: AgentID
    let businessId: BusinessID
    let name: String
    let status: AgentStatus

    enum CodingKeys: String, CodingKey {
        case agentId = "agent_id"
        case businessId = "business_id"
        case name, status
    }
}
