import Foundation
import FrontdeskProviders
import Hummingbird
import NIOCore
import NIOFoundationCompat

/// A dashboard form's `application/x-www-form-urlencoded` body (parsed as Twilio's forms are).
struct DashboardForm: Sendable {
    static let maxBytes = 64 * 1024
    /// The first value of each name.
    let fields: [String: String]

    subscript(_ name: String) -> String? { fields[name] }

    func trimmed(_ name: String) -> String? {
        guard let value = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    static func read(_ request: Request, context: AppRequestContext) async throws -> DashboardForm {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBytes)
        } catch {
            throw AppError(.payloadTooLarge, "The form is too large")
        }
        var fields: [String: String] = [:]
        for (name, value) in FormBody.parse(Data(buffer: buffer)) where fields[name] == nil { fields[name] = value }
        return DashboardForm(fields: fields)
    }
}
