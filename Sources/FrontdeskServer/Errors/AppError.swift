/// The API's error codes (the CloudGreet seed's, plus the few a seed leaves out).
public enum ErrorCode: String, Sendable, Codable {
    case authRequired = "AUTH_REQUIRED"
    case authInvalidToken = "AUTH_INVALID_TOKEN"
    case authInsufficientPermissions = "AUTH_INSUFFICIENT_PERMISSIONS"
    case validationError = "VALIDATION_ERROR"
    case resourceNotFound = "RESOURCE_NOT_FOUND"
    case resourceAlreadyExists = "RESOURCE_ALREADY_EXISTS"
    case businessNotFound = "BUSINESS_NOT_FOUND"
    case leadNotFound = "LEAD_NOT_FOUND"
    case appointmentNotFound = "APPOINTMENT_NOT_FOUND"
    case agentNotFound = "AGENT_NOT_FOUND"
    case externalServiceError = "EXTERNAL_SERVICE_ERROR"
    case rateLimitExceeded = "RATE_LIMIT_EXCEEDED"
    case internalServerError = "INTERNAL_SERVER_ERROR"
    // Beyond the seed: the transport-level client errors.
    case badRequest = "BAD_REQUEST"
    case methodNotAllowed = "METHOD_NOT_ALLOWED"
    case payloadTooLarge = "PAYLOAD_TOO_LARGE"
    case slotTaken = "SLOT_TAKEN"
    case serviceUnavailable = "SERVICE_UNAVAILABLE"
    case invalidCredentials = "AUTH_INVALID_CREDENTIALS"
    case webhookSignatureInvalid = "WEBHOOK_SIGNATURE_INVALID"
    /// A WebSocket route asked for without the upgrade.
    case upgradeRequired = "UPGRADE_REQUIRED"
    /// A live-call action on a call that is not live (ended, not answered yet, already being transferred)
    /// or not live on this instance.
    case callNotLive = "CALL_NOT_LIVE"
    /// An outbound call asked for outside the hours people may be called (08:00–21:00 in the business's zone).
    case outsideCallingHours = "OUTSIDE_CALLING_HOURS"
    /// An outbound call asked of a deployment that cannot dial (no Telnyx Call Control connection set):
    /// the request is fine, the server's state refuses it — not a server fault.
    case outboundCallsNotConfigured = "OUTBOUND_CALLS_NOT_CONFIGURED"
}

/// Field name → messages, as in the seed's validation error (`details`).
public typealias FieldErrors = [String: [String]]

/// The one error type the API speaks. Its HTTP status is decided in one place (the server's
/// error mapping); messages never carry SQL or secrets.
public struct AppError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: ErrorCode
    public let message: String
    public let details: FieldErrors?
    /// Seconds until a retry makes sense (429).
    public let retryAfter: Int?

    public init(_ code: ErrorCode, _ message: String, details: FieldErrors? = nil, retryAfter: Int? = nil) {
        self.code = code
        self.message = message
        self.details = details
        self.retryAfter = retryAfter
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func validation(_ details: FieldErrors) -> AppError {
        AppError(.validationError, "Validation failed", details: details)
    }

    public static func validation(field: String, _ message: String) -> AppError {
        .validation([field: [message]])
    }

    /// Not found — used as well for another tenant's resources, so nothing hints that they exist.
    public static func notFound(_ what: String = "Resource") -> AppError {
        AppError(.resourceNotFound, "\(what) not found")
    }

    public static let authRequired = AppError(.authRequired, "Authentication required")
    public static let forbidden = AppError(.authInsufficientPermissions, "Insufficient permissions")
}

/// Collects per-field problems while validating a request, then throws them all at once.
public struct Validator: Sendable {
    public private(set) var errors: FieldErrors = [:]

    public init() {}

    public mutating func add(_ field: String, _ message: String) {
        errors[field, default: []].append(message)
    }

    public mutating func check(_ condition: Bool, _ field: String, _ message: String) {
        if !condition { add(field, message) }
    }

    public func throwIfInvalid() throws(AppError) {
        if !errors.isEmpty { throw AppError.validation(errors) }
    }
}
