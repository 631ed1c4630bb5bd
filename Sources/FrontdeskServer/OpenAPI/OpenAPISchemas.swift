import Foundation
import FrontdeskWire
import FrontdeskCalls
import FrontdeskCore
import FrontdeskProviders

/// Component schemas of the OpenAPI document.
enum OpenAPISchemas {
    static func object(_ properties: JSONValue, required: [String] = []) -> JSONValue {
        var schema: JSONValue = ["type": "object", "properties": properties]
        if !required.isEmpty { schema["required"] = JSONValue(required) }
        return schema
    }

    static let string: JSONValue = ["type": "string"]
    static let nullableString: JSONValue = ["type": ["string", "null"]]
    static let integer: JSONValue = ["type": "integer"]
    static let number: JSONValue = ["type": "number"]
    static let boolean: JSONValue = ["type": "boolean"]
    static let dailyDay = object([
        "date": ["type": "string", "format": "date"], "calls": integer, "answered": integer, "booked": integer, "after_hours": integer,
        "conversion": number, "llm_cost": number,
    ])
    static let latencySummary = object([
        "turns": integer, "p50_ms": number, "p95_ms": number, "p99_ms": number, "runtime_p50_ms": number, "runtime_p99_ms": number,
        "average_stages_ms": ["type": "object"],
    ])
    static let dateTime: JSONValue = ["type": "string", "format": "date-time"]
    static let phone: JSONValue = ["type": "string", "pattern": "^\\+[1-9][0-9]{7,14}$", "description": "E.164"]
    static let nullablePhone: JSONValue = ["type": ["string", "null"], "pattern": "^\\+[1-9][0-9]{7,14}$", "description": "E.164"]
    static let email: JSONValue = [
        "type": "string", "format": "email", "minLength": 3, "maxLength": 254, "example": "owner@harbor-dental.example",
        "description": "user@domain.tld: a domain of dot-separated labels of at most 63 letters, digits or hyphens",
    ]
    static let password: JSONValue = [
        "type": "string", "minLength": 8, "maxLength": 72, "example": "tide-pool-lantern-42",
        "description": "8–72 bytes, at least 4 different characters; not a common password, a keyboard or alphabet run, or the account's email",
    ]
    static let nonEmpty: JSONValue = ["type": "string", "minLength": 1, "maxLength": 200]
    /// An id in a request: never empty.
    static let id: JSONValue = ["type": "string", "minLength": 1, "maxLength": 100]
    static func text(max: Int, min: Int = 0) -> JSONValue { ["type": "string", "minLength": .number(Double(min)), "maxLength": .number(Double(max))] }
    static func range(_ minimum: Int, _ maximum: Int) -> JSONValue { ["type": "integer", "minimum": .number(Double(minimum)), "maximum": .number(Double(maximum))] }
    /// The zones a business may have: what `BusinessTimeZone` accepts.
    static let zones: [String] = TimeZone.knownTimeZoneIdentifiers.filter { BusinessTimeZone($0) != nil }.sorted()
    /// `HH:mm` (or `H:mm`), 00:00–24:00 (24:00 only as a closing time).
    static let workflowTrigger: JSONValue = object(
        [
            "type": enumeration(WorkflowTrigger.names),
            "outcome": ["allOf": [enumeration(CallOutcome.allCases.map(\.rawValue))], "description": "call.ended only"],
            "keyword": ["type": "string", "minLength": 1, "maxLength": 50, "pattern": "\\S", "description": "message.received only: a whole word the text contains"],
            "tag": ["type": "string", "minLength": 1, "maxLength": 50, "pattern": "\\S", "description": "contact.tagged only: the tag"],
            "every": ["allOf": [enumeration(WorkflowSchedule.Every.allCases.map(\.rawValue))], "description": "schedule only"],
            "at": ["type": "string", "pattern": "^([01]?[0-9]|2[0-3]):[0-5][0-9]$", "description": "schedule and date: a time of day in the business's zone"],
            "weekday": ["type": "integer", "minimum": 1, "maximum": 7, "description": "schedule with every: week (1 = Monday)"],
            "day": ["type": "integer", "minimum": 1, "maximum": 28, "description": "schedule with every: month"],
            "field": ["allOf": [enumeration(WorkflowSchedule.DateField.allCases.map(\.rawValue))], "description": "date only"],
            "offset_days": ["type": "integer", "minimum": -365, "maximum": 365, "description": "date only"],
            "audience": ["allOf": [OpenAPIDocument.ref("LeadAudience")], "description": "schedule and date: the leads looked at (default every lead)"],
        ], required: ["type"])
    static let workflowCondition: JSONValue = [
        "type": "object",
        "description": "{\"field\", \"op\", \"value\"}, or {\"any\": [...]} / {\"all\": [...]}",
        "properties": [
            "field": enumeration(WorkflowField.known.sorted()), "op": enumeration(ConditionOperator.allCases.map(\.rawValue)),
            "value": ["oneOf": [["type": "string", "maxLength": 500], ["type": "number"], ["type": "boolean"], ["type": "array", "maxItems": 100, "items": ["type": "string"]]]],
        ],
    ]
    static let workflowActions: JSONValue = [
        "type": "array", "minItems": 1, "maxItems": 20,
        "items": [
            "type": "object", "required": ["type"],
            "description": "send_sms {text}, send_email {subject, body}, send_template {template_id}, wait {minutes}, webhook {url}, add_tag / remove_tag {tag}, update_lead_status {status}, update_lead_field {field, value}, start_workflow {workflow_id}, notify {message, to}, assign {user_id}, exit; text fields take {{variables}}",
            "properties": [
                "type": enumeration(WorkflowAction.types), "text": ["type": "string", "minLength": 1, "maxLength": 1600],
                "subject": ["type": "string", "minLength": 1, "maxLength": 200], "body": ["type": "string", "minLength": 1, "maxLength": 20_000],
                "minutes": range(1, 525_600), "url": ["type": "string", "format": "uri", "maxLength": 2000], "tag": ["type": "string", "minLength": 1, "maxLength": 50],
                "status": enumeration(LeadStatus.allCases.map(\.rawValue)), "template_id": ["type": "string", "minLength": 1, "maxLength": 100],
                "workflow_id": ["type": "string", "minLength": 1, "maxLength": 100],
                "message": ["type": "string", "minLength": 1, "maxLength": 500], "to": enumeration(["everyone", "admins"]),
                "field": enumeration(LeadField.allCases.map(\.rawValue)), "value": ["type": "string", "minLength": 1, "maxLength": 200],
                "user_id": ["type": "string", "minLength": 1, "maxLength": 100],
                "purpose": ["type": "string", "minLength": 1, "maxLength": 300],
                "voicemail_message": ["type": "string", "minLength": 1, "maxLength": 1000],
            ],
        ],
    ]
    static let wallClock: JSONValue = ["type": "string", "pattern": "^(([01]?[0-9]|2[0-3]):[0-5][0-9]|24:00)$", "example": "09:00"]
    static let factor: JSONValue = ["type": "number", "minimum": 0.25, "maximum": 4]
    static func enumeration(_ values: [String]) -> JSONValue { ["type": "string", "enum": JSONValue(values)] }
    static func array(_ items: JSONValue) -> JSONValue { ["type": "array", "items": items] }
    static func list(_ key: String, _ item: String) -> JSONValue {
        object([key: array(OpenAPIDocument.ref(item)), "pagination": OpenAPIDocument.ref("Pagination")])
    }

