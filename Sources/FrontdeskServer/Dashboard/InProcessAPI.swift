import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOFoundationCompat

/// The dashboard is a client of the JSON API, in process: every page reads and every form writes
/// through the same routes, checks, tenancy and events an integrator gets — and the API's error
/// envelope is what a form shows inline. The session's token rides as a bearer, as from any client.
struct InProcessAPI: Sendable {
    let responder: RouterResponder<AppRequestContext>

    /// What a route answered: the envelope's `data`, or its error.
    struct Answer: Sendable {
        let status: HTTPResponse.Status
        let json: JSONObject

        var data: JSONObject { json.object("data") }
        var ok: Bool { (200..<300).contains(status.code) }
        /// The envelope's message and per-field problems, for a form to show.
        var failure: FormFailure? {
            guard !ok else { return nil }
            var fields: [String: String] = [:]
            for (field, problems) in json.object("details").raw {
                if let list = problems as? [Any] { fields[field] = list.compactMap { $0 as? String }.joined(separator: "; ") }
            }
            return FormFailure(message: json.string("error") ?? "The request failed (\(status.code))", code: json.string("code"), fields: fields)
        }
    }

    func get(_ path: String, query: [String: String?] = [:], token: String, context: AppRequestContext) async throws -> Answer {
        try await call(.get, path, query: query, body: nil, token: token, context: context)
    }

    func send(
        _ method: HTTPRequest.Method, _ path: String, query: [String: String?] = [:], body: [String: Any]? = nil, token: String?,
        context: AppRequestContext
    ) async throws -> Answer {
        try await call(method, path, query: query, body: body ?? [:], token: token, context: context)
    }

    /// The route's response as it is (a recording streams through unchanged).
    func raw(_ method: HTTPRequest.Method, _ path: String, token: String, context: AppRequestContext, headers: HTTPFields = [:])
        async throws -> Response
    {
        try await respond(method, path, token: token, headers: headers, body: ByteBuffer(), context: context)
    }

    private func call(
        _ method: HTTPRequest.Method, _ path: String, query: [String: String?], body: [String: Any]?, token: String?,
        context: AppRequestContext
    ) async throws -> Answer {
        var fields = HTTPFields()
        var buffer = ByteBuffer()
        if let body {
            fields[.contentType] = "application/json"
            buffer = ByteBuffer(data: try JSONSerialization.data(withJSONObject: body))
        }
        let response = try await respond(method, path + Self.queryString(query), token: token, headers: fields, body: buffer, context: context)
        let collector = Collector()
        try await response.body.write(collector)
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: collector.buffer))) as? [String: Any] ?? [:]
        return Answer(status: response.status, json: JSONObject(object))
    }

    /// One request to the API's router (its middleware included), as the member, with this page's request id.
    private func respond(
        _ method: HTTPRequest.Method, _ path: String, token: String?, headers: HTTPFields, body: ByteBuffer, context: AppRequestContext
    ) async throws -> Response {
        var fields = headers
        if let token { fields[.authorization] = "Bearer \(token)" }
        fields[APIMiddleware.requestIdHeader] = context.requestId
        let request = Request(
            head: HTTPRequest(method: method, scheme: "http", authority: "frontdesk", path: path, headerFields: fields),
            body: RequestBody(buffer: body))
        var context = context
        context.inProcess = true
        return try await responder.respond(to: request, context: context)
    }

    static func queryString(_ query: [String: String?]) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        let pairs = query.sorted { $0.key < $1.key }.compactMap { key, value -> String? in
            guard let value, !value.isEmpty else { return nil }
            return "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }
        return pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
    }

    /// Gathers a response body in memory (API answers are small: lists are paged).
    private final class Collector: ResponseBodyWriter, @unchecked Sendable {
        var buffer = ByteBuffer()
        func write(_ buffer: ByteBuffer) async throws {
            var buffer = buffer
            self.buffer.writeBuffer(&buffer)
        }
        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}

/// An API error as a form shows it: the message on top, each field's problem beside the field.
struct FormFailure: Sendable {
    let message: String
    let code: String?
    let fields: [String: String]
}

/// A decoded JSON object with typed lookups (the API's answers, read by the pages).
struct JSONObject: @unchecked Sendable {
    let raw: [String: Any]
    init(_ raw: [String: Any]) { self.raw = raw }

    func object(_ key: String) -> JSONObject { JSONObject(raw[key] as? [String: Any] ?? [:]) }
    func array(_ key: String) -> [JSONObject] { (raw[key] as? [Any] ?? []).compactMap { ($0 as? [String: Any]).map(JSONObject.init) } }
    func string(_ key: String) -> String? { raw[key] as? String }
    func int(_ key: String) -> Int? {
        if let value = raw[key] as? Int { return value }
        if let value = raw[key] as? Double { return Int(value) }
        if let value = raw[key] as? NSNumber { return value.intValue }
        return nil
    }
    func double(_ key: String) -> Double? {
        if let value = raw[key] as? Double { return value }
        if let value = raw[key] as? Int { return Double(value) }
        if let value = raw[key] as? NSNumber { return value.doubleValue }
        return nil
    }
    func bool(_ key: String) -> Bool? { raw[key] as? Bool }
    subscript(_ key: String) -> Any? { raw[key] }
}
