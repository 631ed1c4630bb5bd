import Foundation
import FrontdeskServer
import FrontdeskWire
import NIOHTTP1

extension ScenarioRun {
    /// The script's workflows, made through the API (and the caller's lead with its e-mail, when given).
    mutating func prepareWorkflows() async throws {
        if let email = scenario.callerEmail {
            guard let lead = try await callerLead(create: true), let id = lead["id"] as? String else {
                throw SimulatorError("cannot make the caller's lead")
            }
            let updated = try await api.call(.PUT, "/api/leads/\(id)", json: ["email": email])
            guard updated.status == 200 else { throw SimulatorError("caller_email: \(updated.problem)") }
        }
        guard !scenario.workflows.isEmpty else { return }
        let receiver = try await WebhookReceiver.start()
        workflowReceiver = receiver
        for (index, definition) in scenario.workflows.enumerated() {
            guard var body = Self.foundation(definition, webhookURL: receiver.url) as? [String: Any] else {
                throw SimulatorError("workflows[\(index)] is not an object")
            }
            body["business_id"] = businessId
            let created = try await api.call(.POST, "/api/workflows", json: body)
            guard created.status == 201, let id = created.data["id"] as? String, let secret = created.data["secret"] as? String else {
                throw SimulatorError("workflows[\(index)]: \(created.problem) \(created.json["details"] ?? "")")
            }
            workflows.append((id, secret))
        }
    }

    /// A script's JSON as JSONSerialization takes it: whole numbers as integers, the receiver's URL in place.
    static func foundation(_ value: JSONValue, webhookURL: String) -> Any {
        switch value {
        case .null: return NSNull()
        case .bool(let flag): return flag
        case .number(let number): return number == number.rounded() && abs(number) < 1e15 ? Int(number) as Any : number as Any
        case .string(let text): return text.replacingOccurrences(of: "{{simulator.webhook_url}}", with: webhookURL)
        case .array(let items): return items.map { foundation($0, webhookURL: webhookURL) }
        case .object(let members):
            // YAML scalars arrive as text: the fields that are numbers or flags are turned back into them.
            var object: [String: Any] = [:]
            for (key, member) in members {
                if case .string(let text) = member, ["minutes", "value"].contains(key), let number = Int(text) {
                    object[key] = number
                } else if case .string(let text) = member, key == "allow_reentry", let flag = Bool(text) {
                    object[key] = flag
                } else {
                    object[key] = foundation(member, webhookURL: webhookURL)
                }
            }
            return object
        }
    }

    /// A token good at the virtual clock's time (it may have jumped days since the last one).
    mutating func freshToken() async throws {
        let login = try await api.call(.POST, "/api/auth/login", json: ["email": DemoSeeder.email, "password": DemoSeeder.password])
        api.token = login.data["token"] as? String
    }

    /// The script's `afterwards`: the virtual clock moves on (the server's scheduler sees the new time
    /// at its next look, within a second), texts to the caller are awaited at the Telnyx stand-in, and
    /// the caller's texts go in as Telnyx messaging webhooks.
    /// Each step looks at what reached the caller since the step before it ended (the first: since the
    /// call's checks).
    mutating func runAfterwards() async throws {
        var mark = standIn.count
        for (index, step) in scenario.afterwards.enumerated() {
            defer { mark = standIn.count }
            let label = "afterwards \(index + 1)"
            if let wait = step.wait, let seconds = Scenario.Afterwards.seconds(wait) {
                guard let clock else {
                    failures.append("\(label): wait \(wait) needs the in-process server's virtual clock")
                    return
                }
                clock.advance(seconds: seconds)
                lines.append(.init(at: elapsedMs, speaker: "Clock", text: "\(wait) later", latencyMs: nil))
            }
            if let wanted = step.expectText {
                let received = await standIn.settle(after: mark, quiet: pace.quiet, timeout: .seconds(5)) { received in
                    toCaller(received) && (received.body["text"]?.text ?? "").localizedCaseInsensitiveContains(wanted)
                }
                let texts = received.filter(toCaller).compactMap { $0.body["text"]?.text }
                for text in texts { lines.append(.init(at: elapsedMs, speaker: "Text", text: text, latencyMs: nil)) }
                if !texts.contains(where: { $0.localizedCaseInsensitiveContains(wanted) }) {
                    failures.append("\(label): expected a text to the caller containing \"\(wanted)\"; got \(texts)")
                }
            }
            if step.expectNoText == true {
                // The scheduler looks every 250 ms: a text that was coming would be here well within this.
                try await Task.sleep(for: .milliseconds(1500))
                let texts = standIn.received(after: mark).filter(toCaller).compactMap { $0.body["text"]?.text }
                if !texts.isEmpty { failures.append("\(label): expected no text to the caller; got \(texts)") }
            }
            if let wanted = step.expectEmail {
                try await freshToken()
                let lead = try await callerLead(create: false)?["id"] as? String ?? ""
                var found: [String] = []
                let deadline = ContinuousClock.now + .seconds(5)
                repeat {
                    found = try await api.call(.GET, "/api/emails?business_id=\(businessId)&lead_id=\(lead)&limit=100").list("messages")
                        .map { "\($0["subject"] as? String ?? "") — \($0["body"] as? String ?? "")" }
                    if found.contains(where: { $0.localizedCaseInsensitiveContains(wanted) }) { break }
                    try? await Task.sleep(for: .milliseconds(100))
                } while ContinuousClock.now < deadline
                for mail in found { lines.append(.init(at: elapsedMs, speaker: "Email", text: mail, latencyMs: nil)) }
                if !found.contains(where: { $0.localizedCaseInsensitiveContains(wanted) }) {
                    failures.append("\(label): expected an e-mail to the caller containing \"\(wanted)\"; got \(found)")
                }
            }
            if let wanted = step.expectWorkflowWebhooks {
                let deliveries = await workflowReceiver?.wait(timeout: .seconds(5)) { $0.count >= wanted } ?? workflowReceiver?.deliveries ?? []
                for delivery in deliveries {
                    let signed = workflows.contains { workflow in
                        guard let id = delivery.webhookId, let timestamp = delivery.timestamp.flatMap({ Int($0) }) else { return false }
                        return delivery.signature == WebhookSigning.standardSignature(secret: workflow.secret, id: id, timestamp: timestamp, body: delivery.body)
                    }
                    if !signed { failures.append("\(label): a workflow webhook was not signed with its workflow's secret") }
                    lines.append(.init(at: elapsedMs, speaker: "Webhook", text: "\(delivery.json["workflow_name"]?.text ?? "?") step \(delivery.json["step"]?.text ?? "?")", latencyMs: nil))
                }
                if deliveries.count != wanted {
                    failures.append("\(label): expected \(wanted) workflow webhook(s); the receiver got \(deliveries.count)")
                }
            }
            if let words = step.text {
                let before = elapsedMs
                lines.append(.init(at: before, speaker: "Caller", text: words, latencyMs: nil))
                let replies = try await telnyxText(words, expecting: step.expectReply, wait: pace.reply)
                for reply in replies { lines.append(.init(at: reply.at, speaker: "Agent", text: reply.text, latencyMs: reply.at - before)) }
                if let wanted = step.expectReply, !replies.contains(where: { Self.words($0.text).localizedCaseInsensitiveContains(Self.words(wanted)) }) {
                    failures.append("\(label): expected a reply to \"\(words)\" containing \"\(wanted)\"; got \(replies.map(\.text))")
                }
            }
        }
    }
}