    static let dayHours: JSONValue = [
        "description": "{open, close} (HH:mm), a list of them, or null/\"closed\"",
        "oneOf": [
            object(["open": wallClock, "close": wallClock], required: ["open", "close"]),
            array(object(["open": wallClock, "close": wallClock], required: ["open", "close"])),
            ["type": "null"], enumeration(["closed"]),
        ],
    ]

    static let weeklyHours: JSONValue = object(
        .object(Dictionary(uniqueKeysWithValues: ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map { ($0, dayHours) })))

    static let all: JSONValue = [
        "Object": ["type": "object"],
        "Error": object(
            [
                "success": boolean, "error": string, "code": string,
                "details": ["type": "object", "additionalProperties": array(string)],
                "timestamp": dateTime, "requestId": string,
            ], required: ["success", "error", "code", "timestamp", "requestId"]),
        "Pagination": object(["page": integer, "limit": integer, "total": integer, "pages": integer]),
        "Event": object(
            [
                "id": ["type": "string", "pattern": "^evt_[0-9]+$"],
                "type": enumeration(EventType.allCases.map(\.rawValue)),
                "data": ["type": "object", "description": "The resource as the API shows it: a call, a transcript turn, a lead, an appointment (moved: with previous_scheduled_date), a message, an agent's status"],
                "timestamp": dateTime,
            ], required: ["id", "type", "data", "timestamp"]),
        "WebhookRequest": object(
            [
                "business_id": id, "url": ["type": "string", "format": "uri", "maxLength": 2000, "description": "http(s); not a loopback or private address"],
                "events": ["type": "array", "minItems": 1, "maxItems": 50, "items": enumeration(["*"] + EventType.allCases.map(\.rawValue)), "description": "[\"*\"] (the default) or the types wanted"],
                "description": text(max: 500),
            ], required: ["business_id", "url"]),
        "WebhookUpdate": object([
            "url": ["type": "string", "format": "uri", "maxLength": 2000],
            "events": ["type": "array", "minItems": 1, "maxItems": 50, "items": enumeration(["*"] + EventType.allCases.map(\.rawValue))],
            "description": text(max: 500), "status": enumeration(WebhookEndpointStatus.allCases.map(\.rawValue)),
        ]),
        "WebhookEndpoint": object([
            "id": string, "business_id": string, "url": string, "events": array(string), "description": nullableString,
            "status": enumeration(WebhookEndpointStatus.allCases.map(\.rawValue)), "disabled_reason": nullableString,
            "secret": ["type": "string", "description": "whsec_ + base64 (Standard Webhooks); only in the answer to POST"],
            "created_at": dateTime, "updated_at": dateTime,
        ]),
        "WebhookEndpointList": list("webhooks", "WebhookEndpoint"),
        "WebhookDelivery": object([
            "id": string, "endpoint_id": string, "event_id": string, "event_type": enumeration(EventType.allCases.map(\.rawValue)),
            "status": enumeration(WebhookDeliveryStatus.allCases.map(\.rawValue)), "attempts": integer,
            "next_attempt_at": ["type": ["string", "null"], "format": "date-time"], "last_status_code": ["type": ["integer", "null"]],
            "last_error": nullableString, "last_latency_ms": ["type": ["number", "null"]], "created_at": dateTime, "updated_at": dateTime,
            "delivered_at": ["type": ["string", "null"], "format": "date-time"],
            "attempt_log": array(object([
                "number": integer, "attempted_at": dateTime, "status_code": ["type": ["integer", "null"]], "error": nullableString,
                "latency_ms": number,
            ])),
        ]),
        "WebhookDeliveryList": list("deliveries", "WebhookDelivery"),
        "Notification": object([
            "id": string, "business_id": string, "user_id": string, "type": enumeration(NotificationCategory.allCases.map(\.rawValue)),
            "reason": string, "title": string, "message": string, "data": ["type": "object"],
            "status": enumeration(NotificationStatus.allCases.map(\.rawValue)), "created_at": dateTime,
            "read_at": ["type": ["string", "null"], "format": "date-time"],
        ]),
        "NotificationList": object([
            "notifications": array(OpenAPIDocument.ref("Notification")), "unread": integer, "pagination": OpenAPIDocument.ref("Pagination"),
        ]),
        "NotificationsMarked": object(["marked": integer]),
        "WorkflowRequest": object(
            [
                "business_id": id, "name": ["type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"],
                "status": enumeration(WorkflowStatus.allCases.map(\.rawValue)), "trigger": workflowTrigger,
                "conditions": ["type": "array", "maxItems": 20, "items": workflowCondition], "actions": workflowActions,
                "allow_reentry": boolean, "goal": ["type": "array", "maxItems": 20, "items": workflowCondition],
            ], required: ["business_id", "name", "trigger", "actions"]),
        "WorkflowUpdate": object([
            "name": ["type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"], "status": enumeration(WorkflowStatus.allCases.map(\.rawValue)),
            "trigger": workflowTrigger, "conditions": ["type": "array", "maxItems": 20, "items": workflowCondition], "actions": workflowActions,
            "allow_reentry": boolean, "goal": ["type": "array", "maxItems": 20, "items": workflowCondition],
        ]),
        "Workflow": object([
            "id": string, "business_id": string, "name": string, "status": enumeration(WorkflowStatus.allCases.map(\.rawValue)),
            "trigger": ["type": "object"], "conditions": ["type": "array"], "actions": ["type": "array"], "allow_reentry": boolean, "goal": ["type": "array"],
            "secret": string, "created_at": dateTime, "updated_at": dateTime,
        ]),
        "WorkflowList": object(["workflows": array(OpenAPIDocument.ref("Workflow")), "pagination": OpenAPIDocument.ref("Pagination")]),
        "Enrollment": object([
            "id": string, "workflow_id": string, "lead_id": string, "status": enumeration(EnrollmentStatus.allCases.map(\.rawValue)), "step": integer,
            "context": ["type": "object"], "log": ["type": "array"], "source": string, "created_at": dateTime, "updated_at": dateTime,
            "finished_at": ["type": ["string", "null"], "format": "date-time"],
        ]),
        "EnrollmentList": object(["enrollments": array(OpenAPIDocument.ref("Enrollment")), "pagination": OpenAPIDocument.ref("Pagination")]),
        "LeadAudience": object([
            "lead_ids": ["type": "array", "minItems": 1, "maxItems": 10_000, "items": ["type": "string", "minLength": 1, "maxLength": 100]],
            "status": enumeration(LeadStatus.allCases.map(\.rawValue)), "source": enumeration(LeadSource.allCases.map(\.rawValue)),
            "min_score": ["type": "integer", "minimum": 0, "maximum": 100], "max_score": ["type": "integer", "minimum": 0, "maximum": 100],
            "tag": ["type": "string", "minLength": 1, "maxLength": 50],
        ]),
        "BulkEnrollmentRequest": object(
            [
                "filter": OpenAPIDocument.ref("LeadAudience"), "start_at": dateTime,
                "per_minute": ["type": "integer", "minimum": 1, "maximum": 60_000],
            ], required: ["filter"]),
        "BulkEnrollment": object([
            "workflow_id": string, "matched": integer, "enrolled": integer, "already_enrolled": integer, "conditions_not_met": integer,
            "first_step_at": dateTime, "last_step_at": ["type": ["string", "null"], "format": "date-time"],
        ]),
        "CampaignRequest": object(
            [
                "business_id": id, "name": ["type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"], "workflow_id": string,
                "audience": OpenAPIDocument.ref("LeadAudience"), "start_at": dateTime,
                "per_minute": ["type": ["integer", "null"], "minimum": 1, "maximum": 60_000], "status": enumeration(["draft", "scheduled"]),
            ], required: ["business_id", "name", "workflow_id", "audience", "start_at"]),
        "CampaignUpdate": object([
            "name": ["type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"], "workflow_id": string,
            "audience": OpenAPIDocument.ref("LeadAudience"), "start_at": dateTime,
            "per_minute": ["type": ["integer", "null"], "minimum": 1, "maximum": 60_000], "status": enumeration(["draft", "scheduled", "cancelled"]),
        ]),
        "Campaign": object([
            "id": string, "business_id": string, "name": string, "workflow_id": string, "status": enumeration(CampaignStatus.allCases.map(\.rawValue)),
            "audience": ["type": "object"], "start_at": dateTime, "per_minute": ["type": ["integer", "null"]], "matched": integer, "enrolled": integer,
            "progress": object(["active": integer, "completed": integer, "exited": integer, "failed": integer]),
            "started_at": ["type": ["string", "null"], "format": "date-time"], "created_at": dateTime, "updated_at": dateTime,
        ]),
        "CampaignList": object(["campaigns": array(OpenAPIDocument.ref("Campaign")), "pagination": OpenAPIDocument.ref("Pagination")]),
        "TemplateRequest": object(
            [
                "business_id": id, "name": ["type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"],
                "channel": enumeration(TemplateChannel.allCases.map(\.rawValue)), "subject": ["type": "string", "minLength": 1, "maxLength": 200],
                "body": ["type": "string", "minLength": 1, "maxLength": 20_000, "pattern": "\\S"],
            ], required: ["business_id", "name", "channel", "body"]),
        "TemplateUpdate": object([
            "name": ["type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"], "channel": enumeration(TemplateChannel.allCases.map(\.rawValue)),
            "subject": ["type": "string", "minLength": 1, "maxLength": 200], "body": ["type": "string", "minLength": 1, "maxLength": 20_000, "pattern": "\\S"],
        ]),
        "Template": object([
            "id": string, "business_id": string, "name": string, "channel": enumeration(TemplateChannel.allCases.map(\.rawValue)),
            "subject": nullableString, "body": string, "variables": array(string), "created_at": dateTime, "updated_at": dateTime,
        ]),
        "TemplateList": object(["templates": array(OpenAPIDocument.ref("Template")), "pagination": OpenAPIDocument.ref("Pagination")]),
        "TemplatePreviewRequest": object(["lead_id": string], required: ["lead_id"]),
        "PipelineStageRequest": object(
            [
                "id": ["type": "string", "pattern": "^[a-z0-9_-]{1,50}$"], "name": ["type": "string", "minLength": 1, "maxLength": 100, "pattern": "\\S"],
                "probability": ["type": "integer", "minimum": 0, "maximum": 100],
            ], required: ["name"]),
        "PipelineRequest": object(
            [
                "business_id": id, "name": ["type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"],
                "stages": ["type": "array", "minItems": 1, "maxItems": 20, "items": OpenAPIDocument.ref("PipelineStageRequest")],
            ], required: ["business_id", "name"]),
        "PipelineUpdate": object([
            "name": ["type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"],
            "stages": ["type": "array", "minItems": 1, "maxItems": 20, "items": OpenAPIDocument.ref("PipelineStageRequest")],
        ]),
        "Pipeline": object([
            "id": string, "business_id": string, "name": string,
            "stages": array(object(["id": string, "name": string, "probability": integer, "open_count": integer, "open_value": number])),
            "open_value": number, "weighted_value": number, "created_at": dateTime, "updated_at": dateTime,
        ]),
        "PipelineList": object(["pipelines": array(OpenAPIDocument.ref("Pipeline")), "pagination": OpenAPIDocument.ref("Pagination")]),
        "OpportunityRequest": object([
            "name": ["type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"], "lead_id": nullableString, "stage": string,
            "value": ["type": "number", "minimum": 0, "maximum": 999_999_999_999], "status": enumeration(OpportunityStatus.allCases.map(\.rawValue)),
            "owner_id": nullableString, "notes": ["type": ["string", "null"], "maxLength": 5000],
        ]),
        "Opportunity": object([
            "id": string, "business_id": string, "pipeline_id": string, "stage": string, "name": string, "lead_id": nullableString, "value": number,
            "status": enumeration(OpportunityStatus.allCases.map(\.rawValue)), "owner_id": nullableString, "notes": nullableString,
            "created_at": dateTime, "updated_at": dateTime, "closed_at": ["type": ["string", "null"], "format": "date-time"],
        ]),
        "OpportunityList": object(["opportunities": array(OpenAPIDocument.ref("Opportunity")), "pagination": OpenAPIDocument.ref("Pagination")]),
        "TemplatePreview": object([
            "channel": enumeration(TemplateChannel.allCases.map(\.rawValue)), "to": nullableString, "subject": nullableString, "body": string,
        ]),
        "Job": object([
            "id": string, "business_id": string, "kind": enumeration(JobKind.allCases.map(\.rawValue)), "key": string, "payload": ["type": "object"],
            "due_at": dateTime, "status": enumeration(JobStatus.allCases.map(\.rawValue)), "attempts": integer,
            "lease_until": ["type": ["string", "null"], "format": "date-time"], "result": ["type": ["string", "null"]], "created_at": dateTime,
            "finished_at": ["type": ["string", "null"], "format": "date-time"],
        ]),
        "JobList": object(["jobs": array(OpenAPIDocument.ref("Job")), "pagination": OpenAPIDocument.ref("Pagination")]),
        "Dashboard": object([
            "summary": object([
                "total_leads": integer, "qualified_leads": integer, "conversion_rate": number, "total_revenue": number, "avg_deal_size": number,
            ]),
            "trends": object(["leads_this_month": integer, "leads_growth": number, "revenue_this_month": number, "revenue_growth": number]),
            "source_breakdown": ["type": "object", "additionalProperties": integer],
            "receptionist": object(["calls": integer, "answered": integer, "booked": integer, "booking_rate": number, "text_conversations": integer]),
            "timezone": string,
        ]),
        "CallEnded": object(["call_id": string]),
        "MemberList": object([
            "members": array(object([
                "user_id": string, "email": string, "first_name": nullableString, "last_name": nullableString, "role": string,
                "created_at": dateTime,
            ])),
        ]),
        "Daily": object([
            "timezone": string,
            "days": array(dailyDay), "today": dailyDay, "period": dailyDay,
            "turn_latency_today": latencySummary, "turn_latency_period": latencySummary,
        ]),
        "AIPerformance": object([
            "agents": array(object([
                "agent_id": string, "name": string, "status": string,
                "metrics": object([
                    "total_interactions": integer, "calls": integer, "text_conversations": integer, "successful_interactions": integer,
                    "resolved_without_human_rate": number, "escalations": integer, "booking_conversion": number, "average_turns": number,
                    "turn_latency": object(["turns": integer, "p50_ms": integer, "p95_ms": integer]), "avg_response_time": number,
                    "llm_prompt_tokens": integer, "llm_completion_tokens": integer, "llm_cost": number, "cost_per_interaction": number,
                    "lead_qualification_rate": number, "minutes_handled": number,
                ]),
            ])),
            "overall": object([
                "total_cost": number, "total_savings": ["type": ["number", "null"]], "automation_rate": number, "total_interactions": integer,
                "minutes_handled": number,
            ]),
        ]),
        "Integration": object([
            "id": string, "name": string, "type": string, "category": string, "status": enumeration(["connected", "embedded", "not_configured"]),
            "config": ["type": "object", "additionalProperties": string], "last_sync": ["type": ["string", "null"], "format": "date-time"],
            "setup": string,
        ]),
        "IntegrationList": object(["integrations": array(OpenAPIDocument.ref("Integration"))]),
        "IntegrationConnect": object([
            "credentials": object(["webhookUrl": ["type": "string", "format": "uri", "maxLength": 2000], "apiKey": string]),
            "config": object([
                "dataTypes": ["type": "array", "items": enumeration(["leads", "messages", "calls", "appointments", "notifications", "agents"])],
                "syncFrequency": string,
            ]),
        ]),
        "IntegrationConnected": object(["integration": OpenAPIDocument.ref("Integration"), "webhook": OpenAPIDocument.ref("WebhookEndpoint")]),
        "AchievementList": object([
            "achievements": array(object([
                "id": string, "title": string, "description": string, "category": string, "rarity": string, "points": integer,
                "unlocked_at": ["type": ["string", "null"], "format": "date-time"],
                "progress": object(["current": integer, "target": integer, "percentage": integer]),
            ])),
            "progress": object(["total_unlocked": integer, "total_available": integer, "points": integer]),
        ]),
        "Preferences": object([
            "business_id": string, "user_id": string, "phone": nullablePhone, "email": ["type": ["boolean", "null"]], "sms": boolean,
            "quiet_hours": ["type": ["object", "null"], "properties": ["start": wallClock, "end": wallClock]], "email_effective": boolean,
        ]),
        "PreferencesRequest": object(
            [
                "business_id": id, "phone": nullablePhone, "email": ["type": ["boolean", "null"]], "sms": boolean,
                "quiet_hours": [
                    "oneOf": [object(["start": wallClock, "end": wallClock], required: ["start", "end"]), ["type": "null"]],
                    "description": "Local times in the business's zone; end before start runs across midnight",
                ],
            ], required: ["business_id"]),
        "TakeOverRequest": object(["user_id": ["type": "string", "minLength": 1, "maxLength": 100, "description": "The member (default: the caller)"]]),
        "TakeOver": object(["call_id": string, "transfer_to": phone, "conversation": ["type": ["object", "null"]]]),
        "Contact": object([
            "id": string, "business_id": string, "name": nullableString, "phone": nullablePhone, "email": nullableString, "company": nullableString,
            "position": nullableString, "tags": array(string), "status": enumeration(ContactStatus.allCases.map(\.rawValue)), "notes": nullableString,
            "last_contact_date": ["type": ["string", "null"], "format": "date-time"], "created_at": dateTime, "updated_at": dateTime,
        ]),
        "ContactList": object(["contacts": array(OpenAPIDocument.ref("Contact")), "total": integer, "pagination": OpenAPIDocument.ref("Pagination")]),
        "ContactDetail": object([
            "id": string, "business_id": string, "name": nullableString, "tags": array(string), "lead_ids": array(string),
            "conversations": array(OpenAPIDocument.ref("Conversation")),
        ]),
        "ContactRequest": object([
            "business_id": id, "name": text(max: 200), "email": email, "phone": phone, "company": text(max: 200), "position": text(max: 200),
            "tags": ["type": "array", "maxItems": 50, "items": text(max: 50, min: 1)], "status": enumeration(ContactStatus.allCases.map(\.rawValue)),
            "notes": text(max: 10_000),
        ]),
        "Conversation": object([
            "id": string, "business_id": string, "contact_id": string, "lead_id": nullableString,
            "channel": enumeration(ThreadChannel.allCases.map(\.rawValue)), "status": enumeration(ThreadStatus.allCases.map(\.rawValue)),
            "assignee_id": nullableString, "assigned_at": ["type": ["string", "null"], "format": "date-time"], "unread_count": integer,
            "last_message": [
                "type": ["object", "null"],
                "properties": ["content": string, "timestamp": dateTime, "sender": enumeration(ThreadSender.allCases.map(\.rawValue))],
            ],
            "contact": ["type": ["object", "null"]], "lead_name": nullableString, "created_at": dateTime, "updated_at": dateTime,
        ]),
        "ConversationList": list("conversations", "Conversation"),
        "ConversationDetail": object([
            "id": string, "channel": enumeration(ThreadChannel.allCases.map(\.rawValue)), "assignee_id": nullableString, "unread_count": integer,
            "history": array(object([
                "id": string, "conversation_id": string, "kind": enumeration(ConversationChangeKind.allCases.map(\.rawValue)),
                "actor_id": nullableString, "assignee_id": nullableString, "note": nullableString, "created_at": dateTime,
            ])),
        ]),
        "ThreadMessageList": list("messages", "ThreadMessage"),
        "ThreadMessage": object([
            "id": string, "conversation_id": string, "lead_id": nullableString, "channel": enumeration(ThreadChannel.allCases.map(\.rawValue)),
            "sender": enumeration(ThreadSender.allCases.map(\.rawValue)), "sender_id": nullableString, "content": string, "timestamp": dateTime,
            "status": nullableString, "call_id": nullableString,
        ]),
        "LeadMessage": object([
            "id": string, "lead_id": nullableString, "conversation_id": nullableString, "channel": enumeration(MessageChannel.allCases.map(\.rawValue)),
            "direction": enumeration(MessageDirection.allCases.map(\.rawValue)), "content": string, "subject": nullableString,
            "sender": enumeration(ThreadSender.allCases.map(\.rawValue)), "sender_id": nullableString, "timestamp": dateTime,
            "status": enumeration(MessageStatus.allCases.map(\.rawValue)), "error": nullableString,
        ]),
        "LeadMessageList": list("messages", "LeadMessage"),
        "InboxMessageRequest": object(
            [
                "lead_id": id, "conversation_id": id, "content": text(max: 100_000, min: 1),
                "channel": enumeration(MessageChannel.allCases.map(\.rawValue)), "subject": text(max: 200, min: 1),
            ], required: ["content"]),
        "InboxMessageSent": object(["message": OpenAPIDocument.ref("LeadMessage"), "conversation": ["type": ["object", "null"]]]),
        "AssignRequest": object([
            "assignee_id": ["type": "string", "minLength": 1, "maxLength": 100, "description": "A member of the business (default: the caller)"],
            "note": text(max: 1000),
        ]),
        "Probe": object(["status": enumeration(["alive", "ready"]), "uptime": integer, "version": string], required: ["status", "uptime", "version"]),
        "Health": object([
            "overall": enumeration(["healthy", "unhealthy"]),
            "checks": array(object(["name": string, "status": string, "message": string, "duration": number, "timestamp": dateTime])),
            "timestamp": dateTime, "version": string, "uptime": integer, "environment": string,
            "media": object([
                "active_streams": integer, "streams": integer, "frames_in": integer, "frames_out": integer, "frames_lost": integer,
                "schedule_resets": integer, "frames_unsent": integer, "barge_ins": integer, "lateness_p50_ms": number, "lateness_p99_ms": number,
                "lateness_max_ms": number, "lateness_histogram": array(array(number)), "interval_jitter_p50_ms": number,
                "interval_jitter_p99_ms": number, "interval_jitter_histogram": array(array(number)), "recordings_pending": integer,
            ]),
        ]),
        "RegisterRequest": object(
            ["email": email, "password": password, "business_name": nonEmpty,
             "first_name": ["type": ["string", "null"], "maxLength": 100], "last_name": ["type": ["string", "null"], "maxLength": 100]],
            required: ["email", "password", "business_name"]),
        "LoginRequest": object(["email": string, "password": string], required: ["email", "password"]),
        "RefreshRequest": object(["refresh_token": id], required: ["refresh_token"]),
        "ForgotPasswordRequest": object(["email": email], required: ["email"]),
        "ResetPasswordRequest": object(["token": id, "password": password], required: ["token", "password"]),
        "TokenResponse": object([
            "token": string, "refresh_token": string, "token_type": string, "expires_in": integer,
            "user": object(["id": string, "email": string, "business_id": string, "role": enumeration(["admin", "user", "agent"])]),
        ]),
        "BusinessSettings": object([
            "timezone": ["type": "string", "enum": JSONValue(zones), "description": "IANA zone (region/city, or UTC), e.g. America/New_York"],
            "business_hours": weeklyHours,
            "date_overrides": [
                "type": "object", "additionalProperties": dayHours, "propertyNames": ["pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"],
                "description": "YYYY-MM-DD → hours ([] = closed)",
            ],
            "services": array(object(
                ["name": ["type": "string", "minLength": 1, "maxLength": 100, "pattern": "\\S"], "price": ["type": "number", "minimum": 0, "maximum": 999_999_999_999.99],
                 "duration": ["type": "integer", "minimum": 5, "maximum": 480]],
                required: ["name"])),
            "fallback_number": nullablePhone, "address": ["type": ["string", "null"], "maxLength": 500], "phone": nullablePhone,
            "recording_announcement": [
                "type": ["string", "null"], "maxLength": 300,
                "description": "Said before the greeting on recorded calls (recording consent); null or blank: nothing",
            ],
            "follow_ups": object([
                "reminder_offsets_minutes": [
                    "type": "array", "items": range(15, 20_160), "maxItems": 5, "uniqueItems": true,
                    "description": "Reminders this many minutes before each appointment (default [1440, 60])",
                ],
                "quiet_hours": [
                    "oneOf": [object(["start": wallClock, "end": wallClock], required: ["start", "end"]), ["type": "null"]],
                    "description": "No follow-up text inside these local hours (default 21:00–08:00); null: any time",
                ],
                "no_show_follow_up": boolean, "missed_call_text_back": boolean,
            ]),
            "booking": object([
                "default_duration": range(5, 480), "slot_interval": range(5, 240), "buffer_before": range(0, 240),
                "buffer_after": range(0, 240), "minimum_notice": range(0, 43_200),
                "max_per_day": ["type": ["integer", "null"], "minimum": 1, "maximum": 1000], "max_days_ahead": range(1, 730),
            ]),
        ]),
        "BusinessRequest": object(
            ["name": nonEmpty, "settings": ["anyOf": [OpenAPIDocument.ref("BusinessSettings"), ["type": "null"]]]], required: ["name"]),
        "BusinessUpdate": object([
            "name": nonEmpty,
            "settings": ["anyOf": [["type": "object", "description": "any keys of BusinessSettings; merged into the stored settings"], ["type": "null"]]],
        ]),
        "Business": object([
            "id": string, "name": string, "settings": OpenAPIDocument.ref("BusinessSettings"), "created_at": dateTime,
            "updated_at": dateTime,
        ]),
        "BusinessList": list("businesses", "Business"),
        "MemberRequest": object(["email": email, "role": enumeration(["admin", "user", "agent"])], required: ["email", "role"]),
        "Membership": object(["user_id": string, "business_id": string, "role": enumeration(["admin", "user", "agent"]), "created_at": dateTime]),
        "AgentRequest": object([
            "business_id": id, "name": text(max: 100, min: 1), "phone_number": phone,
            "voice_settings": object(["voice_id": string, "speed": factor, "pitch": factor, "language": string, "mode": enumeration(["provider", "media"])]),
            "behavior_settings": object([
                "personality": string, "conversation_style": string,
                "escalation_triggers": array(enumeration(["angry", "confused", "requests_human"])), "greeting": string,
                "max_call_duration": ["type": "integer", "minimum": 30, "maximum": 14_400],
                "silence_timeout": ["type": "integer", "minimum": 1, "maximum": 60],
            ]),
            "working_hours": weeklyHours, "status": enumeration(["active", "inactive"]),
        ], required: ["business_id", "name"]),
        "Agent": object([
            "id": string, "business_id": string, "name": string, "phone_number": phone, "voice_settings": ["type": "object"],
            "behavior_settings": ["type": "object"], "working_hours": weeklyHours, "status": enumeration(["active", "inactive"]),
            "is_active": boolean, "started_at": dateTime, "created_at": dateTime, "updated_at": dateTime,
        ]),
        "AgentList": list("agents", "Agent"),
        "ExecuteRequest": object([
            "input": object(["leadId": id, "message": text(max: 2000, min: 1), "context": ["type": "object"]], required: ["message"])
        ], required: ["input"]),
        "ExecuteResult": object([
            "output": object([
                "response": string, "confidence": number,
                "actions": array(object(["type": enumeration([
                    "book_appointment", "reschedule_appointment", "cancel_appointment", "transfer_call", "end_call",
                    "send_sms", "take_message", "update_lead",
                ]), "parameters": ["type": "object"]])),
            ]),
            "usage": object(["inputTokens": integer, "outputTokens": integer, "totalCost": number]),
            "policy": string, "lead": OpenAPIDocument.ref("Lead"),
            "conversation": object(["turn": integer, "ended": boolean, "outcome": nullableString, "kept": boolean]),
        ]),
        "AgentStatus": object([
            "id": string, "status": enumeration(["active", "inactive"]), "active_calls": integer,
            "total_calls_today": integer, "uptime": ["type": "integer", "description": "milliseconds"],
        ]),
        "LeadRequest": object([
            "business_id": id, "phone": phone, "name": text(max: 200), "email": email,
            "source": enumeration(LeadSource.allCases.map(\.rawValue)),
            "status": enumeration(["new", "contacted", "qualified", "unqualified", "converted"]), "notes": text(max: 10_000),
            "company": text(max: 200), "value": ["type": "number", "minimum": 0, "maximum": 999_999_999_999.99],
        ]),
        "Lead": object([
            "id": string, "business_id": string, "phone": phone, "name": string, "email": string, "status": string,
            "source": string, "qualification_score": integer, "score_explanation": ["type": "object"], "notes": string,
            "created_at": dateTime, "updated_at": dateTime, "company": string, "value": number,
        ]),
        "LeadList": list("leads", "Lead"),
        "QualifyRequest": object([
            "criteria": object([
                "budget": enumeration(["high", "medium", "low", "unknown"]),
                "timeline": enumeration(["immediate", "this_week", "this_month", "later", "just_looking", "unknown"]),
                "decision_maker": boolean, "need": string, "urgent": boolean, "callback_requested": boolean,
                "disqualified": enumeration(["spam", "outside_service_area", "existing_customer_support"]),
            ])
        ], required: ["criteria"]),
        "AppointmentRequest": object([
            "business_id": id, "lead_id": id,
            "scheduled_date": [
                "type": "string", "format": "date-time",
                "description": "With a zone; in the future and within the business's booking window (max_days_ahead)",
            ],
            "duration": ["type": "integer", "minimum": 5, "maximum": 480], "type": text(max: 100),
            "notes": text(max: 10_000), "status": enumeration(["scheduled", "confirmed", "completed", "cancelled", "no_show"]),
        ]),
        "Appointment": object([
            "id": string, "business_id": string, "lead_id": nullableString, "scheduled_date": dateTime,
            "duration": integer, "status": string, "type": nullableString, "notes": nullableString, "price": number,
            "created_at": dateTime, "updated_at": dateTime,
        ]),
        "AppointmentList": list("appointments", "Appointment"),
        "Availability": object([
            "business_id": string, "timezone": string, "duration": integer, "start_date": string, "end_date": string,
            "slots": array(object(["start": dateTime, "end": dateTime, "local_date": string, "local_time": string])),
        ]),
        "RemindRequest": object(["method": enumeration(["sms", "email"]), "message": text(max: 1600, min: 1)], required: ["method"]),
        "Call": object([
            "id": string, "business_id": string, "agent_id": nullableString, "lead_id": nullableString, "phone": phone,
            "direction": string, "provider": string, "status": enumeration(["in_progress", "completed", "failed"]),
            "duration": integer, "recording_url": nullableString, "outcome": nullableString, "summary": nullableString,
            "transcript": nullableString, "started_at": dateTime, "ended_at": dateTime, "created_at": dateTime,
            "llm_prompt_tokens": integer, "llm_completion_tokens": integer, "cost": number,
            "purpose": nullableString, "voicemail_message": nullableString,
        ]),
        "CallList": list("calls", "Call"),
        "PlaceCallRequest": object([
            "agent_id": ["type": "string", "minLength": 1, "maxLength": 100, "description": "The agent that calls (its phone_number is the caller id)"],
            "to": ["allOf": [phone], "description": "E.164; or give lead_id"],
            "lead_id": ["type": "string", "minLength": 1, "maxLength": 100],
            "purpose": ["allOf": [text(max: 300, min: 1)], "description": "What the call is about: said in the greeting (\"about your cleaning tomorrow\")"],
            "voicemail_message": ["allOf": [text(max: 1000, min: 1)], "description": "Left on an answering machine after the beep (default: names the business and its number)"],
            "machine_detection": ["type": "boolean", "description": "Tell a person from an answering machine before greeting (default true)"],
        ], required: ["agent_id"]),
        "TelnyxEvent": object([
            "data": object([
                "record_type": string, "event_type": text(max: 200, min: 1), "id": text(max: 200, min: 1), "occurred_at": string,
                "payload": object([:]),
            ], required: ["event_type"]),
            "meta": object([:]),
        ], required: ["data"]),
        "RetellEvent": object(
            ["event": text(max: 200, min: 1), "call": object(["call_id": string, "from_number": string, "to_number": string])],
            required: ["event"]),
        "TwilioVoiceForm": object(
            ["CallSid": ["type": "string", "minLength": 1], "From": string, "To": string, "CallStatus": string, "SpeechResult": string, "Digits": string],
            required: ["CallSid"]),
        "TwilioSMSForm": object(
            ["MessageSid": text(max: 64, min: 1), "From": phone, "To": phone, "Body": string],
            required: ["MessageSid", "From", "To"]),
        "TwiML": string,
        "WebhookReceipt": object(["received": boolean, "duplicate": boolean, "event_id": string, "event_type": string]),
        "CallDetail": object([
            "id": string, "status": string, "outcome": nullableString, "summary": nullableString, "lead_score": ["type": ["integer", "null"], "description": "The lead's score; null while the lead is unscored (or the call has no lead)"],
            "turns": array(object([
                "sequence": integer, "speaker": enumeration(["caller", "agent", "system"]), "text": string,
                "started_at": dateTime, "ended_at": dateTime, "confidence": number, "latency_ms": integer,
                "provider_event_id": string,
            ])),
            "recording_url": nullableString,
            "turn_latencies": array(object([
                "turn": integer, "end_of_turn_ms": number, "transcript_ms": number, "reply_ms": number,
                "first_audio_ms": number, "first_frame_ms": number, "total_ms": number, "first_token_ms": number,
                "speech_to_text_ms": number, "text_to_speech_ms": number, "runtime_ms": number,
            ])),
        ]),
        "SMSRequest": object(["business_id": id, "lead_id": id, "phone": phone, "message": text(max: 1600, min: 1)], required: ["business_id", "message"]),
        "EmailRequest": object(
            ["business_id": id, "lead_id": id, "to": email, "subject": nonEmpty, "content": text(max: 100_000, min: 1)],
            required: ["business_id", "subject", "content"]),
        "Message": object([
            "id": string, "business_id": string, "lead_id": nullableString, "channel": enumeration(["sms", "email"]),
            "direction": enumeration(["outbound", "inbound"]), "to": string, "from": nullableString,
            "subject": nullableString, "body": string,
            "status": enumeration(["queued", "outbox", "sent", "delivered", "failed", "received"]),
            "provider": string, "created_at": dateTime,
        ]),
        "MessageList": list("messages", "Message"),
        "Overview": object([
            "leads": object(["total": integer, "new_today": integer, "qualified": integer, "converted": integer]),
            "appointments": object(["total": integer, "scheduled_today": integer, "completed": integer, "cancelled": integer]),
            "calls": object([
                "total": integer, "today": integer, "average_duration": integer, "success_rate": number,
                "turn_latency": object([
                    "turns": integer, "p50_ms": number, "p95_ms": number, "p99_ms": number, "runtime_p50_ms": number,
                    "runtime_p99_ms": number, "average_stages_ms": ["type": "object"],
                ]),
            ]),
            "revenue": object(["total": number, "this_month": number, "growth_rate": number]),
        ]),
        "ScoredLeads": object([
            "total_scored": integer, "average_score": number,
            "bands": object(["qualified": integer, "warm": integer, "cold": integer]),
            "by_source": ["type": "object"], "top_leads": array(["type": "object"]),
        ]),
    ]
}
