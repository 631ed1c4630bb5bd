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

    package init(store: Store, messenger: Messenger, poster: (any OutboundPoster)?) {
        self.store = store
        self.messenger = messenger
        self.poster = poster
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
        default: break
        }
        var jobs: [Job] = []
        for workflow in workflows where workflow.matches(event.type, context: context) {
            let enrollment = Enrollment(
                workflowId: workflow.id, businessId: business.id, leadId: lead.id, context: context, source: event.id, createdAt: now, updatedAt: now)
            guard let stored = try await store.workflows.enroll(enrollment, once: !workflow.allowReentry), stored.status == .active else { continue }
            jobs.append(Self.step(stored, stored.step, due: now, now: now))
        }
        return jobs
    }

    static func step(_ enrollment: Enrollment, _ step: Int, due: Date, now: Date) -> Job {
        Job(
            businessId: enrollment.businessId, kind: .workflowStep, key: "workflow:\(enrollment.id.rawValue):\(step)",
            payload: #"{"enrollment_id":"\#(enrollment.id.rawValue)","step":\#(step)}"#, dueAt: due, createdAt: now)
    }

    /// The lead's, its contact's and the business's variables.
    static func context(lead: Lead, business: Business, store: Store, now: Date) async throws -> [String: WorkflowValue] {
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
        let action = workflow.actions[step]
        var next = now
        let (status, detail): (String, String)
        do {
            (status, detail) = try await perform(action, job: job, workflow: workflow, enrollment: enrollment, lead: lead, business: business, now: now, logger: logger, next: &next)
        } catch let wait as QuietHoursWait {
            return .later(wait.until, "a text inside the quiet hours waits for them to end")
        } catch let error as StepFailure {
            // Given up on (a webhook that refused): the enrollment ends here, and says why.
            try await finish(.failed, EnrollmentLogEntry(step: step + 1, action: action.type, status: "failed", detail: error.reason, at: now))
            return .failed(error.reason)
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
        }
        return .done("\(action.type): \(detail)")
    }

    struct StepFailure: Error { let reason: String }

    /// Carries out one action: (status, what it did). Throws `StepFailure` to end the enrollment, any
    /// other error to try the step again later.
    private func perform(
        _ action: WorkflowAction, job: Job, workflow: Workflow, enrollment: Enrollment, lead: Lead, business: Business, now: Date, logger: Logger,
        next: inout Date
    ) async throws -> (String, String) {
        let context = enrollment.context
        switch action {
        case .sendSMS(let text):
            guard let phone = lead.phone else { return ("skipped", "the lead has no phone number") }
            guard try await !store.messages.isOptedOut(business: business.id, phone: phone.e164) else { return ("skipped", "the lead opted out of texts (STOP)") }
            if let quiet = business.settings.followUps.quietHours, let end = quiet.end(after: now, in: business.settings.timezone) {
                throw QuietHoursWait(until: end)
            }
            let message = try await messenger.send(
                OutboundMessage(channel: .sms, to: phone.e164, body: WorkflowTemplate.render(text, context)), business: business.id, lead: lead.id,
                logger: logger, idempotencyKey: job.effectKey)
            return (message.status == .failed ? "failed" : "done", "sms \(message.id) \(message.status.rawValue)")
        case .sendEmail(let subject, let body):
            guard let email = lead.email else { return ("skipped", "the lead has no email address") }
            let message = try await messenger.send(
                OutboundMessage(channel: .email, to: email.value, subject: WorkflowTemplate.render(subject, context), body: WorkflowTemplate.render(body, context)),
                business: business.id, lead: lead.id, logger: logger, idempotencyKey: job.effectKey)
            return (message.status == .failed ? "failed" : "done", "email \(message.id) \(message.status.rawValue)")
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

/// Texts wait for the end of the business's quiet hours (the step runs again then).
struct QuietHoursWait: Error { let until: Date }

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
