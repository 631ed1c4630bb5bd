import Foundation
import Hummingbird

/// The inbox across channels: threads, one thread's lines and history, take over, give back, reply.
extension DashboardPages {
    static let threadChannels = [("", "All channels"), ("voice", "Calls"), ("sms", "Texts"), ("email", "Email"), ("api", "API")]
    static let threadHolders = [("", "Anyone"), ("me", "Mine"), ("none", "The receptionist's"), ("any", "Held by a person")]
    static let threadStatuses = [("", "Open and closed"), ("active", "Open"), ("closed", "Closed")]

    func inbox(_ request: Request, context: AppRequestContext) async throws -> Response {
        let frame = try await frame(request, context: context)
        let query = request.uri.queryParameters
        let channel = query["channel"].map(String.init) ?? ""
        let assignee = query["assignee"].map(String.init) ?? ""
        let status = query["status"].map(String.init) ?? ""
        let answer = try await api.get(
            "/api/conversations",
            query: [
                "business_id": frame.id, "channel": channel, "assignee": assignee, "status": status,
                "page": query["page"].map(String.init), "limit": "25",
            ], token: frame.session.token, context: context)
        let names = try await memberNames(frame, context: context)
        let threads = answer.data.array("conversations").map { thread -> [String: Any?] in
            let contact = thread.object("contact")
            let last = thread.object("last_message")
            let unread = thread.int("unread_count") ?? 0
            return [
                "id": thread.string("id"), "who": contact.string("name") ?? contact.string("phone") ?? contact.string("email") ?? "Unknown",
                "channel": Self.channelName(thread.string("channel")), "closed": thread.string("status") == "closed",
                "preview": String((last.string("content") ?? "").prefix(120)), "unread": unread > 0 ? unread : nil,
                "holder": thread.string("assignee_id").map { names[$0] ?? "a team member" } ?? "Receptionist",
                "when": frame.format.when(last.string("timestamp") ?? thread.string("updated_at")),
            ]
        }
        func options(_ list: [(String, String)], _ current: String) -> [[String: Any]] {
            list.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == current] }
        }
        return render(
            "inbox", title: "Inbox", frame: frame, request: request,
            values: [
                "threads": threads, "hasThreads": !threads.isEmpty, "channels": options(Self.threadChannels, channel),
                "assignees": options(Self.threadHolders, assignee), "statuses": options(Self.threadStatuses, status),
                "pager": pager(
                    answer.data.object("pagination"), path: "/inbox", query: ["b": frame.id, "channel": channel, "assignee": assignee, "status": status])
                    as Any?,
            ], failure: answer.failure)
    }

    func thread(_ request: Request, context: AppRequestContext, failure: FormFailure? = nil, typed: String? = nil, status: HTTPResponse.Status = .ok)
        async throws -> Response
    {
        let frame = try await frame(request, context: context)
        let id = Self.segment(context.parameters.get("id") ?? "")
        let answer = try await api.get("/api/conversations/\(id)", token: frame.session.token, context: context)
        guard answer.ok, answer.data.string("business_id") == frame.id else {
            throw DashboardFailure.notFound("This conversation does not exist in \(frame.business.string("name") ?? "this business").")
        }
        let thread = answer.data
        let lines = try await api.get("/api/conversations/\(id)/messages", query: ["limit": "100"], token: frame.session.token, context: context)
        if (thread.int("unread_count") ?? 0) > 0 {
            _ = try await api.send(.put, "/api/conversations/\(id)/read", token: frame.session.token, context: context)
        }
        let names = try await memberNames(frame, context: context)
        let contact = thread.object("contact")
        let holder = thread.string("assignee_id")
        let channel = thread.string("channel") ?? ""
        let replyChannel = Self.replyChannel(thread)
        let view: [String: Any?] = [
            "id": thread.string("id"), "who": contact.string("name") ?? contact.string("phone") ?? contact.string("email") ?? "Unknown",
            "channel": Self.channelName(channel), "held": holder != nil, "closed": thread.string("status") == "closed",
            "holderLine": holder.map { "Held by \(names[$0] ?? "a team member") — the receptionist stays quiet here." }
                ?? "The receptionist answers this conversation.",
            "lines": lines.data.array("messages").map { line -> [String: Any?] in
                let sender = line.string("sender") ?? "system"
                return [
                    "side": sender == "lead" ? "caller" : sender == "system" ? "system" : "agent",
                    "sender": sender == "lead" ? (contact.string("name") ?? "Contact") : sender == "member"
                        ? (line.string("sender_id").flatMap { names[$0] } ?? "Team") : sender == "agent" ? "Receptionist" : "System",
                    "time": frame.format.when(line.string("timestamp")), "content": line.string("content"),
                    "status": line.string("status").flatMap { $0 == "received" || $0 == "delivered" ? nil : $0 },
                ]
            },
            "hasLines": !lines.data.array("messages").isEmpty,
            "canReply": replyChannel != nil, "replyChannel": replyChannel == "email" ? "email" : "text", "isEmail": replyChannel == "email",
            "typed": typed,
            "history": thread.array("history").map { change -> [String: Any] in
                let who = change.string("actor_id").flatMap { names[$0] } ?? "Someone"
                let kind = LocalFormat.words(change.string("kind"))
                let note = change.string("note").map { " — \($0)" } ?? ""
                return ["line": "\(frame.format.when(change.string("created_at") ?? change.string("at"))): \(kind) by \(who)\(note)"]
            },
            "hasHistory": !thread.array("history").isEmpty,
        ]
        return render(
            "thread", title: "Conversation", frame: frame, request: request, values: ["thread": view, "replyKind": replyChannel as Any?],
            failure: failure, status: status)
    }

    /// Take over, give back, close, reopen — then back to the thread.
    func threadAction(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = Self.segment(context.parameters.get("id") ?? "")
        let action = context.parameters.get("action") ?? ""
        let done: [String: String] = ["assign": "assigned", "release": "released", "close": "closed", "reopen": "reopened"]
        guard let code = done[action] else { throw DashboardFailure.notFound("There is no such conversation action.") }
        return try await act(
            request, context: context, then: "/inbox/\(id)?b=\(Self.business(of: request))&done=\(code)",
            send: { _, session in try await api.send(.post, "/api/conversations/\(id)/\(action)", body: [:], token: session.token, context: context) },
            refused: { failure, status, _ in try await thread(request, context: context, failure: failure, status: status) })
    }

    /// A member's reply, by the thread's own channel (email threads, and contacts without a phone, by email).
    func reply(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = Self.segment(context.parameters.get("id") ?? "")
        return try await act(
            request, context: context, then: "/inbox/\(id)?b=\(Self.business(of: request))&done=sent",
            send: { form, session in
                let thread = try await api.get("/api/conversations/\(id)", token: session.token, context: context).data
                var body: [String: Any] = ["conversation_id": context.parameters.get("id") ?? "", "content": form["content"] ?? ""]
                body["channel"] = Self.replyChannel(thread) ?? "sms"
                if let subject = form.trimmed("subject") { body["subject"] = subject }
                return try await api.send(.post, "/api/messages", body: body, token: session.token, context: context)
            },
            refused: { failure, status, form in try await thread(request, context: context, failure: failure, typed: form["content"], status: status) })
    }

    /// How a member can answer the thread's contact: email on an email thread, else a text to their
    /// phone, else an email; nil when the contact has neither.
    static func replyChannel(_ thread: JSONObject) -> String? {
        let contact = thread.object("contact")
        if thread.string("channel") == "email" { return "email" }
        return contact.string("phone") != nil ? "sms" : (contact.string("email") != nil ? "email" : nil)
    }

    /// One member's name as the team reads it (their email when they gave no name).
    static func memberName(_ member: JSONObject) -> String {
        let name = [member.string("first_name"), member.string("last_name")].compactMap { $0 }.joined(separator: " ")
        return name.isEmpty ? member.string("email") ?? member.string("user_id") ?? "" : name
    }

    /// Member names by user id (for "held by", who wrote, the history).
    func memberNames(_ frame: Frame, context: AppRequestContext) async throws -> [String: String] {
        let members = try await api.get("/api/businesses/\(Self.segment(frame.id))/members", token: frame.session.token, context: context)
        var names: [String: String] = [:]
        for member in members.data.array("members") {
            guard let id = member.string("user_id") else { continue }
            names[id] = Self.memberName(member)
        }
        return names
    }

    static func channelName(_ channel: String?) -> String {
        switch channel {
        case "voice": "call"
        case "sms": "text"
        case "email": "email"
        case "api": "API"
        default: channel ?? ""
        }
    }
}
