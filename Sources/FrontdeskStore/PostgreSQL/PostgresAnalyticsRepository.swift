import Foundation
import FrontdeskCore
import PostgresNIO

struct PostgresAnalyticsRepository: AnalyticsRepository {
    let db: PostgresDatabase

    func agentPerformance(business: BusinessID, from: Date?, to: Date?) async throws -> [AgentPerformance] {
        let (start, end) = ((from ?? .distantPast).storedInstant, (to ?? .distantFuture).storedInstant)
        let id = business.rawValue
        var agents: [AgentID: AgentPerformance] = [:]
        var order: [AgentID] = []
        for row in try await db.rows(
            """
            SELECT a.id,
              (SELECT count(DISTINCT m.lead_id) FROM messages m
                WHERE m.business_id = a.business_id AND m.channel = 'sms' AND m.direction = 'inbound' AND m."to" = a.phone_number
                  AND m.created_at >= \(start) AND m.created_at < \(end)),
              (SELECT count(DISTINCT t.id) FROM threads t JOIN thread_changes ch ON ch.thread_id = t.id
                WHERE t.business_id = a.business_id AND t.channel = 'sms' AND ch.kind = 'assigned' AND ch.created_at >= \(start) AND ch.created_at < \(end)
                  AND t.contact_id IN (SELECT l.contact_id FROM leads l JOIN messages m ON m.lead_id = l.id
                                       WHERE m.business_id = a.business_id AND m."to" = a.phone_number AND m.direction = 'inbound'))
            FROM agents a WHERE a.business_id = \(id) ORDER BY a.created_at, a.id
            """)
        {
            let (raw, texts, handoffs) = try row.decode((String, Int, Int).self)
            var performance = AgentPerformance(agentId: AgentID(rawValue: raw))
            performance.textConversations = texts
            performance.textHandoffs = handoffs
            agents[performance.agentId] = performance
            order.append(performance.agentId)
        }
        for row in try await db.rows(
            """
            SELECT c.agent_id, count(*),
              count(*) FILTER (WHERE c.outcome = 'booked'), count(*) FILTER (WHERE c.outcome = 'transferred'),
              count(*) FILTER (WHERE c.status = 'failed'), COALESCE(sum(c.duration), 0)::bigint,
              COALESCE(sum(c.llm_prompt_tokens), 0)::bigint, COALESCE(sum(c.llm_completion_tokens), 0)::bigint, COALESCE(sum(c.cost), 0)::float8,
              (SELECT count(*) FROM transcript_turns t JOIN calls c2 ON c2.id = t.call_id
                WHERE c2.business_id = \(id) AND c2.agent_id = c.agent_id AND c2.started_at >= \(start) AND c2.started_at < \(end)),
              count(DISTINCT c.lead_id), count(DISTINCT l.id) FILTER (WHERE l.qualification_score >= 70)
            FROM calls c LEFT JOIN leads l ON l.id = c.lead_id
            WHERE c.business_id = \(id) AND c.agent_id IS NOT NULL AND c.started_at >= \(start) AND c.started_at < \(end)
            GROUP BY c.agent_id
            """)
        {
            let (raw, calls, booked, transferred, failed, seconds, prompt, completion, cost, turns, leads, qualified) = try row.decode(
                (String, Int, Int, Int, Int, Int, Int, Int, Double, Int, Int, Int).self)
            guard var performance = agents[AgentID(rawValue: raw)] else { continue }
            performance.calls = calls
            performance.booked = booked
            performance.transferred = transferred
            performance.failed = failed
            performance.seconds = seconds
            performance.promptTokens = prompt
            performance.completionTokens = completion
            performance.cost = cost
            performance.turns = turns
            performance.leads = leads
            performance.qualifiedLeads = qualified
            agents[performance.agentId] = performance
        }
        for row in try await db.rows(
            """
            SELECT c.agent_id, t.latency_ms FROM transcript_turns t JOIN calls c ON c.id = t.call_id
            WHERE c.business_id = \(id) AND c.started_at >= \(start) AND c.started_at < \(end) AND t.speaker = 'agent' AND t.latency_ms IS NOT NULL
            """)
        {
            let (raw, latency) = try row.decode((String?, Int).self)
            guard let raw else { continue }
            agents[AgentID(rawValue: raw)]?.latenciesMs.append(latency)
        }
        return order.compactMap { agents[$0] }
    }

    func leadSources(business: BusinessID, from: Date?, to: Date?) async throws -> [LeadSource: Int] {
        var counts: [LeadSource: Int] = [:]
        for row in try await db.rows(
            """
            SELECT source, count(*) FROM leads WHERE business_id = \(business.rawValue)
              AND created_at >= \((from ?? .distantPast).storedInstant) AND created_at < \((to ?? .distantFuture).storedInstant)
            GROUP BY source
            """)
        {
            let (source, n) = try row.decode((String, Int).self)
            if let source = LeadSource(rawValue: source) { counts[source] = n }
        }
        return counts
    }

    func milestone(_ kind: MilestoneKind, business: BusinessID, n: Int) async throws -> (count: Int, reachedAt: Date?) {
        let (table, condition) = kind.source
        var binds = PostgresBindings()
        binds.append(business.rawValue)
        let count = try await db.row(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table) WHERE business_id = $1 AND \(condition)", binds: binds))?
            .decode(Int.self) ?? 0
        binds.append(max(0, n - 1))
        let reached = try await db.row(
            PostgresQuery(unsafeSQL: "SELECT created_at FROM \(table) WHERE business_id = $1 AND \(condition) ORDER BY created_at LIMIT 1 OFFSET $2", binds: binds)
        )?.decode(Date.self).storedInstant
        return (count, count >= n ? reached : nil)
    }
}
