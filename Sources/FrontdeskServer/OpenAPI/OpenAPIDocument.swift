import Foundation
import FrontdeskWire
import FrontdeskCalls
import FrontdeskCore
import FrontdeskProviders
import FrontdeskStore

/// `GET /api/openapi.json`: every route with its parameters and schemas (OpenAPI 3.1).
/// A test compares the router's registered routes with this document, so a new route without an
/// entry here fails the suite.
enum OpenAPIDocument {
    struct Operation {
        let method: String
        let path: String
        let summary: String
        let tag: String
        var auth = true
        var query: [String] = []
        var body: String? = nil
        var response: String = "Object"
        var status = "200"
    }

    static let pageQuery = ["page", "limit"]

    static let operations: [Operation] = [
        .init(method: "GET", path: "/api/health", summary: "Service health (detailed: database check with query time)", tag: "health", auth: false, query: ["detailed", "cache"], response: "Health"),
        .init(method: "GET", path: "/api/health/live", summary: "Liveness: the process answers (no database check; never rate-limited)", tag: "health", auth: false, response: "Probe"),
        .init(method: "GET", path: "/api/health/ready", summary: "Readiness: the database answers and the instance is not stopping (503 otherwise; never rate-limited)", tag: "health", auth: false, response: "Probe"),
        .init(method: "GET", path: "/api/openapi.json", summary: "This document", tag: "health", auth: false),
        .init(method: "GET", path: "/metrics", summary: "Prometheus metrics of this instance (text format; Bearer FRONTDESK_METRICS_TOKEN when set; never rate-limited)", tag: "health", auth: false, response: "Metrics"),
        .init(method: "POST", path: "/api/auth/register", summary: "Create a user and its business; returns tokens", tag: "auth", auth: false, body: "RegisterRequest", response: "TokenResponse", status: "201"),
        .init(method: "POST", path: "/api/auth/login", summary: "Log in; returns an access token (1 h) and a refresh token", tag: "auth", auth: false, body: "LoginRequest", response: "TokenResponse"),
        .init(method: "POST", path: "/api/auth/refresh", summary: "Rotate a refresh token (reuse revokes the whole family)", tag: "auth", auth: false, body: "RefreshRequest", response: "TokenResponse"),
        .init(method: "POST", path: "/api/auth/forgot-password", summary: "Send a single-use reset token by email (outbox by default)", tag: "auth", auth: false, body: "ForgotPasswordRequest"),
        .init(method: "POST", path: "/api/auth/reset-password", summary: "Set a new password with a reset token", tag: "auth", auth: false, body: "ResetPasswordRequest"),
        .init(method: "POST", path: "/api/auth/logout", summary: "End this login: its refresh tokens and its access tokens stop working at once", tag: "auth"),
        .init(method: "GET", path: "/api/auth/me", summary: "The current user and its memberships", tag: "auth"),
        .init(method: "GET", path: "/api/businesses", summary: "Businesses of the current user", tag: "businesses", query: pageQuery + ["search"], response: "BusinessList"),
        .init(method: "POST", path: "/api/businesses", summary: "Create a business (the caller becomes its admin)", tag: "businesses", body: "BusinessRequest", response: "Business", status: "201"),
        .init(method: "GET", path: "/api/businesses/{id}", summary: "One business", tag: "businesses", response: "Business"),
        .init(method: "PUT", path: "/api/businesses/{id}", summary: "Update name and settings (settings merge key by key)", tag: "businesses", body: "BusinessUpdate", response: "Business"),
        .init(method: "DELETE", path: "/api/businesses/{id}", summary: "Delete a business and everything it owns", tag: "businesses"),
        .init(method: "GET", path: "/api/businesses/{id}/members", summary: "The business's members and their roles", tag: "businesses", response: "MemberList"),
        .init(method: "POST", path: "/api/businesses/{id}/members", summary: "Give an existing account a role (admin, user, agent) in this business", tag: "businesses", body: "MemberRequest", response: "Membership", status: "201"),
        .init(method: "GET", path: "/api/agents", summary: "Agents of a business", tag: "agents", query: ["business_id", "status"] + pageQuery, response: "AgentList"),
        .init(method: "POST", path: "/api/agents", summary: "Create an agent", tag: "agents", body: "AgentRequest", response: "Agent", status: "201"),
        .init(method: "GET", path: "/api/agents/{id}", summary: "One agent", tag: "agents", response: "Agent"),
        .init(method: "PUT", path: "/api/agents/{id}", summary: "Update an agent", tag: "agents", body: "AgentRequest", response: "Agent"),
        .init(method: "DELETE", path: "/api/agents/{id}", summary: "Delete an agent", tag: "agents"),
        .init(method: "POST", path: "/api/agents/{id}/start", summary: "Start answering calls and texts", tag: "agents", response: "AgentStatus"),
        .init(method: "POST", path: "/api/agents/{id}/stop", summary: "Stop answering (calls get the unavailable message)", tag: "agents", response: "AgentStatus"),
        .init(method: "POST", path: "/api/agents/{id}/execute", summary: "One conversation turn through the receptionist engine (CRM seed shape); kept per lead", tag: "agents", body: "ExecuteRequest", response: "ExecuteResult"),
        .init(method: "GET", path: "/api/agents/{id}/status", summary: "Live status: active calls, calls today, uptime", tag: "agents", response: "AgentStatus"),
        .init(method: "GET", path: "/api/leads", summary: "Leads of a business", tag: "leads", query: ["business_id", "status", "source", "phone", "min_score", "max_score"] + pageQuery, response: "LeadList"),
        .init(method: "POST", path: "/api/leads", summary: "Create a lead", tag: "leads", body: "LeadRequest", response: "Lead", status: "201"),
        .init(method: "GET", path: "/api/leads/{id}", summary: "One lead", tag: "leads", response: "Lead"),
        .init(method: "PUT", path: "/api/leads/{id}", summary: "Update a lead", tag: "leads", body: "LeadRequest", response: "Lead"),
        .init(method: "DELETE", path: "/api/leads/{id}", summary: "Delete a lead", tag: "leads"),
        .init(method: "POST", path: "/api/leads/{id}/qualify", summary: "Re-score with criteria {budget, timeline, decision_maker}", tag: "leads", body: "QualifyRequest", response: "Lead"),
        .init(method: "GET", path: "/api/appointments", summary: "Appointments of a business", tag: "appointments", query: ["business_id", "status", "lead_id", "start_date", "end_date"] + pageQuery, response: "AppointmentList"),
        .init(method: "POST", path: "/api/appointments", summary: "Book inside business hours (409 SLOT_TAKEN when taken)", tag: "appointments", body: "AppointmentRequest", response: "Appointment", status: "201"),
        .init(method: "GET", path: "/api/appointments/availability", summary: "Free slots between two local dates (≤ 92 days) for a duration or service type", tag: "appointments", query: ["business_id", "start_date", "end_date", "duration", "type"], response: "Availability"),
        .init(method: "GET", path: "/api/appointments/{id}", summary: "One appointment", tag: "appointments", response: "Appointment"),
        .init(method: "PUT", path: "/api/appointments/{id}", summary: "Reschedule or change an appointment", tag: "appointments", body: "AppointmentRequest", response: "Appointment"),
        .init(method: "DELETE", path: "/api/appointments/{id}", summary: "Cancel an appointment", tag: "appointments", response: "Appointment"),
        .init(method: "POST", path: "/api/appointments/{id}/remind", summary: "Send a reminder by sms or email", tag: "appointments", body: "RemindRequest", response: "Message", status: "201"),
        .init(method: "GET", path: "/api/calls", summary: "Call log with transcripts", tag: "calls", query: ["business_id", "lead_id", "status"] + pageQuery, response: "CallList"),
        .init(method: "GET", path: "/api/calls/{id}", summary: "One call with its transcript turns (and, in media mode, each turn's latency stages)", tag: "calls", response: "CallDetail"),
        .init(method: "GET", path: "/api/calls/{id}/recording", summary: "A media-mode call's recording: Ogg Opus, caller left, agent right (404 while the call is in progress or when not recorded)", tag: "calls", response: "Recording"),
        .init(method: "GET", path: "/api/sms", summary: "SMS log (outbox included)", tag: "messages", query: ["business_id", "lead_id", "status"] + pageQuery, response: "MessageList"),
        .init(method: "POST", path: "/api/sms", summary: "Send an SMS", tag: "messages", body: "SMSRequest", response: "Message", status: "201"),
        .init(method: "POST", path: "/api/webrtc/webhook", summary: "Telnyx Call Control events (Ed25519-signed: telnyx-signature-ed25519, telnyx-timestamp)", tag: "webhooks", auth: false, body: "TelnyxEvent", response: "WebhookReceipt"),
        .init(method: "POST", path: "/api/retell/webhook", summary: "Retell call events (x-retell-signature: v=<ms>,d=<HMAC-SHA256>); call_started, call_ended, call_analyzed, conversation.ended", tag: "webhooks", auth: false, body: "RetellEvent", response: "WebhookReceipt"),
        .init(method: "POST", path: "/api/twilio/voice", summary: "Twilio voice webhook (form, X-Twilio-Signature); answers TwiML: a <Gather input=\"speech\"> loop", tag: "webhooks", auth: false, body: "TwilioVoiceForm", response: "TwiML"),
        .init(method: "POST", path: "/api/twilio/sms", summary: "Twilio SMS webhook (form, X-Twilio-Signature); answers TwiML <Message>", tag: "webhooks", auth: false, body: "TwilioSMSForm", response: "TwiML"),
        .init(method: "POST", path: "/api/sms/webhook", summary: "Telnyx Messaging events (Ed25519-signed); STOP/START/HELP keywords", tag: "webhooks", auth: false, body: "TelnyxEvent", response: "WebhookReceipt"),
        .init(method: "GET", path: "/api/emails", summary: "Email log (outbox included)", tag: "messages", query: ["business_id", "lead_id", "status"] + pageQuery, response: "MessageList"),
        .init(method: "POST", path: "/api/emails", summary: "Send an email", tag: "messages", body: "EmailRequest", response: "Message", status: "201"),
        .init(method: "GET", path: "/api/analytics/overview", summary: "Leads, appointments, calls and revenue", tag: "analytics", query: ["business_id", "start_date", "end_date"], response: "Overview"),
        .init(method: "GET", path: "/api/analytics/leads/scored", summary: "Lead score distribution and top leads with explanations", tag: "analytics", query: ["business_id", "start_date", "end_date"], response: "ScoredLeads"),
        .init(method: "GET", path: "/api/analytics/dashboard", summary: "The business at a glance (CRM seed): leads, conversion, revenue, this month's trends, leads by source, the receptionist's calls and bookings", tag: "analytics", query: ["business_id", "start_date", "end_date"], response: "Dashboard"),
        .init(method: "GET", path: "/api/analytics/ai-performance", summary: "Per agent: interactions, resolved without a person, escalations, booking conversion, turns, reply latency p50/p95, LLM tokens and cost (CRM seed)", tag: "analytics", query: ["business_id", "start_date", "end_date", "hourly_rate"], response: "AIPerformance"),
        .init(method: "GET", path: "/api/analytics/daily", summary: "Per local day (default the last 30): calls, answered, bookings, conversion, after-hours calls caught, LLM cost; today's and the period's totals and turn latency", tag: "analytics", query: ["business_id", "days"], response: "Daily"),
        .init(method: "GET", path: "/api/integrations", summary: "What the business's receptionist is connected to: carriers, model, speech, email, webhooks (CRM seed)", tag: "analytics", query: ["business_id"], response: "IntegrationList"),
        .init(method: "POST", path: "/api/integrations/{id}/connect", summary: "Connect an integration (admins): webhooks adds an endpoint for the data types asked for; the others are the operator's (422)", tag: "analytics", query: ["business_id"], body: "IntegrationConnect", response: "IntegrationConnected", status: "201"),
        .init(method: "GET", path: "/api/achievements", summary: "The business's milestones, counted from what is stored (CRM seed)", tag: "analytics", query: ["business_id"], response: "AchievementList"),
        .init(method: "GET", path: "/api/notifications", summary: "The caller's notifications, newest first, with the unread count", tag: "events", query: ["status", "type", "business_id"] + pageQuery, response: "NotificationList"),
        .init(method: "PUT", path: "/api/notifications/read", summary: "Mark every unread notification of the caller (or of one business) read", tag: "events", query: ["business_id"], response: "NotificationsMarked"),
        .init(method: "PUT", path: "/api/notifications/{id}/read", summary: "Mark one notification read", tag: "events", response: "Notification"),
        .init(method: "GET", path: "/api/notifications/preferences", summary: "The caller's own notification settings in a business: phone, email, SMS, quiet hours", tag: "events", query: ["business_id"], response: "Preferences"),
        .init(method: "PUT", path: "/api/notifications/preferences", summary: "Change the caller's notification settings (fields left out keep their value; null clears)", tag: "events", body: "PreferencesRequest", response: "Preferences"),
        .init(method: "GET", path: "/api/media/hold.wav", summary: "The hold audio a caller hears during a warm transfer (16-bit mono WAV, looped by the carrier; no token)", tag: "calls", auth: false, response: "HoldAudio"),
        .init(method: "POST", path: "/api/calls", summary: "Place an outbound call through Telnyx: the callee hears who calls and why, then talks with the receptionist; an answering machine is left a voicemail after the beep (409 OUTSIDE_CALLING_HOURS outside 08:00-21:00 local; 409 OUTBOUND_CALLS_NOT_CONFIGURED when Telnyx dialing is not configured; Idempotency-Key)", tag: "calls", body: "PlaceCallRequest", response: "Call", status: "201"),
        .init(method: "POST", path: "/api/calls/{id}/hangup", summary: "A member ends a live call: the caller hears a goodbye, then it is hung up (409 CALL_NOT_LIVE when it cannot be)", tag: "calls", response: "CallEnded"),
        .init(method: "POST", path: "/api/calls/{id}/takeover", summary: "A member takes a live call over: the caller is put through to the member's phone (409 CALL_NOT_LIVE when it cannot be)", tag: "calls", body: "TakeOverRequest", response: "TakeOver"),
        .init(method: "GET", path: "/api/contacts", summary: "Contacts of a business (one per person: leads merged by phone and email)", tag: "inbox", query: ["business_id", "search", "tags", "status", "sort", "order"] + pageQuery, response: "ContactList"),
        .init(method: "POST", path: "/api/contacts", summary: "Create a contact (409 when another has its phone)", tag: "inbox", body: "ContactRequest", response: "Contact", status: "201"),
        .init(method: "GET", path: "/api/contacts/{id}", summary: "One contact with its leads and threads", tag: "inbox", response: "ContactDetail"),
        .init(method: "PUT", path: "/api/contacts/{id}", summary: "Update a contact (fields left out keep their value)", tag: "inbox", body: "ContactRequest", response: "ContactDetail"),
        .init(method: "DELETE", path: "/api/contacts/{id}", summary: "Delete a contact and its threads (admins and users; leads, calls and messages stay)", tag: "inbox"),
        .init(method: "GET", path: "/api/conversations", summary: "The inbox: one thread per contact and channel, latest first", tag: "inbox", query: ["business_id", "channel", "status", "assignee", "unread", "lead_id", "contact_id"] + pageQuery, response: "ConversationList"),
        .init(method: "GET", path: "/api/conversations/{id}", summary: "One thread with its history (assignments, takeovers)", tag: "inbox", response: "ConversationDetail"),
        .init(method: "GET", path: "/api/conversations/{id}/messages", summary: "A thread's lines, oldest first: texts or e-mails either way, or its calls' transcript turns", tag: "inbox", query: pageQuery, response: "ThreadMessageList"),
        .init(method: "PUT", path: "/api/conversations/{id}/read", summary: "The team has read the thread (unread count back to 0)", tag: "inbox", response: "ConversationDetail"),
        .init(method: "POST", path: "/api/conversations/{id}/assign", summary: "Assign the thread to a member (default: the caller); the receptionist stays quiet on it until released", tag: "inbox", body: "AssignRequest", response: "ConversationDetail"),
        .init(method: "POST", path: "/api/conversations/{id}/release", summary: "Give the thread back to the receptionist", tag: "inbox", response: "ConversationDetail"),
        .init(method: "POST", path: "/api/conversations/{id}/close", summary: "Close the thread (a new line from the contact reopens it)", tag: "inbox", response: "ConversationDetail"),
        .init(method: "POST", path: "/api/conversations/{id}/reopen", summary: "Reopen a closed thread", tag: "inbox", response: "ConversationDetail"),
        .init(method: "GET", path: "/api/messages/{leadId}", summary: "A lead's texts and e-mails, oldest first (CRM seed)", tag: "inbox", query: pageQuery, response: "LeadMessageList"),
        .init(method: "POST", path: "/api/messages", summary: "A member writes to a contact by SMS or e-mail (outbox in embedded mode); replying takes an unassigned thread", tag: "inbox", body: "InboxMessageRequest", response: "InboxMessageSent", status: "201"),
        .init(method: "GET", path: "/api/ws", summary: "Real-time events (WebSocket; see the description and the Event schema)", tag: "events", query: ["token", "business_id", "last_event_id"], response: "Event", status: "101"),
        .init(method: "GET", path: "/api/workflows", summary: "A business's workflows", tag: "workflows", query: ["business_id", "status"] + pageQuery, response: "WorkflowList"),
        .init(method: "POST", path: "/api/workflows", summary: "Create a workflow: a trigger, conditions and actions (the answer carries its webhook signing secret, once)", tag: "workflows", body: "WorkflowRequest", response: "Workflow", status: "201"),
        .init(method: "GET", path: "/api/workflows/{id}", summary: "One workflow", tag: "workflows", response: "Workflow"),
        .init(method: "PUT", path: "/api/workflows/{id}", summary: "Change a workflow (fields left out keep their value); status paused stops its enrollments at their next step", tag: "workflows", body: "WorkflowUpdate", response: "Workflow"),
        .init(method: "DELETE", path: "/api/workflows/{id}", summary: "Delete a workflow and its enrollments", tag: "workflows"),
        .init(method: "GET", path: "/api/workflows/{id}/enrollments", summary: "The leads enrolled, newest first, each with its step, variables and execution log", tag: "workflows", query: ["status"] + pageQuery, response: "EnrollmentList"),
        .init(method: "POST", path: "/api/workflows/{id}/enrollments", summary: "Enroll the leads an audience picks (at most 10,000), each whose conditions hold and who is not enrolled yet; first steps per_minute apart from start_at", tag: "workflows", body: "BulkEnrollmentRequest", response: "BulkEnrollment", status: "201"),
        .init(method: "GET", path: "/api/campaigns", summary: "A business's campaigns, each with its progress", tag: "campaigns", query: ["business_id", "status"] + pageQuery, response: "CampaignList"),
        .init(method: "POST", path: "/api/campaigns", summary: "Schedule a campaign: at start_at its audience is enrolled in the workflow, per_minute a minute; opted-out numbers get no text", tag: "campaigns", body: "CampaignRequest", response: "Campaign", status: "201"),
        .init(method: "GET", path: "/api/campaigns/{id}", summary: "One campaign with its progress (its enrollments by status)", tag: "campaigns", response: "Campaign"),
        .init(method: "PUT", path: "/api/campaigns/{id}", summary: "Change a campaign before it starts; cancel a running one (its unfinished enrollments end)", tag: "campaigns", body: "CampaignUpdate", response: "Campaign"),
        .init(method: "DELETE", path: "/api/campaigns/{id}", summary: "Delete a campaign that is not running", tag: "campaigns"),
        .init(method: "GET", path: "/api/templates", summary: "A business's message templates", tag: "templates", query: ["business_id", "channel"] + pageQuery, response: "TemplateList"),
        .init(method: "POST", path: "/api/templates", summary: "Create a text or e-mail template with mustache variables (unknown variables are refused)", tag: "templates", body: "TemplateRequest", response: "Template", status: "201"),
        .init(method: "GET", path: "/api/templates/{id}", summary: "One template", tag: "templates", response: "Template"),
        .init(method: "PUT", path: "/api/templates/{id}", summary: "Change a template (workflows using it send the new wording)", tag: "templates", body: "TemplateUpdate", response: "Template"),
        .init(method: "DELETE", path: "/api/templates/{id}", summary: "Delete a template no workflow uses", tag: "templates"),
        .init(method: "GET", path: "/api/pipelines", summary: "A business's sales pipelines, each stage with its open deals' count and value", tag: "pipelines", query: ["business_id"] + pageQuery, response: "PipelineList"),
        .init(method: "POST", path: "/api/pipelines", summary: "Create a pipeline (default stages: new, qualified, booked, proposal)", tag: "pipelines", body: "PipelineRequest", response: "Pipeline", status: "201"),
        .init(method: "GET", path: "/api/pipelines/{id}", summary: "One pipeline with its totals (open and weighted value)", tag: "pipelines", response: "Pipeline"),
        .init(method: "PUT", path: "/api/pipelines/{id}", summary: "Rename a pipeline or change its stages (a stage still holding deals cannot be removed)", tag: "pipelines", body: "PipelineUpdate", response: "Pipeline"),
        .init(method: "DELETE", path: "/api/pipelines/{id}", summary: "Delete a pipeline with its opportunities", tag: "pipelines"),
        .init(method: "GET", path: "/api/pipelines/{id}/opportunities", summary: "The pipeline's opportunities, newest first", tag: "pipelines", query: ["stage", "status", "lead_id"] + pageQuery, response: "OpportunityList"),
        .init(method: "POST", path: "/api/pipelines/{id}/opportunities", summary: "Create an opportunity (a deal), at the first stage unless given", tag: "pipelines", body: "OpportunityRequest", response: "Opportunity", status: "201"),
        .init(method: "GET", path: "/api/pipelines/{id}/opportunities/{opportunity}", summary: "One opportunity", tag: "pipelines", response: "Opportunity"),
        .init(method: "PUT", path: "/api/pipelines/{id}/opportunities/{opportunity}", summary: "Move an opportunity to a stage, win or lose it, change its value or owner", tag: "pipelines", body: "OpportunityRequest", response: "Opportunity"),
        .init(method: "DELETE", path: "/api/pipelines/{id}/opportunities/{opportunity}", summary: "Delete an opportunity", tag: "pipelines"),
        .init(method: "POST", path: "/api/templates/{id}/preview", summary: "Render a template for a lead, as it would go out now", tag: "templates", body: "TemplatePreviewRequest", response: "TemplatePreview"),
        .init(method: "GET", path: "/api/jobs", summary: "The scheduler's jobs for a business: reminders and follow-up texts, with due time, attempts and outcome", tag: "events", query: ["business_id", "status", "kind"] + pageQuery, response: "JobList"),
        .init(method: "GET", path: "/api/jobs/{id}", summary: "One scheduled job", tag: "events", response: "Job"),
        .init(method: "GET", path: "/api/webhooks", summary: "A business's outbound webhook endpoints", tag: "events", query: ["business_id"] + pageQuery, response: "WebhookEndpointList"),
        .init(method: "POST", path: "/api/webhooks", summary: "Add an endpoint (admins); the answer carries its signing secret, once", tag: "events", body: "WebhookRequest", response: "WebhookEndpoint", status: "201"),
        .init(method: "GET", path: "/api/webhooks/{id}", summary: "One endpoint (without its secret)", tag: "events", response: "WebhookEndpoint"),
        .init(method: "PUT", path: "/api/webhooks/{id}", summary: "Change URL, events, description; status active turns a disabled endpoint back on (admins)", tag: "events", body: "WebhookUpdate", response: "WebhookEndpoint"),
        .init(method: "DELETE", path: "/api/webhooks/{id}", summary: "Delete an endpoint and its delivery log (admins)", tag: "events"),
        .init(method: "GET", path: "/api/webhooks/{id}/deliveries", summary: "The endpoint's deliveries, newest event first, with the last attempt's status code, error and latency", tag: "events", query: ["status"] + pageQuery, response: "WebhookDeliveryList"),
        .init(method: "GET", path: "/api/webhooks/{id}/deliveries/{delivery_id}", summary: "One delivery with every attempt", tag: "events", response: "WebhookDelivery"),
        .init(method: "POST", path: "/api/webhooks/{id}/deliveries/{delivery_id}/replay", summary: "Send a delivery again now, with the whole retry schedule ahead (admins; the endpoint must be active)", tag: "events", response: "WebhookDelivery", status: "202"),
    ]

