import Foundation
import FrontdeskCore
import FrontdeskStore
import Hummingbird

/// The CRM seed's `/api/integrations`: what a business's receptionist is connected to. The carriers,
/// the model and the speech providers are the operator's (environment variables, docs/providers.md):
/// they are listed as connected, embedded or not configured, and cannot be connected from here. The
/// business's own integration is its outbound webhooks: `POST /api/integrations/webhooks/connect` adds
/// an endpoint (as `POST /api/webhooks`) for the data types asked for.
struct IntegrationController {
    let store: Store
    let configuration: AppConfiguration
    /// Whether a Telnyx client is set up (TELNYX_API_KEY, or one given to `buildApplication`).
    let telnyxConnected: Bool
    let tenancy: Tenancy
    let webhooks: WebhookController

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.post(":id/connect", use: connect)
    }

    struct Integration: Encodable, Sendable {
        let id: String
        let name: String
        let type: String
        let category: String
        /// `connected`, `embedded` (the built-in default works without one), or `not_configured`.
        let status: String
        /// What is set up, never a secret.
        let config: [String: String]
        /// The last successful delivery (webhooks), else null.
        let lastSync: Date?
        /// How it is connected: where the operator sets it, or the route that does.
        let setup: String

        enum CodingKeys: String, CodingKey {
            case id, name, type, category, status, config, setup
            case lastSync = "last_sync"
        }
    }

    struct ListView: Encodable, Sendable {
        let integrations: [Integration]
    }

    /// `GET /api/integrations?business_id=`.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> APIResponse<ListView> {
        let claims = try context.requireUser()
        let business = try await tenancy.businessId(QueryReader(request).string("business_id"), for: claims)
        return APIResponse(ListView(integrations: try await integrations(business)))
    }

    func integrations(_ business: BusinessID) async throws -> [Integration] {
        let c = configuration
        let host = { (url: URL?) in url?.host ?? "" }
        let endpoints = try await store.webhooks.list(business: business, page: PageRequest(page: 1, limit: 100)).items
        let active = endpoints.filter { $0.status == .active }
        var lastSync: Date?
        for endpoint in active {
            let delivered = try await store.webhooks.deliveries(endpoint: endpoint.id, status: .succeeded, page: PageRequest(page: 1, limit: 1)).items
            if let at = delivered.first?.deliveredAt { lastSync = max(lastSync ?? at, at) }
        }
        func status(_ configured: Bool, embedded: Bool = false) -> String { configured ? "connected" : embedded ? "embedded" : "not_configured" }
        return [
            Integration(
                id: "telnyx", name: "Telnyx", type: "telephony", category: "voice_and_sms", status: status(telnyxConnected),
                config: !telnyxConnected ? [:] : ["api_base": host(c.telnyxAPIBase), "webhooks_signed": c.telnyxPublicKey == nil ? "no" : "yes"],
                lastSync: nil, setup: "TELNYX_API_KEY and TELNYX_PUBLIC_KEY (operator)"),
            Integration(
                id: "twilio", name: "Twilio", type: "telephony", category: "voice_and_sms", status: status(c.twilioAuthToken != nil),
                config: c.twilioAccountSID.map { ["account_sid": String($0.prefix(6)) + "…"] } ?? [:], lastSync: nil,
                setup: "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (operator)"),
            Integration(
                id: "retell", name: "Retell", type: "voice_agent", category: "voice", status: status(c.retellAPIKey != nil), config: [:],
                lastSync: nil, setup: "RETELL_API_KEY (operator)"),
            Integration(
                id: "llm", name: c.llmModel ?? "Language model", type: "llm", category: "conversation",
                status: status(c.llmBaseURL != nil, embedded: true),
                config: c.llmBaseURL == nil ? ["policy": "scripted"] : ["host": host(c.llmBaseURL), "model": c.llmModel ?? "gpt-4o-mini"],
                lastSync: nil, setup: "LLM_BASE_URL, LLM_API_KEY, LLM_MODEL (operator); the scripted policy without"),
            Integration(
                id: "speech", name: "Speech", type: "speech", category: "voice",
                status: status(c.sttProvider != nil, embedded: true),
                config: ["speech_to_text": c.sttProvider ?? "none", "text_to_speech": c.ttsProvider], lastSync: nil,
                setup: "STT_PROVIDER, TTS_PROVIDER (operator); espeak-ng offline by default"),
            Integration(
                id: "email", name: "Email", type: "email", category: "notifications", status: "embedded", config: ["delivery": "outbox"],
                lastSync: nil, setup: "the outbox (GET /api/emails); no email provider yet"),
            Integration(
                id: "webhooks", name: "Webhooks", type: "webhooks", category: "data_sync", status: active.isEmpty ? "not_configured" : "connected",
                config: ["endpoints": String(active.count)], lastSync: lastSync,
                setup: "POST /api/integrations/webhooks/connect or POST /api/webhooks (admins)"),
        ]
    }

    struct ConnectBody: Decodable {
        struct Credentials: Decodable {
            let webhookUrl: String?
            let apiKey: String?
        }
        struct Config: Decodable {
            let dataTypes: [String]?
            let syncFrequency: String?
        }
        let credentials: Credentials?
        let config: Config?
    }

    /// The seed's data types, as event types.
    static let dataTypes: [String: [EventType]] = [
        "leads": [.leadCreated, .leadUpdated, .leadQualified],
        "messages": [.messageReceived, .messageSent, .conversationAssigned],
        "calls": [.callStarted, .callEnded, .transcriptTurn],
        "appointments": [.appointmentBooked, .appointmentMoved, .appointmentCancelled],
        "notifications": [.notificationCreated],
        "agents": [.agentStatus],
    ]

    struct Connected: Encodable, Sendable {
        let integration: Integration
        let webhook: WebhookController.EndpointView
    }

    /// `POST /api/integrations/{id}/connect` (admins) `{"credentials": {"webhookUrl"}, "config": {"dataTypes": ["leads", "messages"]}}`.
    @Sendable func connect(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Connected> {
        let claims = try context.requireUser()
        let id = context.parameters.get("id") ?? ""
        let business = try await tenancy.businessId(QueryReader(request).string("business_id"), for: claims, minimum: .admin)
        var request = request
        let body = try await request.decodeJSON(ConnectBody.self, context: context)
        guard let known = try await integrations(business).first(where: { $0.id == id }) else { throw AppError.notFound("Integration") }
        guard known.id == "webhooks" else {
            throw AppError.validation(field: "id", "\(known.name) is set up by the operator: \(known.setup)")
        }
        var validator = Validator()
        let url = body.credentials?.webhookUrl ?? ""
        validator.check(!url.isEmpty, "credentials.webhookUrl", "is required")
        var events: EventSelection = .all
        if let types = body.config?.dataTypes {
            let unknown = types.filter { Self.dataTypes[$0] == nil }
            validator.check(!types.isEmpty, "config.dataTypes", "must name at least one")
            validator.check(unknown.isEmpty, "config.dataTypes", "must be among \(Self.dataTypes.keys.sorted().joined(separator: ", "))")
            if unknown.isEmpty, !types.isEmpty {
                events = EventSelection(names: types.flatMap { Self.dataTypes[$0]! }.map(\.rawValue)) ?? .all
            }
        }
        try validator.throwIfInvalid()
        let endpoint = try await webhooks.add(business: business, url: url, events: events, description: "Connected through /api/integrations")
        let updated = try await integrations(business).first { $0.id == "webhooks" }!
        return APIResponse(
            Connected(integration: updated, webhook: WebhookController.EndpointView(endpoint, showingSecret: true)), status: .created,
            message: "Webhook endpoint connected; keep the secret now, it is not shown again")
    }
}
