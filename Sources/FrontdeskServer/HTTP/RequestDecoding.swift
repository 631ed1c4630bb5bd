import Foundation
import FrontdeskCore
import FrontdeskStore
import FrontdeskWire
import Hummingbird
import NIOCore

extension Request {
    /// Reads the body (at most the configured size: 413 beyond) and decodes it as JSON.
    /// Not JSON → 400; JSON of the wrong shape → 422 with the offending fields.
    mutating func decodeJSON<T: Decodable>(_ type: T.Type, context: AppRequestContext) async throws -> T {
        try Self.decodeJSON(T.self, from: try await collectBody(context: context))
    }

    /// As `decodeJSON`, for a body that may be left out (nil when empty).
    mutating func decodeJSONIfPresent<T: Decodable>(_ type: T.Type, context: AppRequestContext) async throws -> T? {
        let data = try await collectBody(context: context)
        guard !data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else { return nil }
        return try Self.decodeJSON(T.self, from: data)
    }

    /// The raw body, at most the configured size (413 beyond).
    mutating func collectBody(context: AppRequestContext) async throws -> Data {
        Data(try await body.collect(upTo: context.maxBodyBytes).readableBytesView)
    }

    static func decodeJSON<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        guard !data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else {
            throw AppError(.badRequest, "Request body is required (JSON)")
        }
        do {
            return try APIJSON.decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw Self.appError(from: error, body: data)
        }
    }

    static func appError(from error: DecodingError, body: Data) -> AppError {
        func field(_ path: [any CodingKey]) -> String {
            path.reduce("") { name, key in
                if let index = key.intValue { return "\(name)[\(index)]" }
                return name.isEmpty ? key.stringValue : "\(name).\(key.stringValue)"
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            return .validation(field: field(context.codingPath + [key]), "is required")
        case .valueNotFound(_, let context):
            return .validation(field: field(context.codingPath), "must not be null")
        case .typeMismatch(let type, let context):
            if context.codingPath.isEmpty { return AppError(.badRequest, "Request body must be a JSON object") }
            return .validation(field: field(context.codingPath), "must be \(describe(type))")
        case .dataCorrupted(let context):
            // Text that is not JSON at all is a 400 wherever the decoder noticed it.
            if (try? JSONParser.parse(body)) == nil {
                return AppError(.badRequest, "Malformed JSON in request body")
            }
            return .validation(field: field(context.codingPath), context.debugDescription)
        @unknown default:
            return AppError(.badRequest, "Malformed request body")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is [Any].Type: "an array"
        default: type == [String: Any].self ? "an object" : "a valid value"
        }
    }
}

/// Typed reading of query parameters; a bad value is a 422 naming the parameter.
struct QueryReader {
    let parameters: [String: String]

    init(_ request: Request) {
        var parameters: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { parameters[String(key)] = String(value) }
        self.parameters = parameters
    }

    func string(_ name: String) -> String? {
        guard let value = parameters[name], !value.isEmpty else { return nil }
        return value
    }

    func required(_ name: String) throws(AppError) -> String {
        guard let value = string(name) else { throw AppError.validation(field: name, "is required") }
        return value
    }

    func `enum`<E: RawRepresentable & CaseIterable>(_ name: String, _ type: E.Type) throws(AppError) -> E?
    where E.RawValue == String {
        guard let text = string(name) else { return nil }
        guard let value = E(rawValue: text) else {
            throw AppError.validation(
                field: name, "must be one of: " + E.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return value
    }

    /// A whole number in `range`; present but empty or out of range is a 422.
    func int(_ name: String, in range: ClosedRange<Int>) throws(AppError) -> Int? {
        guard let text = parameters[name] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw AppError.validation(field: name, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func bool(_ name: String) throws(AppError) -> Bool? {
        guard let text = string(name)?.lowercased() else { return nil }
        switch text {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw AppError.validation(field: name, "must be true or false")
        }
    }

    /// `page` (from 1) and `limit` (1–100). A present but empty value is refused like any non-number.
    func page() throws(AppError) -> PageRequest {
        var validator = Validator()
        var page = 1
        var limit = 20
        if let text = parameters["page"] {
            if let value = Int(text), (1...1_000_000).contains(value) { page = value } else {
                validator.add("page", "must be a whole number from 1 to 1000000")
            }
        }
        if let text = parameters["limit"] {
            if let value = Int(text), (1...100).contains(value) { limit = value } else {
                validator.add("limit", "must be a whole number from 1 to 100")
            }
        }
        try validator.throwIfInvalid()
        return PageRequest(page: page, limit: limit)
    }

    /// An instant (`2024-01-20T14:00:00Z`) or a date (`2024-01-20`, a day in the business's zone).
    func dateBound(_ name: String) throws(AppError) -> DateBound? {
        guard let text = string(name) else { return nil }
        if let date = LocalDate(text) { return .day(date) }
        if let instant = APIJSON.parseInstant(text) { return .instant(instant) }
        throw AppError.validation(field: name, "must be a date (YYYY-MM-DD) or an ISO 8601 date-time")
    }
}

/// A date filter bound: an exact instant, or a whole local day of the business.
enum DateBound {
    case instant(Date)
    case day(LocalDate)

    /// As a lower bound: the instant, or the start of the day.
    func start(in hours: OpeningHours) -> Date? {
        switch self {
        case .instant(let date): date
        case .day(let day): hours.startOfDay(day)
        }
    }

    /// As an inclusive upper bound: the instant, or the end of the day (exclusive instant).
    func end(in hours: OpeningHours) -> Date? {
        switch self {
        case .instant(let date): date
        case .day(let day): hours.startOfDay(day.adding(days: 1))
        }
    }
}

/// The `pagination` object of list responses.
struct Pagination: Encodable, Sendable {
    let page: Int
    let limit: Int
    let total: Int
    let pages: Int

    init(_ request: PageRequest, total: Int) {
        page = request.page
        limit = request.limit
        self.total = total
        pages = (total + request.limit - 1) / request.limit
    }
}

extension Parameters {
    /// A path parameter as a typed id.
    func id<Tag>(_ name: String, as: Identifier<Tag>.Type) throws -> Identifier<Tag> {
        Identifier(rawValue: try require(name))
    }
}