    /// `/api/ws`, in words (OpenAPI has no WebSocket messages).
    static let socketDescription = """
        A WebSocket of the businesses' events. Log in with `Authorization: Bearer <access token>` or, from a browser, \
        `?token=`. The socket hears every business the user belongs to, or those `business_id=a,b` names (all must be \
        the user's). Each event is a text frame `{"id":"evt_…","type":…,"data":{…},"timestamp":…}` (the Event schema); \
        `data` is the resource as this API shows it. To get what was missed, reconnect with `last_event_id` (query), \
        the `Last-Event-ID` header, or send `{"type":"subscribe","business_id":…,"last_event_id":…}`; events are kept \
        7 days (`{"type":"events.missed"}` says when older ones are gone). Other client messages: \
        `{"type":"unsubscribe","business_id":…}`, `{"type":"ping"}` (answered `{"type":"pong"}`). Control frames have \
        no `id`: `subscribed`, `events.missed`, `pong`, `error`. The server closes with 1008 when the token expires or \
        the login ends, and 1013 when the client is 4,096 events behind; reconnect with the last id. Without an \
        upgrade the route answers 401 (no valid token) or 426.
        """

    /// Constraints the server enforces, so generated clients and fuzzers know them.
    static let querySchemas: [String: JSONValue] = [
        "page": ["type": "integer", "minimum": 1, "maximum": 1_000_000],
        "limit": ["type": "integer", "minimum": 1, "maximum": 100],
        "business_id": ["type": "string", "minLength": 1],
        "duration": ["type": "integer", "minimum": 5, "maximum": 480],
        "start_date": ["oneOf": [["type": "string", "format": "date"], ["type": "string", "format": "date-time"]]],
        "end_date": ["oneOf": [["type": "string", "format": "date"], ["type": "string", "format": "date-time"]]],
        "search": ["type": "string", "maxLength": 200],
        "hourly_rate": ["type": "number", "minimum": 0, "maximum": 10_000],
        "days": ["type": "integer", "minimum": 1, "maximum": 92],
        "min_score": ["type": "integer", "minimum": 0, "maximum": 100],
        "max_score": ["type": "integer", "minimum": 0, "maximum": 100],
    ]

