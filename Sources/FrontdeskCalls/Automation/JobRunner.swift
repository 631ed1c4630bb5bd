import Foundation
import FrontdeskCore
import FrontdeskStore
import FrontdeskWire
import Logging

/// What running a job came to (an error thrown instead means: try again later).
package enum JobOutcome: Sendable, Equatable {
    case done(String)
    case skipped(String)
    /// It cannot succeed by being tried again (the provider refused the message).
    case failed(String)
    /// Not now: due again at this time (not counted as a failed attempt).
    case later(Date, String)
}

/// Runs one job: checks it is still wanted — the appointment still booked at the planned time, the
/// recipient not opted out, outside quiet hours, not stale — then sends its text with the job's
/// idempotency key, so a second run of the same job (after a crash) sends nothing.
package struct JobRunner: Sendable {
    let store: Store
    let messenger: Messenger
    let workflows: WorkflowEngine

    package init(store: Store, messenger: Messenger, workflows: WorkflowEngine) {
        self.store = store
        self.messenger = messenger
        self.workflows = workflows
    }

    package func run(_ job: Job, now: Date, logger: Logger) async throws -> JobOutcome {
        guard let business = try await store.businesses.find(job.businessId) else { return .skipped("the business was deleted") }
        // A workflow step minds the quiet hours itself (only its texts wait for them); a campaign's start sends nothing.
        if job.kind.isFollowUp, let quiet = business.settings.followUps.quietHours,
            let end = quiet.end(after: now, in: business.settings.timezone)
        {
            // Planned outside them: the settings changed, or the job runs late into them. A reminder
            // belongs to its time; the other texts wait for the morning.
            let reason = "inside the quiet hours \(quiet.start)–\(quiet.end)"
            return job.kind == .appointmentReminder ? .skipped(reason) : .later(end, reason)
        }
        switch job.kind {
        case .appointmentReminder: return try await reminder(job, business: business, now: now, logger: logger)
        case .noShowFollowUp: return try await noShow(job, business: business, now: now, logger: logger)
        case .missedCallTextBack: return try await missedCall(job, business: business, now: now, logger: logger)
        case .workflowStep: return try await workflows.run(job, business: business, now: now, logger: logger)
        case .campaignStart: return try await workflows.startCampaign(job, business: business, now: now)
        case .workflowSchedule: return try await workflows.runSchedule(job, business: business, now: now)
        }
    }

    private func reminder(_ job: Job, business: Business, now: Date, logger: Logger) async throws -> JobOutcome {
        guard let payload = ReminderPayload(job.payload) else { return .failed("the job's payload is not a reminder's") }
        guard let appointment = try await store.appointments.find(payload.appointmentId), appointment.businessId == business.id else {
            return .skipped("the appointment was deleted")
        }
        guard appointment.status == .scheduled || appointment.status == .confirmed else {
            return .skipped("the appointment is \(appointment.status.rawValue.replacingOccurrences(of: "_", with: "-"))")
        }
        guard Int(appointment.scheduledDate.timeIntervalSince1970) == payload.start else {
            return .skipped("the appointment was moved (its new time has its own reminders)")
        }
        guard !ReminderPlan.isStale(due: job.dueAt, offsetMinutes: payload.offsetMinutes, now: now), appointment.scheduledDate > now else {
            return .skipped("too late to remind (due \(InstantText.format(job.dueAt)))")
        }
        guard business.settings.followUps.reminderOffsets.contains(payload.offsetMinutes) else {
            return .skipped("the business no longer reminds \(payload.offsetMinutes) minutes before")
        }
        return try await text(
            FollowUpTexts.reminder(appointment, business: business), subject: "Appointment reminder — \(business.name)",
            lead: appointment.leadId, job: job, business: business, logger: logger)
    }

    private func noShow(_ job: Job, business: Business, now: Date, logger: Logger) async throws -> JobOutcome {
        guard let id = (try? JSONParser.extract(job.payload, paths: [["appointment_id"]]))?.first??.text,
            let appointment = try await store.appointments.find(AppointmentID(rawValue: id)), appointment.businessId == business.id
        else { return .skipped("the appointment was deleted") }
        guard appointment.status == .noShow else { return .skipped("the appointment is no longer a no-show") }
        guard business.settings.followUps.noShowFollowUp else { return .skipped("no-show follow-ups are turned off") }
        if let lead = appointment.leadId, let next = try await store.appointments.nextLive(lead: lead, after: now), next.id != appointment.id {
            return .skipped("the client has booked again (\(next.id))")
        }
        return try await text(
            FollowUpTexts.noShow(appointment, business: business), subject: "We missed you — \(business.name)", lead: appointment.leadId,
            job: job, business: business, logger: logger)
    }

    private func missedCall(_ job: Job, business: Business, now: Date, logger: Logger) async throws -> JobOutcome {
        guard let id = (try? JSONParser.extract(job.payload, paths: [["call_id"]]))?.first??.text,
            let call = try await store.calls.find(CallID(rawValue: id)), call.businessId == business.id, let phone = call.phone
        else { return .skipped("the call was deleted") }
        guard business.settings.followUps.missedCallTextBack else { return .skipped("missed-call texts are turned off") }
        guard now.timeIntervalSince(call.endedAt ?? call.startedAt) < 86_400 else { return .skipped("more than a day after the call") }
        if let lead = call.leadId, try await store.appointments.nextLive(lead: lead, after: now) != nil {
            return .skipped("the caller has an appointment booked")
        }
        guard try await !store.messages.isOptedOut(business: business.id, phone: phone.e164) else {
            return .skipped("the caller opted out of texts (STOP)")
        }
        let message = try await messenger.send(
            OutboundMessage(channel: .sms, to: phone.e164, body: FollowUpTexts.missedCall(business: business)), business: business.id,
            lead: call.leadId, logger: logger, idempotencyKey: job.effectKey)
        return outcome(of: message)
    }

    /// A text to the lead's phone, or an email when the lead has only an email address.
    private func text(_ body: String, subject: String, lead id: LeadID?, job: Job, business: Business, logger: Logger) async throws -> JobOutcome {
        guard let id, let lead = try await store.leads.find(id) else { return .skipped("the appointment has no client to remind") }
        let outbound: OutboundMessage
        if let phone = lead.phone {
            guard try await !store.messages.isOptedOut(business: business.id, phone: phone.e164) else {
                return .skipped("the client opted out of texts (STOP)")
            }
            outbound = OutboundMessage(channel: .sms, to: phone.e164, body: body)
        } else if let email = lead.email {
            outbound = OutboundMessage(channel: .email, to: email.value, subject: subject, body: body)
        } else {
            return .skipped("the client has no phone number or email address")
        }
        let message = try await messenger.send(outbound, business: business.id, lead: lead.id, logger: logger, idempotencyKey: job.effectKey)
        return outcome(of: message)
    }

    private func outcome(of message: Message) -> JobOutcome {
        switch message.status {
        case .failed: .failed("\(message.channel.rawValue) \(message.id) was not sent: \(message.error ?? "the provider refused it")")
        case .unconfirmed: .done("\(message.channel.rawValue) \(message.id) may have been sent (not confirmed; not sent again)")
        default: .done("\(message.channel.rawValue) \(message.id) \(message.status.rawValue)")
        }
    }
}
