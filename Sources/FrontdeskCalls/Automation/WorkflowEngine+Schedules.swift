import Foundation
import FrontdeskCore
import FrontdeskStore
import FrontdeskWire

/// `schedule` and `date` workflows: each run is a `workflow_schedule` job keyed by the workflow and its
/// time; it enrolls the leads its audience (and, for `date`, the day of their date field) picks, then
/// plans the next run. A run finding the workflow paused, or its schedule changed, does nothing; the
/// change planned its own next run.
extension WorkflowEngine {
    /// Plans the workflow's next run, when it is active and scheduled (stored once per key).
    package func planSchedule(_ workflow: Workflow, now: Date) async throws {
        guard workflow.status == .active, let schedule = workflow.trigger.schedule,
            let business = try await store.businesses.find(workflow.businessId),
            let next = schedule.next(after: now, in: business.settings.timezone)
        else { return }
        try await store.jobs.schedule([Self.scheduleRun(workflow, schedule, at: next, now: now)])
    }

    static func scheduleRun(_ workflow: Workflow, _ schedule: WorkflowSchedule, at run: Date, now: Date) -> Job {
        var writer = JSONWriter(capacity: 256)
        let payload: JSONValue = ["workflow_id": .string(workflow.id.rawValue), "schedule": .string(schedule.fingerprint)]
        try? payload.writeJSON(to: &writer)
        return Job(
            businessId: workflow.businessId, kind: .workflowSchedule, key: "schedule:\(workflow.id.rawValue):\(Int(run.timeIntervalSince1970))",
            payload: String(decoding: writer.bytes, as: UTF8.self), dueAt: run, createdAt: now)
    }

    /// The next run is the one after this run's time: runs missed while no instance was up (or the
    /// clock jumped) are made up one by one, each for its own day — up to a week back; older ones are
    /// dropped and the schedule goes on from now.
    static func nextFrom(_ job: Job, now: Date) -> Date {
        now.timeIntervalSince(job.dueAt) > 7 * 86_400 ? now : job.dueAt
    }

    func runSchedule(_ job: Job, business: Business, now: Date) async throws -> JobOutcome {
        guard let values = try? JSONParser.extract(job.payload, paths: [["workflow_id"], ["schedule"]]), let id = values[0]?.text,
            let fingerprint = values[1]?.text
        else { return .failed("the job's payload is not a scheduled run's") }
        guard let workflow = try await store.workflows.find(WorkflowID(rawValue: id)), workflow.businessId == business.id else {
            return .skipped("the workflow was deleted")
        }
        guard workflow.status == .active else { return .skipped("the workflow is \(workflow.status.rawValue)") }
        guard let schedule = workflow.trigger.schedule, schedule.fingerprint == fingerprint else {
            return .skipped("the workflow's schedule changed (the new one has its own run)")
        }
        var leads: [Lead]
        do {
            leads = try await self.leads(for: schedule.audience ?? LeadAudience(), in: business.id)
        } catch let error as AudienceTooLarge {
            try await planSchedule(workflow, now: Self.nextFrom(job, now: now))
            return .failed(error.description)
        }
        if let date = schedule.date, let day = schedule.fieldDay(for: job.dueAt, in: business.settings.timezone) {
            switch date.field {
            case .leadCreatedAt:
                leads = leads.filter { $0.createdAt >= day.start && $0.createdAt < day.end }
            case .appointmentDate:
                let booked = Set(try await store.appointments.live(business: business.id, from: day.start, to: day.end).compactMap(\.leadId))
                leads = leads.filter { booked.contains($0.id) }
            }
        }
        let result = try await enroll(
            leads, in: workflow, business: business, batch: "schedule-\(Int(job.dueAt.timeIntervalSince1970))", start: now, perSecond: nil, now: now)
        try await planSchedule(workflow, now: Self.nextFrom(job, now: now))
        return .done("\(result.enrolled) of \(leads.count) leads enrolled (\(result.alreadyEnrolled) enrolled before, \(result.conditionsNotMet) not meeting the conditions)")
    }
}
