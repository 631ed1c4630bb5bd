import Foundation
import FrontdeskCore
import FrontdeskWire
import HTTPTypes
import Hummingbird
import NIOCore

/// The seed's success envelope.
struct SuccessEnvelope<Payload: Encodable>: Encodable {
    let success = true
    let data: Payload
    let message: String?
    let timestamp: Date
    let requestId: String

    enum CodingKeys: String, CodingKey { case success, data, message, timestamp, requestId }
}

/// The seed's error envelope.
struct ErrorEnvelope: Encodable {
    let success = false
    let error: String
    let code: ErrorCode
    let details: FieldErrors?
    let timestamp: Date
    let requestId: String

    enum CodingKeys: String, CodingKey { case success, error, code, details, timestamp, requestId }
}

/// A route's result: data to wrap in the envelope, with its status and message.
struct APIResponse<Payload: Encodable & Sendable>: ResponseGenerator {
    var status: HTTPResponse.Status = .ok
    var message: String?
    var data: Payload

    init(_ data: Payload, status: HTTPResponse.Status = .ok, message: String? = nil) {
        self.data = data
        self.status = status
        self.message = message
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let requestId = (context as? AppRequestContext)?.requestId ?? ""
        return Self.response(status: status, body: try encodedBody(requestId: requestId))
    }

    /// The envelope's bytes. Payloads that write their own JSON skip `JSONEncoder` (same shape).
    func encodedBody(requestId: String) throws -> Data {
        guard let direct = data as? any DirectJSONEncodable else {
            return try APIJSON.encoder.encode(
                SuccessEnvelope(data: data, message: message, timestamp: Date(), requestId: requestId))
        }
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("success"); writer.bool(true)
        writer.key("data"); try direct.writeJSON(to: &writer)
        writer.field("message", message)
        writer.field("timestamp", Date())
        writer.key("requestId"); writer.string(requestId)
        writer.endObject()
        return Data(writer.bytes)
    }

    static func response(status: HTTPResponse.Status, body: Data) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status) throws -> Response {
        let body = try APIJSON.encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// The answer to a DELETE: `{"id": …, "deleted": true}`.
struct Deleted: Encodable, Sendable {
    let id: String
    let deleted = true
}

/// An empty `data` object.
struct Empty: Encodable, Sendable {}