    /// The values each list's `status` and `source` filters accept.
    static let filterValues: [String: [String: [String]]] = [
        "/api/agents": ["status": AgentStatus.allCases.map(\.rawValue)],
        "/api/leads": ["status": LeadStatus.allCases.map(\.rawValue), "source": LeadSource.allCases.map(\.rawValue)],
        "/api/appointments": ["status": AppointmentStatus.allCases.map(\.rawValue)],
        "/api/calls": ["status": CallStatus.allCases.map(\.rawValue)],
        "/api/sms": ["status": MessageStatus.allCases.map(\.rawValue)],
        "/api/emails": ["status": MessageStatus.allCases.map(\.rawValue)],
        "/api/workflows": ["status": WorkflowStatus.allCases.map(\.rawValue)],
        "/api/workflows/{id}/enrollments": ["status": EnrollmentStatus.allCases.map(\.rawValue)],
        "/api/campaigns": ["status": CampaignStatus.allCases.map(\.rawValue)],
        "/api/templates": ["channel": TemplateChannel.allCases.map(\.rawValue)],
        "/api/pipelines/{id}/opportunities": ["status": OpportunityStatus.allCases.map(\.rawValue)],
        "/api/jobs": ["status": JobStatus.allCases.map(\.rawValue), "kind": JobKind.allCases.map(\.rawValue)],
        "/api/webhooks/{id}/deliveries": ["status": WebhookDeliveryStatus.allCases.map(\.rawValue)],
        "/api/notifications": ["status": ["unread", "read", "all"], "type": NotificationCategory.allCases.map(\.rawValue)],
        "/api/contacts": ["status": ContactStatus.allCases.map(\.rawValue), "sort": ContactSort.allCases.map(\.rawValue), "order": ["asc", "desc"]],
        "/api/conversations": ["status": ThreadStatus.allCases.map(\.rawValue), "channel": ThreadChannel.allCases.map(\.rawValue), "unread": ["true", "false"]],
    ]

