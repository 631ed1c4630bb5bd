import Foundation
import FrontdeskCore
import FrontdeskWire
import NIOHTTP1

/// What a scenario checks beyond the conversation: the business's real-time events on `/api/ws` and
/// the same events at a webhook endpoint, signed. Set up before the call, checked after it.
struct EventWatch {
    let stream: EventStreamClient
    /// The local receiver, its endpoint and secret (nil when the server refuses a loopback URL:
    /// a running server without `FRONTDESK_WEBHOOKS_ALLOW_PRIVATE=1`).
    var receiver: WebhookReceiver?
    var endpointId: String?
    var secret: String?
}

extension ScenarioRun {
    /// Registers a local webhook receiver for every event, then connects to `/api/ws` for the business —
    /// in that order, so every event the socket hears was published after the endpoint existed and must
    /// reach it (an event of the set-up, such as the team's notification of its booking, can be
    /// published a moment later; heard first, it would have no delivery to wait for).
    mutating func watchEvents() async throws {
        guard let token = api.token else {
            failures.append("could not subscribe to /api/ws for the business's events: not logged in")
            return
        }
        let receiver = try await WebhookReceiver.start()
        let created = try await api.call(
            .POST, "/api/webhooks",
            json: ["business_id": businessId, "url": receiver.url, "events": ["*"], "description": "frontdesk simulate: \(scenario.name)"])
        let endpoint = created.status == 201 ? (created.data["id"] as? String).flatMap { id in (created.data["secret"] as? String).map { (id, $0) } } : nil
        if endpoint == nil {
            receiver.stop()
            notes.append("webhook deliveries not checked: the server refused a loopback endpoint (\(created.problem)); run it with FRONTDESK_WEBHOOKS_ALLOW_PRIVATE=1")
        }
        guard let stream = await EventStreamClient.connect(base: api.baseURL.absoluteString, token: token, query: "business_id=\(businessId)") else {
            failures.append("could not subscribe to /api/ws for the business's events")
            if let (id, _) = endpoint { _ = try? await api.call(.DELETE, "/api/webhooks/\(id)") }
            receiver.stop()
            return
        }
        events = EventWatch(stream: stream, receiver: endpoint == nil ? nil : receiver, endpointId: endpoint?.0, secret: endpoint?.1)
    }

    /// Removes the scenario's webhook endpoint and closes the socket.
    mutating func stopWatching() async {
        guard let watch = events else { return }
        if let id = watch.endpointId { _ = try? await api.call(.DELETE, "/api/webhooks/\(id)") }
        watch.receiver?.stop()
        await watch.stream.close()
        events = nil
    }

