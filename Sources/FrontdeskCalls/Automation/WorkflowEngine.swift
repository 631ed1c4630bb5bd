import Foundation
import FrontdeskCore
import FrontdeskStore
import FrontdeskWire
import Logging

/// Sends a workflow's webhook: the server gives the HTTP client and the address policy (SSRF checks).
package protocol OutboundPoster: Sendable {
    /// Posts `body` as JSON with `headers`; returns the status code. Throws when the URL is refused or
    /// the request failed in transit.
    func post(_ url: String, body: [UInt8], headers: [(String, String)]) async throws -> Int
}

/// Workflows on the scheduler: an event enrolls its lead in each active workflow it triggers whose
/// conditions hold (`enrollments`), and each enrollment's actions run one job at a time —
/// `workflow:<enrollment>:<step>` — so a `wait` is just the next step's due time, and a crash re-runs
/// one step whose side effect carries its job's key.
package struct WorkflowEngine: Sendable {
    let store: Store
    let messenger: Messenger
    let poster: (any OutboundPoster)?
    /// Places `place_call` steps' calls (nil: they are skipped).
    let outbound: OutboundCalls?

    package init(store: Store, messenger: Messenger, poster: (any OutboundPoster)?, outbound: OutboundCalls? = nil) {
        self.store = store
        self.messenger = messenger
        self.poster = poster
        self.outbound = outbound
    }

    // MARK: enrolling

    /// The first step of every enrollment this event makes.
    func jobs(for event: DomainEvent, now: Date) async throws -> [Job] {
        guard WorkflowTrigger.types.contains(event.type) else { return [] }
        let workflows = try await store.workflows.active(business: event.businessId, trigger: event.type)
        guard !workflows.isEmpty, let business = try await store.businesses.find(event.businessId) else { return [] }
        let data = (try? JSONParser.parse(event.data)) ?? .null
        let leadId = event.type.rawValue.hasPrefix("lead.") ? data["id"]?.text : data["lead_id"]?.text
        guard let leadId, let lead = try await store.leads.find(LeadID(rawValue: leadId)), lead.businessId == business.id else { return [] }
        var context = try await Self.context(lead: lead, business: business, store: store, now: now)
        context["event.type"] = .string(event.type.rawValue)
        switch event.type {
        case .appointmentBooked, .appointmentMoved, .appointmentCancelled, .appointmentNoShow:
            context["appointment.id"] = data["id"]?.text.map(WorkflowValue.string)
            context["appointment.type"] = data["type"]?.text.map(WorkflowValue.string)
            context["appointment.status"] = data["status"]?.text.map(WorkflowValue.string)
            if let id = data["id"]?.text, let appointment = try await store.appointments.find(AppointmentID(rawValue: id)) {
                context["appointment.when"] = .string(Phrasing(hours: OpeningHours(settings: business.settings)).moment(appointment.scheduledDate))
            }
        case .callEnded:
            context["call.id"] = data["id"]?.text.map(WorkflowValue.string)
            context["call.outcome"] = data["outcome"]?.text.map(WorkflowValue.string)
            context["call.duration"] = data["duration"]?.double.map(WorkflowValue.number)
            context["call.summary"] = data["summary"]?.text.map(WorkflowValue.string)
        case .messageReceived:
            context["message.body"] = data["body"]?.text.map(WorkflowValue.string)
            context["message.channel"] = data["channel"]?.text.map(WorkflowValue.string)
        case .contactTagged:
            context["event.tag"] = data["tag"]?.text.map(WorkflowValue.string)
        default: break
        }
        var jobs: [Job] = []
        for workflow in workflows where workflow.matches(event.type, context: context) {
            let enrollment = Enrollment(
                workflowId: workflow.id, businessId: business.id, leadId: lead.id, context: context, source: event.id, createdAt: now, updatedAt: now)
            guard let stored = try await store.workflows.enroll(enrollment, once: !workflow.allowReentry, reentryAfter: Self.reentryAfter(now)),
                stored.status == .active
            else { continue }
            jobs.append(Self.step(stored, stored.step, due: now, now: now))
        }
        return jobs
    }

    /// What a bulk enrollment did.
    package struct BulkEnrollment: Sendable, Equatable {
        package var enrolled = 0
        /// Enrolled before (the workflow runs once per lead), or its conditions do not hold.
        package var alreadyEnrolled = 0
        package var conditionsNotMet = 0
        /// When the last enrollment's first step is due.
        package var lastStart: Date?
    }

    /// Enrolls `leads` in `workflow` by hand (a filter picked them), each whose conditions hold and who
    /// was not enrolled before (unless re-entry is allowed). The first steps are due from `start`,
    /// `perSecond` of them a second when given (a send rate), all at `start` otherwise. `batch` names
    /// this request: the same batch again enrolls nobody twice.
    package func enroll(
        _ leads: [Lead], in workflow: Workflow, business: Business, batch: String, start: Date, perSecond: Double?, now: Date
    ) async throws -> BulkEnrollment {
        var result = BulkEnrollment()
        var jobs: [Job] = []
        for lead in leads where lead.businessId == business.id {
            var context = try await Self.context(lead: lead, business: business, store: store, now: now)
            context["event.type"] = .string("bulk")
            guard workflow.conditions.allSatisfy({ $0.holds(in: context) }) else {
                result.conditionsNotMet += 1
                continue
            }
            let enrollment = Enrollment(
                workflowId: workflow.id, businessId: business.id, leadId: lead.id, context: context, source: "bulk:\(batch):\(lead.id.rawValue)",
                createdAt: now, updatedAt: now)
            guard let stored = try await store.workflows.enroll(enrollment, once: !workflow.allowReentry) else {
                result.alreadyEnrolled += 1
                continue
            }
            if stored.id != enrollment.id {
                // This batch again (a retried request): its first step, should a crash have lost it (stored once, by its key).
                result.alreadyEnrolled += 1
                if stored.status == .active, stored.step == 0 { jobs.append(Self.step(stored, 0, due: start, now: now)) }
                continue
            }
            let due = perSecond.map { start.addingTimeInterval(Double(result.enrolled) / $0) } ?? start
            jobs.append(Self.step(stored, 0, due: due, now: now))
            result.enrolled += 1
            result.lastStart = due
            if jobs.count == 500 {
                try await store.jobs.schedule(jobs)
                jobs.removeAll(keepingCapacity: true)
            }
        }
        if !jobs.isEmpty { try await store.jobs.schedule(jobs) }
        return result
    }

    package static func step(_ enrollment: Enrollment, _ step: Int, due: Date, now: Date) -> Job {
        Job(
            businessId: enrollment.businessId, kind: .workflowStep, key: "workflow:\(enrollment.id.rawValue):\(step)",
            payload: #"{"enrollment_id":"\#(enrollment.id.rawValue)","step":\#(step)}"#, dueAt: due, createdAt: now)
    }

    /// The lead's, its contact's and the business's variables.
    package static func context(lead: Lead, business: Business, store: Store, now: Date) async throws -> [String: WorkflowValue] {
        var context: [String: WorkflowValue] = [
            "lead.id": .string(lead.id.rawValue), "lead.status": .string(lead.status.rawValue), "lead.source": .string(lead.source.rawValue),
            "business.name": .string(business.name),
            "now.inside_business_hours": .bool(OpeningHours(settings: business.settings).isOpen(from: now, minutes: 1)),
        ]
        context["lead.name"] = lead.name.map(WorkflowValue.string)
        context["contact.name"] = lead.name.map(WorkflowValue.string)
        context["contact.first_name"] = lead.name.flatMap { $0.split(separator: " ").first.map { .string(String($0)) } }
        context["lead.score"] = lead.qualificationScore.map { .number(Double($0)) }
        context["lead.phone"] = lead.phone.map { .string($0.e164) }
        context["contact.phone"] = lead.phone.map { .string($0.e164) }
        context["lead.email"] = lead.email.map { .string($0.value) }
        context["contact.email"] = lead.email.map { .string($0.value) }
        context["lead.company"] = lead.company.map(WorkflowValue.string)
        context["business.phone"] = business.settings.phone.map { .string($0.e164) }
        context["business.address"] = business.settings.address.map(WorkflowValue.string)
        let contact = try await store.contacts.link(lead, at: now)
        context["contact.tags"] = .list(contact.tags)
        return context
    }

    // MARK: running a step

    func run(_ job: Job, business: Business, now: Date, logger: Logger) async throws -> JobOutcome {
        guard let values = try? JSONParser.extract(job.payload, paths: [["enrollment_id"], ["step"]]), let id = values[0]?.text,
            let step = values[1]?.integer
        else { return .failed("the job's payload is not a workflow step's") }
        guard var enrollment = try await store.workflows.enrollment(EnrollmentID(rawValue: id)) else { return .skipped("the enrollment was deleted") }
        guard let workflow = try await store.workflows.find(enrollment.workflowId) else { return .skipped("the workflow was deleted") }
        if enrollment.step == step + 1 {
            // This step ran and was recorded, then the process stopped: make sure the next one is planned.
            if enrollment.status == .active, step + 1 < workflow.actions.count {
                try await store.jobs.schedule([Self.step(enrollment, step + 1, due: now, now: now)])
            }
            return .done("step \(step + 1) had run already")
        }
        guard enrollment.status == .active, enrollment.step == step else {
            return .skipped("the enrollment is \(enrollment.status.rawValue) at step \(enrollment.step + 1)")
        }
        func finish(_ status: EnrollmentStatus, _ entry: EnrollmentLogEntry) async throws {
            enrollment.log.append(entry)
            enrollment.status = status
            enrollment.updatedAt = now
            enrollment.finishedAt = now
            try await store.workflows.save(enrollment)
            try await finished(enrollment, now: now)
        }
        guard workflow.status == .active else {
            try await finish(.exited, EnrollmentLogEntry(step: step + 1, action: "exit", status: "skipped", detail: "the workflow is \(workflow.status.rawValue)", at: now))
            return .skipped("the workflow is \(workflow.status.rawValue)")
        }
        guard step < workflow.actions.count else {
            try await finish(.completed, EnrollmentLogEntry(step: step + 1, action: "end", status: "done", detail: "no more actions", at: now))
            return .done("completed")
        }
        guard let lead = try await store.leads.find(enrollment.leadId) else {
            try await finish(.exited, EnrollmentLogEntry(step: step + 1, action: "exit", status: "skipped", detail: "the lead was deleted", at: now))
            return .skipped("the lead was deleted")
        }
        // The lead as it is now (a step may wait days); the event's own variables stay as they were.
        let fresh = try await Self.context(lead: lead, business: business, store: store, now: now)
        enrollment.context.merge(fresh) { _, new in new }
        if workflow.reachedGoal(enrollment.context) {
            try await finish(.completed, EnrollmentLogEntry(step: step + 1, action: "goal", status: "done", detail: "the goal was reached; no more steps", at: now))
            return .done("goal reached")
        }
        let action = workflow.actions[step]
        var next = now
        let (status, detail): (String, String)
        if case .webhook = action, let last = enrollment.log.last, last.step == step + 1, last.status == Self.sending {
            // The process stopped while this webhook was in flight: the receiver may have it. Like a
            // text cut off mid-send, it is recorded and not sent again (at most once).
            enrollment.log.removeLast()
            (status, detail) = ("unconfirmed", "the process stopped while this webhook was being sent; it is not sent again")
        } else {
            if case .webhook(let url) = action {
                // Marked before the request leaves, so a run after a crash knows it may have arrived.
                enrollment.log.append(EnrollmentLogEntry(step: step + 1, action: action.type, status: Self.sending, detail: url, at: now))
                try await store.workflows.save(enrollment)
                enrollment.log.removeLast()
            }
            do {
                (status, detail) = try await perform(
                    action, job: job, workflow: workflow, enrollment: enrollment, lead: lead, business: business, now: now, logger: logger, next: &next)
            } catch let wait as QuietHoursWait {
                return .later(wait.until, "a text inside the quiet hours waits for them to end")
            } catch let error as StepFailure {
                // Given up on (a webhook that refused): the enrollment ends here, and says why.
                try await finish(.failed, EnrollmentLogEntry(step: step + 1, action: action.type, status: "failed", detail: error.reason, at: now))
                return .failed(error.reason)
            } catch {
                if case .webhook = action {
                    // Not delivered (refused for now, or no connection): the marker goes, and the step is tried again.
                    enrollment.log.append(EnrollmentLogEntry(step: step + 1, action: action.type, status: "retrying", detail: "\(error)", at: now))
                    enrollment.updatedAt = now
                    try await store.workflows.save(enrollment)
                }
                throw error
            }
        }
        enrollment.log.append(EnrollmentLogEntry(step: step + 1, action: action.type, status: status, detail: detail, at: now))
        enrollment.updatedAt = now
        if case .exit = action {
            enrollment.status = .exited
            enrollment.finishedAt = now
        } else if step + 1 >= workflow.actions.count {
            enrollment.step = step + 1
            enrollment.status = .completed
            enrollment.finishedAt = now
        } else {
            enrollment.step = step + 1
        }
        try await store.workflows.save(enrollment)
        if enrollment.status == .active {
            try await store.jobs.schedule([Self.step(enrollment, step + 1, due: next, now: now)])
        } else {
            try await finished(enrollment, now: now)
        }
        return .done("\(action.type): \(detail)")
    }

    /// With `allow_reentry`, an event enrolls a lead again only once its last enrollment in the workflow
    /// has finished and is ten minutes old: a workflow whose own step sets off its trigger again (a
    /// status it sets, a tag it adds) runs at most every ten minutes per lead, not in a tight loop.
    static let reentryCooldown: TimeInterval = 600

    static func reentryAfter(_ now: Date) -> Date { now.addingTimeInterval(-reentryCooldown) }

    /// How many workflows in a row may start one another (a loop of `start_workflow`s with re-entry ends there).
    static let maxChain = 5

    /// `start_workflow`: the lead enrolled in another workflow of the business, once per step of this
    /// enrollment (its source names them), its first step due now.
    private func start(
        _ id: WorkflowID, from workflow: Workflow, enrollment: Enrollment, step job: Job, lead: Lead, business: Business, now: Date
    ) async throws -> (String, String) {
        guard let other = try await store.workflows.find(id), other.businessId == business.id else { return ("skipped", "the workflow \(id) was deleted") }
        guard other.status == .active else { return ("skipped", "the workflow \(other.name) is \(other.status.rawValue)") }
        var depth = 1
        if case .number(let parent) = enrollment.context["workflow.chain"] { depth = Int(parent) + 1 }
        guard depth < Self.maxChain else { return ("skipped", "\(Self.maxChain) workflows started one another in a row; stopped here so they cannot loop") }
        var context = try await Self.context(lead: lead, business: business, store: store, now: now)
        context["event.type"] = .string("workflow.started")
        context["workflow.chain"] = .number(Double(depth))
        guard other.conditions.allSatisfy({ $0.holds(in: context) }) else { return ("skipped", "the conditions of \(other.name) do not hold") }
        let started = Enrollment(
            workflowId: other.id, businessId: business.id, leadId: lead.id, context: context, source: "workflow:\(job.key)", createdAt: now, updatedAt: now)
        guard let stored = try await store.workflows.enroll(started, once: !other.allowReentry, reentryAfter: Self.reentryAfter(now)) else {
            return ("skipped", "the lead was enrolled in \(other.name) before")
        }
        if stored.status == .active { try await store.jobs.schedule([Self.step(stored, stored.step, due: now, now: now)]) }
        return ("done", "enrolled in \(other.name) (\(stored.id))")
    }

    struct StepFailure: Error { let reason: String }

    /// An execution-log status: a webhook step's request is in flight.
    static let sending = "sending"

    /// Carries out one action: (status, what it did). Throws `StepFailure` to end the enrollment, any
    /// other error to try the step again later.
    private func perform(
        _ action: WorkflowAction, job: Job, workflow: Workflow, enrollment: Enrollment, lead: Lead, business: Business, now: Date, logger: Logger,
        next: inout Date
    ) async throws -> (String, String) {
        let context = enrollment.context
        func sms(_ text: String) async throws -> (String, String) {
            guard let phone = lead.phone else { return ("skipped", "the lead has no phone number") }
            guard try await !store.messages.isOptedOut(business: business.id, phone: phone.e164) else { return ("skipped", "the lead opted out of texts (STOP)") }
            if let quiet = business.settings.followUps.quietHours, let end = quiet.end(after: now, in: business.settings.timezone) {
                throw QuietHoursWait(until: end)
            }
            let message = try await messenger.send(
                OutboundMessage(channel: .sms, to: phone.e164, body: WorkflowTemplate.render(text, context)), business: business.id, lead: lead.id,
                logger: logger, idempotencyKey: job.effectKey)
            return (message.status == .failed ? "failed" : "done", "sms \(message.id) \(message.status.rawValue)")
        }
        func email(_ subject: String, _ body: String) async throws -> (String, String) {
            guard let email = lead.email else { return ("skipped", "the lead has no email address") }
            let message = try await messenger.send(
                OutboundMessage(channel: .email, to: email.value, subject: WorkflowTemplate.render(subject, context), body: WorkflowTemplate.render(body, context)),
                business: business.id, lead: lead.id, logger: logger, idempotencyKey: job.effectKey)
            return (message.status == .failed ? "failed" : "done", "email \(message.id) \(message.status.rawValue)")
        }
        switch action {
        case .sendSMS(let text):
            return try await sms(text)
        case .sendEmail(let subject, let body):
            return try await email(subject, body)
        case .sendTemplate(let id):
            guard let template = try await store.workflows.template(id), template.businessId == business.id else {
                return ("skipped", "the template \(id) was deleted")
            }
            switch template.channel {
            case .sms: return try await sms(template.body)
            case .email: return try await email(template.subject ?? template.name, template.body)
            }
        case .startWorkflow(let id):
            return try await start(id, from: workflow, enrollment: enrollment, step: job, lead: lead, business: business, now: now)
        case .notify(let message, let adminsOnly):
            let members = try await store.notifications.members(of: business.id).filter { !adminsOnly || $0.role == .admin }
            // One per member and step: ids made from the job's, so a re-run adds none.
            let made = members.map { member in
                TeamNotification(
                    id: NotificationID(rawValue: "notification_w\(job.id.rawValue.dropFirst(JobTag.idPrefix.count + 1))\(member.userId.rawValue.suffix(8))"),
                    businessId: business.id, userId: member.userId, category: .system, reason: "workflow.notify",
                    title: "\(workflow.name): \(lead.name ?? lead.phone?.e164 ?? "a lead")", message: WorkflowTemplate.render(message, context),
                    data: #"{"workflow_id":"\#(workflow.id.rawValue)","enrollment_id":"\#(enrollment.id.rawValue)","lead_id":"\#(lead.id.rawValue)"}"#,
                    createdAt: now)
            }
            try await store.notifications.insert(made)
            for notification in made {
                await store.feed.publish(.notificationCreated, business: business.id, data: NotificationView(notification), at: now)
            }
            return ("done", "notified \(made.count) \(adminsOnly ? "admins" : "members")")
        case .assign(let user):
            guard try await store.users.role(of: user, in: business.id) != nil else { return ("skipped", "\(user) is no longer a member of the business") }
            var assigned = 0
            for channel in ThreadChannel.allCases {
                guard let thread = try await store.inbox.thread(lead: lead.id, channel: channel) else { continue }
                let change = ConversationChange(
                    conversationId: thread.id, kind: .assigned, actorId: nil, assigneeId: user, note: "by the workflow \(workflow.name)", createdAt: now)
                // Already theirs (a re-run): no change, nothing published.
                guard let updated = try await store.inbox.apply(change) else { continue }
                await store.feed.publish(.conversationAssigned, business: business.id, data: Assigned(conversation: updated, change: change), at: now)
                assigned += 1
            }
            return ("done", assigned == 0 ? "no conversation of the lead to assign (or all were \(user)'s already)" : "\(assigned) conversations assigned to \(user)")
        case .placeCall(let purpose, let voicemail):
            return try await call(lead: lead, business: business, job: job, now: now, purpose: purpose.map { WorkflowTemplate.render($0, context) },
                voicemail: voicemail.map { WorkflowTemplate.render($0, context) })
        case .setLeadField(let field, let template):
            let value = WorkflowTemplate.render(template, context).trimmingWhitespace()
            var changed = lead
            switch field {
            case .name: changed.name = value.isEmpty ? nil : String(value.prefix(200))
            case .company: changed.company = value.isEmpty ? nil : String(value.prefix(200))
            case .email:
                guard let email = EmailAddress(value) else { return ("skipped", "\"\(value)\" is not an e-mail address") }
                changed.email = email
            case .value:
                guard let amount = Double(value).flatMap(Money.init(major:)) else { return ("skipped", "\"\(value)\" is not an amount") }
                changed.value = amount
            }
            guard changed != lead else { return ("done", "the lead's \(field.rawValue) is that already") }
            changed.updatedAt = now
            try await store.leads.update(changed)
            await store.leadChanged(from: lead, to: changed, at: now)
            return ("done", "lead \(field.rawValue) set")
        case .wait(let minutes):
            next = now.addingTimeInterval(TimeInterval(minutes * 60))
            return ("waiting", "until \(InstantText.format(next))")
        case .webhook(let url):
            guard let poster else { throw StepFailure(reason: "webhooks cannot be sent by this process") }
            var writer = JSONWriter(capacity: 1024)
            var variables: [String: JSONValue] = [:]
            for (key, value) in context { variables[key] = value.json }
            let payload: JSONValue = [
                "type": "workflow.step", "workflow_id": .string(workflow.id.rawValue), "workflow_name": .string(workflow.name),
                "enrollment_id": .string(enrollment.id.rawValue), "lead_id": .string(lead.id.rawValue), "step": .number(Double(enrollment.step + 1)),
                "variables": .object(variables), "timestamp": .string(InstantText.format(now)),
            ]
            try payload.writeJSON(to: &writer)
            let id = job.effectKey
            let timestamp = Int(now.timeIntervalSince1970)
            var headers = [("webhook-id", id), ("webhook-timestamp", String(timestamp))]
            if let signature = WebhookSigning.standardSignature(secret: workflow.secret, id: id, timestamp: timestamp, body: writer.bytes) {
                headers.append(("webhook-signature", signature))
            }
            // The CRM seed's signature too, as the business's webhook endpoints send it.
            headers.append(("X-Signature", WebhookSigning.seedSignature(secret: workflow.secret, body: writer.bytes)))
            let status = try await poster.post(url, body: writer.bytes, headers: headers)
            if (200..<300).contains(status) { return ("done", "webhook \(status)") }
            if status == 429 || status >= 500 { throw WebhookRetry(status: status) }
            throw StepFailure(reason: "the webhook answered \(status)")
        case .addTag(let tag), .removeTag(let tag):
            var contact = try await store.contacts.link(lead, at: now)
            let adding = if case .addTag = action { true } else { false }
            let had = contact.tags.contains(tag)
            if adding, !had { contact.tags.append(tag) }
            if !adding { contact.tags.removeAll { $0 == tag } }
            if had != adding {
                contact.updatedAt = now
                try await store.contacts.update(contact)
                if adding { await store.contactTagged(contact, added: [tag], at: now) }
            }
            return ("done", "\(adding ? "tagged" : "untagged") \(tag)")
        case .setLeadStatus(let status):
            guard lead.status != status else { return ("done", "the lead is \(status.rawValue) already") }
            var changed = lead
            changed.status = status
            changed.updatedAt = now
            try await store.leads.update(changed)
            await store.leadChanged(from: lead, to: changed, at: now)
            return ("done", "lead status \(lead.status.rawValue) → \(status.rawValue)")
        case .exit:
            return ("done", "exited")
        }
    }
}

/// `conversation.assigned`, as the inbox publishes it: the thread as it is now and the change.
struct Assigned: Encodable, Sendable {
    let conversation: ConversationThread
    let change: ConversationChange
}

/// Texts wait for the end of the business's quiet hours (the step runs again then).
struct QuietHoursWait: Error { let until: Date }

extension WorkflowEngine {
    /// A `place_call` step: the lead is called from the business's first started agent with a number.
    /// The call's id is the step's own, so a run after a crash finds it and never dials again. Outside
    /// the calling hours (08:00–21:00 local) the step waits for 08:00.
    func call(lead: Lead, business: Business, job: Job, now: Date, purpose: String?, voicemail: String?) async throws -> (String, String) {
        guard let outbound, outbound.isConfigured else {
            return ("skipped", "outbound calls are not configured (TELNYX_API_KEY and TELNYX_CONNECTION_ID)")
        }
        guard let phone = lead.phone else { return ("skipped", "the lead has no phone number") }
        let agents = try await store.agents.list(business: business.id, status: .active, page: PageRequest(page: 1, limit: 100)).items
        guard let agent = agents.first(where: { $0.phoneNumber != nil && $0.phoneNumber != phone }) else {
            return ("skipped", "no started agent of the business has a phone number to call from")
        }
        var request = OutboundCalls.Request(agent: agent, business: business, to: phone, lead: lead)
        request.purpose = purpose.flatMap { $0.isEmpty ? nil : $0 }
        request.voicemailMessage = voicemail.flatMap { $0.isEmpty ? nil : $0 }
        request.callId = CallID(rawValue: "call_w" + job.id.rawValue.dropFirst(JobTag.idPrefix.count + 1))
        do {
            let call = try await outbound.place(request)
            return ("done", "call \(call.id) to \(phone.e164) dialled")
        } catch let refusal as OutboundCalls.Refusal {
            switch refusal {
            case .notConfigured: return ("skipped", "outbound calls are not configured")
            case .outsideCallingHours:
                let hours = OpeningHours(settings: business.settings)
                var day = hours.localDate(of: now)
                if hours.localTime(of: now).minutes >= OutboundCalls.callingHours.lowerBound { day = day.adding(days: 1) }
                throw QuietHoursWait(until: hours.instant(day, WallClockTime(minutes: OutboundCalls.callingHours.lowerBound)!) ?? now.addingTimeInterval(3600))
            case .dialFailed(let reason, let call): return ("failed", "call \(call.id) was not placed: \(reason)")
            case .alreadyPlaced(let call):
                return call.hangupCause == "dial_unconfirmed"
                    ? ("unconfirmed", "the process stopped while call \(call.id) was dialled; it is not dialled again")
                    : ("done", "call \(call.id) was placed before; not dialled again")
            }
        }
    }
}

/// A webhook that answered 429 or 5xx: the step is tried again on the scheduler's schedule.
struct WebhookRetry: Error, CustomStringConvertible {
    let status: Int
    var description: String { "the webhook answered \(status); trying again" }
}

extension WorkflowValue {
    var json: JSONValue {
        switch self {
        case .string(let value): .string(value)
        case .number(let value): .number(value)
        case .bool(let value): .bool(value)
        case .list(let value): .array(value.map(JSONValue.string))
        }
    }
}
