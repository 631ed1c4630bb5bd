import Foundation
import FrontdeskCore
import FrontdeskStore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// The one place where errors become HTTP statuses and envelopes.
enum ErrorMapping {
    static func status(for code: ErrorCode) -> HTTPResponse.Status {
        switch code {
        case .authRequired, .authInvalidToken, .invalidCredentials, .webhookSignatureInvalid: .unauthorized
        case .authInsufficientPermissions: .forbidden
        case .validationError: .unprocessableContent
        case .resourceNotFound, .businessNotFound, .leadNotFound, .appointmentNotFound, .agentNotFound: .notFound
        case .resourceAlreadyExists, .slotTaken, .callNotLive, .outsideCallingHours, .outboundCallsNotConfigured: .conflict
        case .rateLimitExceeded: .tooManyRequests
        case .badRequest: .badRequest
        case .methodNotAllowed: .methodNotAllowed
        case .payloadTooLarge: .contentTooLarge
        case .externalServiceError: .badGateway
        case .serviceUnavailable: .serviceUnavailable
        case .upgradeRequired: .upgradeRequired
        case .internalServerError: .internalServerError
        }
    }

    /// Turns any error into an `AppError`. Unknown errors are logged with the request id and become a
    /// 500 that reveals nothing about them.
    static func appError(from error: any Error, logger: Logger) -> AppError {
        switch error {
        case let error as AppError:
            return error
        case let error as StoreError:
            return appError(from: error)
        case is NIOTooManyBytesError:
            return AppError(.payloadTooLarge, "Request body is too large")
        case is HTTPParserError:
            // A body that broke off or is framed wrongly (a bad chunk size, a truncated chunk).
            return AppError(.badRequest, "Request body is malformed: \(error)")
        case let error as HTTPError:
            switch error.status {
            case .contentTooLarge: return AppError(.payloadTooLarge, "Request body is too large")
            case .notFound: return AppError(.resourceNotFound, "Route not found")
            case .badRequest: return AppError(.badRequest, error.body ?? "Bad request")
            case .unauthorized: return AppError.authRequired
            case .methodNotAllowed: return AppError(.methodNotAllowed, "Method not allowed")
            default:
                if (400..<500).contains(error.status.code) {
                    return AppError(.badRequest, error.body ?? error.status.reasonPhrase)
                }
            }
        default:
            break
        }
        logger.error("Unhandled error", metadata: ["error": "\(String(reflecting: error))"])
        return AppError(.internalServerError, "Internal server error")
    }

    /// The store's refusals as the API says them: 409 with the field at fault.
    static func appError(from error: StoreError) -> AppError {
        switch error {
        case .duplicate(let message, let field, let problem):
            AppError(.resourceAlreadyExists, message, details: field.map { [$0: [problem ?? "is already used"]] })
        case .slotTaken(let message):
            AppError(.slotTaken, message)
        }
    }

    /// The error envelope's bytes (also written by the connection guard, before there is a request).
    static func body(for error: AppError, requestId: String) -> Data {
        let envelope = ErrorEnvelope(
            error: error.message, code: error.code, details: error.details, timestamp: Date(), requestId: requestId)
        return (try? APIJSON.encoder.encode(envelope)) ?? Data("{\"success\":false}".utf8)
    }

    static func response(for error: AppError, requestId: String) -> Response {
        let body = body(for: error, requestId: requestId)
        var response = Response(
            status: status(for: error.code), headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: .init(bytes: body)))
        if let retryAfter = error.retryAfter {
            response.headers[.retryAfter] = String(retryAfter)
        }
        return response
    }
}
