import Foundation
import FrontdeskCore
import HTTPTypes
import Hummingbird
import Logging

/// The dashboard's pages: each reads through the API in process and renders a template. A page is a
/// function of the request; what every page shares (the business switcher, the navigation, the form
/// token) is the frame.
struct DashboardPages: Sendable {
    let api: InProcessAPI
    let auth: DashboardAuth
    let templates: DashboardTemplates
    /// The demo login exists (the embedded default): the login page says where to find it.
    let demo: Bool

    /// The business a page is about, with the member's other businesses.
    struct Frame: Sendable {
        let session: DashboardSession
        let business: JSONObject
        let businesses: [JSONObject]
        let format: LocalFormat
        var id: String { business.string("id") ?? "" }
        var settings: JSONObject { business.object("settings") }
    }

    static let navigation: [(label: String, path: String)] = [
        ("Overview", "/"), ("Live calls", "/live"), ("Calls", "/calls"), ("Leads", "/leads"), ("Inbox", "/inbox"),
        ("Calendar", "/calendar"), ("Agents", "/agents"), ("Settings", "/settings"),
    ]

    /// The signed-in member's business named by `?b=` (their first when absent); a business that is
    /// not theirs is not found, as in the API.
    func frame(_ request: Request, context: AppRequestContext) async throws -> Frame {
        guard let session = context.dashboardSession else { throw DashboardFailure.login }
        let answer = try await api.get("/api/businesses", query: ["limit": "100"], token: session.token, context: context)
        if answer.status == .unauthorized { throw DashboardFailure.login }
        let businesses = answer.data.array("businesses")
        let wanted = request.uri.queryParameters["b"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        guard let business = wanted.map({ id in businesses.first { $0.string("id") == id } }) ?? businesses.first else {
            if wanted != nil { throw DashboardFailure.notFound("This business does not exist, or you are not a member of it.") }
            throw DashboardFailure.notFound("You are not a member of any business yet. Create one with POST /api/businesses, or ask an owner to add you.")
        }
        let zone = business.object("settings").string("timezone")
        return Frame(session: session, business: business, businesses: businesses, format: LocalFormat(zoneIdentifier: zone))
    }

    /// A page inside the frame.
    func render(
        _ template: String, title: String, frame: Frame, request: Request, values: [String: Any], failure: FormFailure? = nil,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let path = request.uri.path
        var all = values
        all["title"] = title
        all["csrf"] = frame.session.csrf
        all["path"] = path
        all["business"] = ["id": frame.id, "name": frame.business.string("name") ?? ""]
        all["businesses"] = frame.businesses.map { ["id": $0.string("id") ?? "", "name": $0.string("name") ?? "", "selected": $0.string("id") == frame.id] }
        all["hasSeveralBusinesses"] = frame.businesses.count > 1
        all["nav"] = Self.navigation.map { item in
            ["label": item.label, "href": item.path + "?b=" + frame.id, "current": item.path == "/" ? path == "/" : path.hasPrefix(item.path)]
        }
        if let done = request.uri.queryParameters["done"].flatMap({ Self.flashes[String($0)] }) { all["flash"] = done }
        if let failure { all["failure"] = Self.values(failure) }
        return html(templates.render(template, all), status: failure != nil && status == .ok ? .unprocessableContent : status)
    }

    /// What a finished action says on the page it lands on (by code: no text travels in a URL).
    static let flashes: [String: String] = [
        "logged_out": "You are logged out.", "password_reset": "Your password is changed; log in with it.",
        "status_saved": "Lead status saved.", "booked": "Appointment booked.", "cancelled": "Appointment cancelled.",
        "moved": "Appointment moved.", "hours_saved": "Business hours saved.", "agent_started": "Agent started.",
        "agent_stopped": "Agent stopped.", "assigned": "The conversation is yours: the receptionist stays quiet on it.",
        "released": "The conversation is back with the receptionist.", "sent": "Message sent.", "taken_over": "The call is being transferred to you.", "hung_up": "The caller hears a goodbye, then the call ends.",
        "member_added": "Member added.", "webhook_added": "Webhook endpoint added. Its secret is shown once, below.", "webhook_removed": "Webhook endpoint removed.",
        "preferences_saved": "Notification preferences saved.", "replayed": "Delivery queued again.", "voice_saved": "Voice mode saved.",
        "closed": "Conversation closed.", "reopened": "Conversation reopened.",
        "call_placed": "Calling the lead now: the call appears here once they answer.",
    ]

    static func values(_ failure: FormFailure) -> [String: Any] {
        var fields: [String: Any] = [:]
        for (name, problem) in failure.fields {
            // `settings.business_hours.monday` → also reachable as `settings_business_hours_monday`.
            fields[name.replacingOccurrences(of: ".", with: "_")] = problem
            fields[name] = problem
        }
        let list = failure.fields.sorted { $0.key < $1.key }.map { ["field": $0.key.replacingOccurrences(of: "_", with: " "), "problem": $0.value] }
        return ["message": failure.message, "code": failure.code as Any?, "fields": fields, "fieldList": list]
    }

    func html(_ body: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: .init(string: body)))
    }

    func redirect(_ location: String, cookies: [String] = []) -> Response {
        var headers: HTTPFields = [.location: location]
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }

    /// The business a form acts for (`?b=`; the API checks the member belongs to it).
    static func business(of request: Request) -> String {
        request.uri.queryParameters["b"].map(String.init) ?? ""
    }

    /// A form's action: its token checked, `send` to the API, then on to `location` — or, refused, the
    /// answer `refused` makes of the API's error (the page again with what was typed, or a short page).
    func act(
        _ request: Request, context: AppRequestContext, then location: String,
        send: (DashboardForm, DashboardSession) async throws -> InProcessAPI.Answer,
        refused: (FormFailure, HTTPResponse.Status, DashboardForm) async throws -> Response
    ) async throws -> Response {
        let (form, session) = try await checkedForm(request, context: context)
        let answer = try await send(form, session)
        if let failure = answer.failure { return try await refused(failure, answer.status, form) }
        return redirect(location)
    }

    /// A refused action shown as a short page naming what did not happen.
    func refusal(_ heading: String, request: Request, context: AppRequestContext) -> (FormFailure, HTTPResponse.Status, DashboardForm) async throws -> Response {
        { failure, status, _ in
            let frame = try await frame(request, context: context)
            return render("error", title: heading, frame: frame, request: request, values: ["heading": heading, "detail": failure.message], status: status)
        }
    }

    /// A form's token checked against the session's; a mismatch is refused before anything is read.
    func checkedForm(_ request: Request, context: AppRequestContext) async throws -> (DashboardForm, DashboardSession) {
        guard let session = context.dashboardSession else { throw DashboardFailure.login }
        let form = try await DashboardForm.read(request, context: context)
        guard auth.checks(form["_csrf"], session: session) else { throw DashboardFailure.staleForm }
        return (form, session)
    }

    /// Failures as pages: to the login page, or a short page saying what happened.
    func failure(_ error: any Error, request: Request, context: AppRequestContext) -> Response {
        let (status, heading, detail): (HTTPResponse.Status, String, String)
        switch error {
        case DashboardFailure.login:
            let back = request.method == .get && request.uri.path != "/" ? "?next=" + (request.uri.path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "") : ""
            return redirect("/login" + back)
        case DashboardFailure.redirect(let location):
            return redirect(location)
        case DashboardFailure.forbidden(let why): (status, heading, detail) = (.forbidden, "Not allowed", why)
        case DashboardFailure.notFound(let why): (status, heading, detail) = (.notFound, "Not found", why)
        case DashboardFailure.staleForm:
            (status, heading, detail) = (.forbidden, "This form has expired", "Reload the page and try again (the form was opened before your last log-in, or did not come from this dashboard).")
        default:
            let appError = ErrorMapping.appError(from: error, logger: context.logger)
            (status, heading, detail) = (ErrorMapping.status(for: appError.code), "Something went wrong", appError.message)
        }
        let page = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTMLText.escape(heading)) · Frontdesk</title><link rel="stylesheet" href="/assets/app.css?v=\(templates.assetVersion)"></head>
            <body><main class="login" id="content"><h1>\(HTMLText.escape(heading))</h1><p>\(HTMLText.escape(detail))</p>
            <p><a href="/">Back to the dashboard</a></p><p class="muted">Request \(HTMLText.escape(context.requestId))</p></main></body></html>
            """
        return html(page, status: status)
    }
}