    static let queryDescriptions: [String: (type: String, description: String)] = [
        "page": ("integer", "Page number, from 1 (default 1)"),
        "limit": ("integer", "Items per page, 1–100 (default 20)"),
        "business_id": ("string", "Business id (required)"),
        "status": ("string", "Filter by status"),
        "source": ("string", "Filter by source"),
        "lead_id": ("string", "Filter by lead"),
        "search": ("string", "Search by name"),
        "start_date": ("string", "From this date (YYYY-MM-DD, business zone) or instant (ISO 8601)"),
        "end_date": ("string", "Up to this date (inclusive) or instant"),
        "detailed": ("boolean", "Include the database check"),
        "cache": ("boolean", "Reuse a detailed report up to 5 s old (default true)"),
        "duration": ("integer", "Minutes, 5–480 (default: the service's or the business's default duration)"),
        "type": ("string", "A service name; its duration is used"),
        "token": ("string", "The access token, for browsers (which cannot set Authorization on a WebSocket)"),
        "last_event_id": ("string", "The last event id seen (evt_…): what came after it is sent first"),
        "tags": ("string", "Comma-separated tags; contacts carrying all of them"),
        "sort": ("string", "Sort field"),
        "order": ("string", "asc or desc"),
        "channel": ("string", "Filter by channel"),
        "assignee": ("string", "A member's user id, me, none (the receptionist's) or any (assigned to someone)"),
        "unread": ("boolean", "true: threads with unread lines; false: read ones"),
        "contact_id": ("string", "Filter by contact"),
        "kind": ("string", "Filter by kind of job"),
        "days": ("integer", "How many local days, ending today (1–92, default 30)"),
        "min_score": ("integer", "Leads scored at least this (0–100; unscored leads are left out)"),
        "max_score": ("integer", "Leads scored at most this (0–100; the bands: qualified 70–100, warm 40–69, cold 0–39)"),
        "hourly_rate": ("number", "What an hour of staff time costs: total_savings is the time the receptionist handled alone at this rate, less the model's cost"),
    ]