    /// The events the conversation must have made, as the API's records say it happened: the call's
    /// start, each transcript turn in order, its end; the lead's creation and qualification; each
    /// appointment booked, moved or cancelled; each text in and out. Then every one of them at the
    /// webhook receiver, signed with the endpoint's secret.
    mutating func checkEvents(call: [String: Any]?, lead: [String: Any]?, appointments: [[String: Any]], texts: [[String: Any]]) async {
        guard let watch = events else { return }
        let callId = call?["id"] as? String
        let turns = ((call?["turns"] as? [[String: Any]]) ?? []).sorted { ($0["sequence"] as? Int ?? 0) < ($1["sequence"] as? Int ?? 0) }
        let leadId = lead?["id"] as? String
        let appointmentIds = Set(appointments.compactMap { $0["id"] as? String })
        let textIds = Set(texts.compactMap { $0["id"] as? String })
        var wanted: [(String, ([EventStreamClient.Frame]) -> Bool)] = []
        if let callId {
            wanted.append(("call.started for the call", { $0.contains { $0.type == "call.started" && $0.data["id"]?.text == callId } }))
            wanted.append(("call.ended for the call", { $0.contains { $0.type == "call.ended" && $0.data["id"]?.text == callId } }))
            wanted.append(("a transcript.turn for each of the call's \(turns.count) turns", { frames in
                frames.filter { $0.type == "transcript.turn" && $0.data["call_id"]?.text == callId }.count >= turns.count
            }))
        }
        if let lead, let leadId {
            if !leadExisted {
                wanted.append(("lead.created for the caller's lead", { $0.contains { $0.type == "lead.created" && $0.data["id"]?.text == leadId } }))
            }
            if (lead["qualification_score"] as? Int ?? 0) >= 70, !leadWasQualified {
                wanted.append(("lead.qualified for the caller's lead", { $0.contains { $0.type == "lead.qualified" && $0.data["id"]?.text == leadId } }))
            }
        }
        for id in appointmentIds {
            wanted.append(("an appointment event for \(id)", { $0.contains { $0.type?.hasPrefix("appointment.") == true && $0.data["id"]?.text == id } }))
        }
        for id in textIds {
            wanted.append(("a message event for \(id)", { $0.contains { $0.type?.hasPrefix("message.") == true && $0.data["id"]?.text == id } }))
        }
        if let thread = heldThread {
            for change in teamChanges {
                let assignee = change == "assigned"
                wanted.append(("conversation.assigned (\(change)) for the caller's thread", { frames in
                    frames.contains {
                        $0.type == "conversation.assigned" && $0.data["conversation"]?["id"]?.text == thread
                            && ($0.data["conversation"]?["assignee_id"]?.text != nil) == assignee
                    }
                }))
            }
        }
        let ok = await watch.stream.wait(timeout: .seconds(10)) { frames in wanted.allSatisfy { $0.1(frames) } }
        let frames = watch.stream.events
        if !ok {
            for (what, holds) in wanted where !holds(frames) {
                failures.append("/api/ws: expected \(what); got \(frames.map { $0.type ?? "?" })")
            }
        }
        if let callId {
            // Turn by turn, in order, as the transcript says.
            let streamed = frames.filter { $0.type == "transcript.turn" && $0.data["call_id"]?.text == callId }
            let said = streamed.compactMap { $0.data["sequence"]?.double }.map { Int($0) }
            if said != said.sorted() { failures.append("/api/ws: transcript turns out of order: \(said)") }
            let texts = turns.compactMap { $0["text"] as? String }
            let streamedTexts = streamed.compactMap { $0.data["text"]?.text }
            // A barge-in trims a turn's text after it was written ("Which —"): the stream has the words as
            // first written, the transcript what the caller heard of them.
            func heard(_ text: String) -> String {
                text.trimmingCharacters(in: CharacterSet(charactersIn: " —"))
            }
            if streamedTexts.count == texts.count,
                zip(streamedTexts, texts).contains(where: { !$0.hasPrefix(heard($1)) && !heard($1).hasPrefix($0) })
            {
                failures.append("/api/ws: the streamed turns differ from the transcript")
            }
        }
        // The same events at the receiver, each verified with the endpoint's secret.
        guard let receiver = watch.receiver, let secret = watch.secret else { return }
        let ids = Set(frames.compactMap(\.id))
        let delivered = await receiver.wait(timeout: .seconds(15)) { deliveries in ids.isSubset(of: Set(deliveries.compactMap(\.webhookId))) }
        let got = delivered ?? receiver.deliveries
        let missing = ids.subtracting(got.compactMap(\.webhookId))
        if !missing.isEmpty {
            let which = frames.filter { $0.id.map(missing.contains) == true }.map { "\($0.type ?? "?") \($0.id ?? "")" }
            failures.append("webhook: \(missing.count) of \(ids.count) events were not delivered to the endpoint: \(which.joined(separator: ", "))")
        }
        if got.contains(where: { !$0.verifies(secret: secret) }) { failures.append("webhook: a delivery's signature does not verify with the endpoint's secret") }
        for delivery in got where delivery.event != nil {
            if let frame = frames.first(where: { $0.id == delivery.webhookId }), frame.type != delivery.event || frame.data != delivery.data {
                failures.append("webhook: \(delivery.webhookId ?? "?") differs from the event on /api/ws")
            }
        }
    }
}
