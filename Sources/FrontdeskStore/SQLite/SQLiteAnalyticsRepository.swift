import Foundation
import FrontdeskCore
import GRDB

struct SQLiteAnalyticsRepository: AnalyticsRepository {
    let pool: StoreDatabase

    func agentPerformance(business: BusinessID, from: Date?, to: Date?) async throws -> [AgentPerformance] {
        let (start, end) = (from ?? Date.distantPast, to ?? Date.distantFuture)
        return try await pool.read { db in
            var agents: [AgentID: AgentPerformance] = [:]
            var order: [AgentID] = []
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT a.id,
                      (SELECT COUNT(DISTINCT m.lead_id) FROM messages m
                        WHERE m.business_id = a.business_id AND m.channel = 'sms' AND m.direction = 'inbound' AND m."to" = a.phone_number
                          AND m.created_at >= ? AND m.created_at < ?) AS texts,
                      (SELECT COUNT(DISTINCT t.id) FROM threads t JOIN thread_changes ch ON ch.thread_id = t.id
                        WHERE t.business_id = a.business_id AND t.channel = 'sms' AND ch.kind = 'assigned' AND ch.created_at >= ? AND ch.created_at < ?
                          AND t.contact_id IN (SELECT l.contact_id FROM leads l JOIN messages m ON m.lead_id = l.id
                                               WHERE m.business_id = a.business_id AND m."to" = a.phone_number AND m.direction = 'inbound')) AS handoffs
                    FROM agents a WHERE a.business_id = ? ORDER BY a.created_at, a.id
                    """, arguments: [start, end, start, end, business.rawValue])
            {
                let id = AgentID(rawValue: row["id"])
                var performance = AgentPerformance(agentId: id)
                performance.textConversations = row["texts"]
                performance.textHandoffs = row["handoffs"]
                agents[id] = performance
                order.append(id)
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT c.agent_id, COUNT(*) AS calls,
                      COALESCE(SUM(c.outcome = 'booked'), 0) AS booked, COALESCE(SUM(c.outcome = 'transferred'), 0) AS transferred,
                      COALESCE(SUM(c.status = 'failed'), 0) AS failed, COALESCE(SUM(c.duration), 0) AS seconds,
                      COALESCE(SUM(c.llm_prompt_tokens), 0) AS prompt, COALESCE(SUM(c.llm_completion_tokens), 0) AS completion,
                      COALESCE(SUM(c.cost), 0) AS cost,
                      (SELECT COUNT(*) FROM transcript_turns t JOIN calls c2 ON c2.id = t.call_id
                        WHERE c2.business_id = ? AND c2.agent_id = c.agent_id AND c2.started_at >= ? AND c2.started_at < ?) AS turns,
                      COUNT(DISTINCT c.lead_id) AS leads,
                      COUNT(DISTINCT CASE WHEN l.qualification_score >= 70 THEN l.id END) AS qualified
                    FROM calls c LEFT JOIN leads l ON l.id = c.lead_id
                    WHERE c.business_id = ? AND c.agent_id IS NOT NULL AND c.started_at >= ? AND c.started_at < ?
                    GROUP BY c.agent_id
                    """, arguments: [business.rawValue, start, end, business.rawValue, start, end])
            {
                let id = AgentID(rawValue: row["agent_id"])
                guard var performance = agents[id] else { continue }
                performance.calls = row["calls"]
                performance.booked = row["booked"]
                performance.transferred = row["transferred"]
                performance.failed = row["failed"]
                performance.seconds = row["seconds"]
                performance.promptTokens = row["prompt"]
                performance.completionTokens = row["completion"]
                performance.cost = row["cost"]
                performance.turns = row["turns"]
                performance.leads = row["leads"]
                performance.qualifiedLeads = row["qualified"]
                agents[id] = performance
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT c.agent_id, t.latency_ms FROM transcript_turns t JOIN calls c ON c.id = t.call_id
                    WHERE c.business_id = ? AND c.started_at >= ? AND c.started_at < ? AND t.speaker = 'agent' AND t.latency_ms IS NOT NULL
                    """, arguments: [business.rawValue, start, end])
            {
                guard let raw: String = row["agent_id"] else { continue }
                agents[AgentID(rawValue: raw)]?.latenciesMs.append(row["latency_ms"])
            }
            return order.compactMap { agents[$0] }
        }
    }

    func leadSources(business: BusinessID, from: Date?, to: Date?) async throws -> [LeadSource: Int] {
        try await pool.read { db in
            var counts: [LeadSource: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT source, COUNT(*) AS n FROM leads WHERE business_id = ? AND created_at >= ? AND created_at < ? GROUP BY source",
                arguments: [business.rawValue, from ?? Date.distantPast, to ?? Date.distantFuture])
            {
                if let source = LeadSource(rawValue: row["source"]) { counts[source] = row["n"] }
            }
            return counts
        }
    }

    func milestone(_ kind: MilestoneKind, business: BusinessID, n: Int) async throws -> (count: Int, reachedAt: Date?) {
        let (table, condition) = kind.source
        return try await pool.read { db in
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) WHERE business_id = ? AND \(condition)", arguments: [business.rawValue]) ?? 0
            let reached = try Date.fetchOne(
                db, sql: "SELECT created_at FROM \(table) WHERE business_id = ? AND \(condition) ORDER BY created_at LIMIT 1 OFFSET ?",
                arguments: [business.rawValue, max(0, n - 1)])
            return (count, count >= n ? reached : nil)
        }
    }
}