    /// The document as served at `/api/openapi.json` (keys sorted, so it diffs cleanly between versions).
    static func encoded(serverURL: String) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every value is a string, a finite number, a bool, an array or an object: encoding cannot fail.
        return (try? encoder.encode(build(serverURL: serverURL))) ?? Data()
    }

    static func build(serverURL: String) -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for op in operations {
            var operation: JSONValue = [
                "summary": .string(op.summary), "tags": [.string(op.tag)],
                "operationId": .string(op.method.lowercased() + op.path.replacingOccurrences(of: "/api", with: "")
                    .split(whereSeparator: { "/{}.-".contains($0) }).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()),
            ]
            var parameters: [JSONValue] = op.query.map { name in
                let info = queryDescriptions[name] ?? ("string", name)
                let required = (name == "business_id" && !["/api/ws", "/api/notifications", "/api/notifications/read"].contains(op.path)) || (op.path.hasSuffix("/availability") && name.hasSuffix("_date"))
                var schema = querySchemas[name] ?? ["type": .string(info.type)]
                if let values = Self.filterValues[op.path]?[name] { schema = ["type": "string", "enum": JSONValue(values)] }
                if op.path.hasSuffix("/availability"), name.hasSuffix("_date") { schema = ["type": "string", "format": "date"] }
                return ["name": .string(name), "in": "query", "required": .bool(required), "description": .string(info.description),
                        "schema": schema]
            }
            if op.path.contains("{delivery_id}") {
                parameters.insert(["name": "delivery_id", "in": "path", "required": true, "schema": ["type": "string"]], at: 0)
            }
            if op.path.contains("{opportunity}") {
                parameters.insert(["name": "opportunity", "in": "path", "required": true, "schema": ["type": "string"]], at: 0)
            }
            if op.path.contains("{leadId}") {
                parameters.insert(["name": "leadId", "in": "path", "required": true, "schema": ["type": "string"]], at: 0)
            }
            if op.path.contains("{id}") {
                parameters.insert(["name": "id", "in": "path", "required": true, "schema": ["type": "string"]], at: 0)
            }
            if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
            if let body = op.body {
                let type = op.path.hasPrefix("/api/twilio/") ? "application/x-www-form-urlencoded" : "application/json"
                operation["requestBody"] = [
                    "required": true, "content": .object([type: ["schema": ref(body)]]),
                ]
            }
            if op.path == "/api/ws" {
                operation["description"] = .string(socketDescription)
                operation["responses"] = [
                    "101": ["description": "Switching Protocols: events follow as text frames (the Event schema)"],
                    "401": errorResponse("Missing, invalid or expired token"),
                    "426": errorResponse("A WebSocket upgrade is required (UPGRADE_REQUIRED)"),
                    "429": errorResponse("Rate limit exceeded (Retry-After)"),
                ]
                operation["parameters"] = .array(parameters)
                paths[op.path, default: [:]][op.method.lowercased()] = operation
                continue
            }
            let success: JSONValue = switch op.response {
            case "TwiML": ["text/xml": ["schema": ["type": "string"]]]
            case "Recording": ["audio/ogg": ["schema": ["type": "string", "contentMediaType": "audio/ogg"]]]
            case "Metrics": ["text/plain": ["schema": ["type": "string"]]]
            case "HoldAudio": ["audio/wav": ["schema": ["type": "string", "contentMediaType": "audio/wav"]]]
            default: ["application/json": ["schema": envelope(op.response)]]
            }
            var responses: [String: JSONValue] = [
                op.status: [
                    "description": "Success",
                    "content": success,
                ],
                "400": errorResponse("Malformed JSON"), "413": errorResponse("Body too large"),
                "422": errorResponse("Validation failed (details per field)"),
                "429": errorResponse("Rate limit exceeded (Retry-After)"),
            ]
            if op.path == "/metrics" { responses["401"] = errorResponse("FRONTDESK_METRICS_TOKEN is set and the bearer token is missing or wrong") }
            if op.path == "/api/health/ready" { responses["503"] = errorResponse("Not ready: the database does not answer, or the instance is stopping") }
            if op.path == "/api/health" {
                responses["503"] = [
                    "description": "Unhealthy: the same report with success false and code SERVICE_UNAVAILABLE",
                    "content": ["application/json": ["schema": unhealthyEnvelope(op.response)]],
                ]
            }
            if op.path == "/api/auth/login" || op.path == "/api/auth/refresh" {
                responses["401"] = errorResponse("Wrong credentials, or an invalid, expired or reused refresh token")
            }
            if !op.auth && op.tag == "webhooks" { responses["401"] = errorResponse("Missing, wrong or stale signature") }
            if op.path == "/api/auth/register" { responses["409"] = errorResponse("The email already has an account") }
            if op.auth {
                responses["401"] = errorResponse("Missing, invalid or expired token")
                responses["403"] = errorResponse("Role too low for this action")
                responses["404"] = errorResponse("Not found (or another tenant's)")
            }
            if op.status == "201" || op.method == "PUT" { responses["409"] = errorResponse("Conflict") }
            if op.path.hasSuffix("/takeover") { responses["409"] = errorResponse("The call is not live (CALL_NOT_LIVE)") }
            if op.path == "/api/leads" || op.path == "/api/appointments", op.method == "POST" {
                parameters.append([
                    "name": "Idempotency-Key", "in": "header", "required": false,
                    "schema": ["type": "string", "pattern": "^[!-~]{1,255}$"],
                    "description": "Retry-safe creation: the first response for a key is replayed for the same body; another body is a 422",
                ])
                operation["parameters"] = .array(parameters)
            }
            operation["responses"] = .object(responses)
            if op.auth { operation["security"] = [["bearerAuth": []]] }
            paths[op.path, default: [:]][op.method.lowercased()] = operation
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Frontdesk API", "version": .string(HealthController.version),
                "description": "AI voice/SMS receptionist runtime. Envelope, error codes and names follow the CloudGreet API.",
            ],
            "servers": [["url": .string(serverURL)]],
            "paths": .object(paths),
            "components": [
                "securitySchemes": ["bearerAuth": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT"]],
                "schemas": OpenAPISchemas.all,
            ],
        ]
    }

    static func ref(_ name: String) -> JSONValue { ["$ref": "#/components/schemas/\(name)"] }

    static func envelope(_ name: String) -> JSONValue {
        [
            "type": "object", "required": ["success", "data", "timestamp", "requestId"],
            "properties": [
                "success": ["type": "boolean", "const": true], "data": ref(name), "message": ["type": "string"],
                "timestamp": ["type": "string", "format": "date-time"], "requestId": ["type": "string"],
            ],
        ]
    }

    /// The health report when a check fails: the error envelope's fields around the same data.
    static func unhealthyEnvelope(_ name: String) -> JSONValue {
        [
            "type": "object", "required": ["success", "error", "code", "data", "timestamp", "requestId"],
            "properties": [
                "success": ["type": "boolean", "const": false], "error": ["type": "string"],
                "code": ["type": "string", "const": .string(ErrorCode.serviceUnavailable.rawValue)], "data": ref(name),
                "timestamp": ["type": "string", "format": "date-time"], "requestId": ["type": "string"],
            ],
        ]
    }

    static func errorResponse(_ description: String) -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": ref("Error")]]]
    }
}
