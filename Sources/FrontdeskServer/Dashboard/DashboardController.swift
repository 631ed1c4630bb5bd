import Foundation
import HTTPTypes
import Hummingbird

/// The dashboard at `/`: server-rendered pages over the API, its stylesheet and script.
struct DashboardController {
    let pages: DashboardPages
    let auth: DashboardAuth

    func buildRouter() -> Router<AppRequestContext> {
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: DashboardMiddleware(auth: auth, pages: pages))
        router.get("assets/app.css") { _, _ in Self.asset(DashboardTemplates.css, type: "text/css; charset=utf-8") }
        router.get("assets/app.js") { _, _ in Self.asset(DashboardTemplates.js, type: "text/javascript; charset=utf-8") }
        // No icon yet: an empty answer rather than a redirect to the login page.
        router.get("favicon.ico") { _, _ in Response(status: .noContent) }
        router.get("login", use: pages.loginPage)
        router.post("login", use: pages.login)
        router.post("logout", use: pages.logout)
        router.get("reset", use: pages.resetPage)
        router.post("reset", use: pages.requestReset)
        router.post("reset/new", use: pages.chooseNewPassword)
        router.get("/", use: pages.overview)
        router.get("live", use: pages.live)
        router.get("calls", use: pages.calls)
        router.get("calls/:id", use: pages.call)
        router.get("calls/:id/recording", use: pages.recording)
        router.post("calls/:id/takeover", use: pages.takeOver)
        router.post("calls/:id/hangup", use: pages.hangUp)
        router.get("leads", use: pages.leads)
        router.post("leads/:id/status", use: pages.setLeadStatus)
        router.post("leads/:id/call", use: pages.callLead)
        router.get("calendar") { request, context in try await pages.calendar(request, context: context) }
        router.post("calendar/book", use: pages.book)
        router.post("appointments/:id/cancel", use: pages.cancelAppointment)
        router.post("appointments/:id/move", use: pages.moveAppointment)
        router.get("agents") { request, context in try await pages.agents(request, context: context) }
        router.post("agents/:id/:action", use: pages.agentAction)
        router.post("business/hours", use: pages.saveHours)
        router.get("inbox", use: pages.inbox)
        router.get("inbox/:id") { request, context in try await pages.thread(request, context: context) }
        router.post("inbox/:id/reply", use: pages.reply)
        router.post("inbox/:id/:action", use: pages.threadAction)
        router.get("settings") { request, context in try await pages.settings(request, context: context) }
        router.post("settings/members", use: pages.addMember)
        router.post("settings/preferences", use: pages.savePreferences)
        router.post("settings/webhooks", use: pages.addWebhook)
        router.post("settings/webhooks/:id/delete", use: pages.webhookAction)
        router.post("settings/webhooks/:id/deliveries/:delivery/replay", use: pages.webhookAction)
        return router
    }

    static func asset(_ bytes: [UInt8], type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: .init(bytes: bytes)))
    }
}

/// `/api` and `/metrics` go to the API's router; everything else is the dashboard's.
struct SiteResponder: HTTPResponder {
    typealias Context = AppRequestContext
    let api: RouterResponder<AppRequestContext>
    let dashboard: RouterResponder<AppRequestContext>

    func respond(to request: Request, context: AppRequestContext) async throws -> Response {
        let path = request.uri.path
        if path == "/api" || path.hasPrefix("/api/") || path == "/metrics" || path.hasPrefix("/metrics/") {
            return try await api.respond(to: request, context: context)
        }
        return try await dashboard.respond(to: request, context: context)
    }
}
