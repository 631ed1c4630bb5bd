import Foundation
import FrontdeskCore
import FrontdeskStore
import FrontdeskWire

/// Bulk enrollment's audience and campaigns: a campaign's start job enrolls its audience in its
/// workflow at the campaign's rate; its last enrollment to finish completes it.
extension WorkflowEngine {
    /// The business's leads an audience picks, oldest first; more than `LeadAudience.limit` is an error.
    package func leads(for audience: LeadAudience, in business: BusinessID) async throws -> [Lead] {
        var picked: [Lead] = []
        let filter = LeadFilter(business: business, status: audience.status, source: audience.source, score: audience.scores)
        if let ids = audience.leadIds {
            for id in Set(ids) {
                if let lead = try await store.leads.find(LeadID(rawValue: id)), lead.businessId == business, filter.keeps(lead) { picked.append(lead) }
            }
        } else {
            var page = 1
            while true {
                let batch = try await store.leads.list(filter, page: PageRequest(page: page, limit: 500))
                picked += batch.items
                if picked.count > LeadAudience.limit { throw AudienceTooLarge() }
                if batch.items.count < 500 { break }
                page += 1
            }
        }
        if let tag = audience.tag {
            var tagged = Set<LeadID>()
            var page = 1
            while true {
                let contacts = try await store.contacts.list(ContactFilter(business: business, tags: [tag]), page: PageRequest(page: page, limit: 500))
                for contact in contacts.items { tagged.formUnion(try await store.contacts.leads(of: contact.id)) }
                if contacts.items.count < 500 { break }
                page += 1
            }
            picked = picked.filter { tagged.contains($0.id) }
        }
        return picked.sorted { $0.createdAt == $1.createdAt ? $0.id.rawValue < $1.id.rawValue : $0.createdAt < $1.createdAt }
    }

    package struct AudienceTooLarge: Error, CustomStringConvertible {
        package var description: String { "the audience picks more than \(LeadAudience.limit) leads; narrow it (status, source, score, tag)" }
    }

    /// The job that starts a campaign at its `start_at`.
    package static func campaignStart(_ campaign: Campaign, now: Date) -> Job {
        Job(
            businessId: campaign.businessId, kind: .campaignStart, key: campaign.startJobKey,
            payload: #"{"campaign_id":"\#(campaign.id.rawValue)"}"#, dueAt: campaign.startAt, createdAt: now)
    }

    func startCampaign(_ job: Job, business: Business, now: Date) async throws -> JobOutcome {
        guard let id = (try? JSONParser.extract(job.payload, paths: [["campaign_id"]]))?.first??.text,
            var campaign = try await store.workflows.campaign(CampaignID(rawValue: id)), campaign.businessId == business.id
        else { return .skipped("the campaign was deleted") }
        guard campaign.status == .scheduled else { return .skipped("the campaign is \(campaign.status.rawValue)") }
        guard job.key == campaign.startJobKey else { return .skipped("the campaign's start was moved (its new time has its own job)") }
        guard let workflow = try await store.workflows.find(campaign.workflowId), workflow.status == .active else {
            campaign.status = .cancelled
            campaign.updatedAt = now
            try await store.workflows.update(campaign)
            return .failed("the campaign's workflow is not active; the campaign was cancelled")
        }
        let leads: [Lead]
        do {
            leads = try await self.leads(for: campaign.audience, in: business.id)
        } catch let error as AudienceTooLarge {
            campaign.status = .cancelled
            campaign.updatedAt = now
            try await store.workflows.update(campaign)
            return .failed(error.description)
        }
        let result = try await enroll(
            leads, in: workflow, business: business, batch: campaign.batch, start: now, perSecond: campaign.perMinute.map { Double($0) / 60 }, now: now)
        // Counted from the store: a run after a crash finds its enrollments made already.
        let counts = try await store.workflows.enrollmentCounts(workflow: workflow.id, sourcePrefix: Self.prefix(campaign))
        campaign.matched = leads.count
        campaign.enrolled = counts.values.reduce(0, +)
        campaign.status = campaign.enrolled == 0 ? .completed : .running
        campaign.startedAt = campaign.startedAt ?? now
        campaign.updatedAt = now
        try await store.workflows.update(campaign)
        return .done("\(campaign.enrolled) of \(leads.count) leads enrolled (\(result.alreadyEnrolled) enrolled before, \(result.conditionsNotMet) not meeting the conditions)")
    }

    /// The enrollments' source prefix for a campaign.
    package static func prefix(_ campaign: Campaign) -> String { "bulk:\(campaign.batch):" }

    /// After an enrollment finished: the campaign that made it completes when none of its enrollments is active.
    func finished(_ enrollment: Enrollment, now: Date) async throws {
        let parts = enrollment.source.split(separator: ":")
        guard parts.count == 3, parts[0] == "bulk", parts[1].hasPrefix(CampaignTag.idPrefix + "_"),
            var campaign = try await store.workflows.campaign(CampaignID(rawValue: String(parts[1]))), campaign.status == .running
        else { return }
        let counts = try await store.workflows.enrollmentCounts(workflow: enrollment.workflowId, sourcePrefix: Self.prefix(campaign))
        guard (counts[.active] ?? 0) == 0 else { return }
        campaign.status = .completed
        campaign.updatedAt = now
        try await store.workflows.update(campaign)
    }
}
