import Foundation
import FrontdeskCore
import PostgresNIO

// Each stored domain type's row: columns in table order, the key first.

extension User: PostgresRecord {
    static let table = "users"
    static let columns: [PostgresColumn] = ["id", "email", "password_hash", "first_name", "last_name", "created_at", "updated_at"]

    init(_ row: inout RowCursor) throws {
        self.init(
            id: try row.id(), email: EmailAddress(trusted: try row.next()), passwordHash: try row.next(),
            firstName: try row.next(), lastName: try row.next(), createdAt: try row.date(), updatedAt: try row.date())
    }

    func bind(to b: inout PostgresBindings) throws {
        b.append(id: id)
        b.append(email.value)
        b.append(passwordHash)
        b.append(firstName)
        b.append(lastName)
        b.append(instant: createdAt)
        b.append(instant: updatedAt)
    }
}

extension Business: PostgresRecord {
    static let table = "businesses"
    static let columns: [PostgresColumn] = ["id", "name", .init(json: "settings"), "created_at", "updated_at"]

    init(_ row: inout RowCursor) throws {
        self.init(id: try row.id(), name: try row.next(), settings: try row.json(), createdAt: try row.date(), updatedAt: try row.date())
    }

    func bind(to b: inout PostgresBindings) throws {
        b.append(id: id)
        b.append(name)
        try b.append(json: settings)
        b.append(instant: createdAt)
        b.append(instant: updatedAt)
    }
}

extension Membership: PostgresRecord {
    static let table = "memberships"
    static let columns: [PostgresColumn] = ["user_id", "business_id", "role", "created_at"]

    init(_ row: inout RowCursor) throws {
        self.init(userId: try row.id(), businessId: try row.id(), role: try row.value(), createdAt: try row.date())
    }

    func bind(to b: inout PostgresBindings) throws {
        b.append(id: userId)
        b.append(id: businessId)
        b.append(value: role)
        b.append(instant: createdAt)
    }
}

extension Agent: PostgresRecord {
    static let table = "agents"
    static let columns: [PostgresColumn] = [
        "id", "business_id", "name", "phone_number", .init(json: "voice_settings"), .init(json: "behavior_settings"),
        .init(json: "working_hours"), "status", "started_at", "created_at", "updated_at",
    ]

    init(_ row: inout RowCursor) throws {
        self.init(
            id: try row.id(), businessId: try row.id(), name: try row.next(), phoneNumber: try row.phone(),
            voiceSettings: try row.json(), behaviorSettings: try row.json(), workingHours: try row.optionalJSON(),
            status: try row.value(), startedAt: try row.optionalDate(), createdAt: try row.date(), updatedAt: try row.date())
    }

    func bind(to b: inout PostgresBindings) throws {
        b.append(id: id)
        b.append(id: businessId)
        b.append(name)
        b.append(phoneNumber?.e164)
        try b.append(json: voiceSettings)
        try b.append(json: behaviorSettings)
        try b.append(json: workingHours)
        b.append(value: status)
        b.append(instant: startedAt)
        b.append(instant: createdAt)
        b.append(instant: updatedAt)
    }
}

extension Lead: PostgresRecord {
    static let table = "leads"
    static let columns: [PostgresColumn] = [
        "id", "business_id", "phone", "name", "email", "status", "source", "qualification_score",
        .init(json: "score_explanation"), "notes", "created_at", "updated_at", "company", "value",
    ]

    init(_ row: inout RowCursor) throws {
        self.init(
            id: try row.id(), businessId: try row.id(), phone: try row.phone(), name: try row.next(),
            email: try row.next(String?.self).map(EmailAddress.init(trusted:)), status: try row.value(),
            source: try row.value(), qualificationScore: try row.next(), scoreExplanation: try row.optionalJSON(),
            notes: try row.next(), createdAt: try row.date(), updatedAt: try row.date(), company: try row.next(),
            value: try row.next(Int?.self).map(Money.init(cents:)))
    }

    func bind(to b: inout PostgresBindings) throws {
        b.append(id: id)
        b.append(id: businessId)
        b.append(phone?.e164)
        b.append(name)
        b.append(email?.value)
        b.append(value: status)
        b.append(value: source)
        b.append(qualificationScore)
        try b.append(json: scoreExplanation)
        b.append(notes)
        b.append(instant: createdAt)
        b.append(instant: updatedAt)
        b.append(company)
        b.append(value?.cents)
    }
}

extension Appointment: PostgresRecord {
    static let table = "appointments"
    /// `ends_at` is written (for the exclusion constraint) but not read: it is `scheduled_date + duration`.
    static let columns: [PostgresColumn] = [
        "id", "business_id", "lead_id", "scheduled_date", "duration", "status", "type", "notes", "price", "created_at",
        "updated_at", "ends_at",
    ]

    init(_ row: inout RowCursor) throws {
        self.init(
            id: try row.id(), businessId: try row.id(), leadId: try row.optionalID(), scheduledDate: try row.date(),
            duration: try row.next(), status: try row.value(), type: try row.next(), notes: try row.next(),
            price: try row.next(Int?.self).map(Money.init(cents:)), createdAt: try row.date(), updatedAt: try row.date())
    }

    func bind(to b: inout PostgresBindings) throws {
        b.append(id: id)
        b.append(id: businessId)
        b.append(id: leadId)
        b.append(instant: scheduledDate)
        b.append(duration)
        b.append(value: status)
        b.append(type)
        b.append(notes)
        b.append(price?.cents)
        b.append(instant: createdAt)
        b.append(instant: updatedAt)
        b.append(instant: endDate)
    }
}

extension Call: PostgresRecord {
    static let table = "calls"
    static let columns: [PostgresColumn] = [
        "id", "business_id", "agent_id", "lead_id", "phone", "direction", "provider", "provider_call_id", "status",
        "duration", "recording_url", "outcome", "summary", "hangup_cause", "started_at", "ended_at", "created_at",
        "llm_prompt_tokens", "llm_completion_tokens", "cost", "purpose", "voicemail_message",
    ]

    init(_ row: inout RowCursor) throws {
        self.init(
            id: try row.id(), businessId: try row.id(), agentId: try row.optionalID(), leadId: try row.optionalID(),
            phone: try row.phone(), direction: try row.value(), provider: try row.next(), providerCallId: try row.next(),
            status: try row.value(), duration: try row.next(), recordingUrl: try row.next(), outcome: try row.optionalValue(),
            summary: try row.next(), hangupCause: try row.next(), startedAt: try row.date(), endedAt: try row.optionalDate(),
            createdAt: try row.date())
        llmPromptTokens = try row.next()
        llmCompletionTokens = try row.next()
        cost = try row.next()
        purpose = try row.next()
        voicemailMessage = try row.next()
    }

    func bind(to b: inout PostgresBindings) throws {
        b.append(id: id)
        b.append(id: businessId)
        b.append(id: agentId)
        b.append(id: leadId)
        b.append(phone?.e164)
        b.append(value: direction)
        b.append(provider)
        b.append(providerCallId)
        b.append(value: status)
        b.append(duration)
        b.append(recordingUrl)
        b.append(value: outcome)
        b.append(summary)
        b.append(hangupCause)
        b.append(instant: startedAt)
        b.append(instant: endedAt)
        b.append(instant: createdAt)
        b.append(llmPromptTokens)
        b.append(llmCompletionTokens)
        b.append(cost)
        b.append(purpose)
        b.append(voicemailMessage)
    }
}

extension TranscriptTurn: PostgresRecord {
    static let table = "transcript_turns"
    /// The id is the database's (an identity column): written never, read first.
    static let columns: [PostgresColumn] = [
        "call_id", "sequence", "speaker", "text", "started_at", "ended_at", "confidence", "latency_ms", "provider_event_id",
    ]

    init(_ row: inout RowCursor) throws {
        self.init(
            callId: try row.id(), sequence: try row.next(), speaker: try row.value(), text: try row.next(),
            startedAt: try row.date(), endedAt: try row.optionalDate(), confidence: try row.next(), latencyMs: try row.next(),
            providerEventId: try row.next())
        id = try row.next(Int64.self)
    }

    func bind(to b: inout PostgresBindings) throws {
        b.append(id: callId)
        b.append(sequence)
        b.append(value: speaker)
        b.append(text)
        b.append(instant: startedAt)
        b.append(instant: endedAt)
        b.append(confidence)
        b.append(latencyMs)
        b.append(providerEventId)
    }
}

extension Message: PostgresRecord {
    static let table = "messages"
    static let columns: [PostgresColumn] = [
        "id", "business_id", "lead_id", "channel", "direction", "to", "from", "subject", "body", "status", "provider",
        "provider_message_id", "error", "created_at", "updated_at", "sent_by",
    ]

    init(_ row: inout RowCursor) throws {
        self.init(
            id: try row.id(), businessId: try row.id(), leadId: try row.optionalID(), channel: try row.value(),
            direction: try row.value(), to: try row.next(), from: try row.next(), subject: try row.next(),
            body: try row.next(), status: try row.value(), provider: try row.next(), providerMessageId: try row.next(),
            error: try row.next(), createdAt: try row.date(), updatedAt: try row.date(), sentBy: try row.optionalID())
    }

    func bind(to b: inout PostgresBindings) throws {
        b.append(id: id)
        b.append(id: businessId)
        b.append(id: leadId)
        b.append(value: channel)
        b.append(value: direction)
        b.append(to)
        b.append(from)
        b.append(subject)
        b.append(body)
        b.append(value: status)
        b.append(provider)
        b.append(providerMessageId)
        b.append(error)
        b.append(instant: createdAt)
        b.append(instant: updatedAt)
        b.append(id: sentBy)
    }
}
