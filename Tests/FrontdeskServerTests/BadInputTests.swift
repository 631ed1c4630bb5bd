import Foundation
import FrontdeskServer
import HTTPTypes
import NIOCore
import Testing

@Suite("Bad input gets a clear error, never a 500")
struct BadInputTests {
    @Test("malformed JSON is 400, a wrong type is 422 naming the field, a non-object body is 400, no body is 400")
    func malformed() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register()
            let deepInvalid = try await client.call(.post, "/api/leads", token: tenant.token, json: #"{"business_id":"x","name":"\udd77"}"#)
            #expect(deepInvalid.status == .badRequest, "a lone surrogate escape is malformed JSON")
            let broken = try await client.call(.post, "/api/leads", token: tenant.token, json: #"{"business_id": "#)
            #expect(broken.status == .badRequest)
            #expect(broken.code == "BAD_REQUEST")
            #expect(broken.json["requestId"] as? String != nil)
            let wrongType = try await client.call(
                .post, "/api/leads", token: tenant.token, json: #"{"business_id":"\#(tenant.businessId)","name":42}"#)
            #expect(wrongType.status == .unprocessableContent)
            #expect(wrongType.details["name"] == ["must be a string"])
            let nested = try await client.call(
                .put, "/api/businesses/\(tenant.businessId)", token: tenant.token,
                json: #"{"settings":{"business_hours":{"monday":{"open":"25:00","close":"17:00"}}}}"#)
            #expect(nested.status == .unprocessableContent)
            #expect(nested.details.keys.contains("settings.business_hours.monday.open"))
            let array = try await client.call(.post, "/api/leads", token: tenant.token, json: "[1,2]")
            #expect(array.status == .badRequest)
            let empty = try await client.call(.post, "/api/leads", token: tenant.token)
            #expect(empty.status == .badRequest)
            let enumValue = try await client.call(
                .get, "/api/leads?business_id=\(tenant.businessId)&status=hot", token: tenant.token)
            #expect(enumValue.status == .unprocessableContent)
            #expect(enumValue.details["status"]?.first?.contains("qualified") == true)
        }
    }

    @Test("a body over the limit is 413 and nothing is written")
    func tooLarge() async throws {
        try await TestApp(maxBodyBytes: 4096).run { client in
            let tenant = try await client.register()
            let notes = String(repeating: "x", count: 10_000)
            let result = try await client.call(
                .post, "/api/leads", token: tenant.token,
                json: #"{"business_id":"\#(tenant.businessId)","phone":"+15550001234","notes":"\#(notes)"}"#)
            #expect(result.status == .contentTooLarge)
            #expect(result.code == "PAYLOAD_TOO_LARGE")
            let leads = try await client.call(.get, "/api/leads?business_id=\(tenant.businessId)", token: tenant.token)
            #expect(leads["pagination.total"] as? Int == 0)
        }
    }

    @Test("an unknown route is 404 and a wrong method is 405 with Allow, both in the envelope")
    func routing() async throws {
        try await TestApp().run { client in
            let missing = try await client.call(.get, "/api/nothing-here")
            #expect(missing.status == .notFound)
            #expect(missing.code == "RESOURCE_NOT_FOUND")
            #expect(missing.json["success"] as? Bool == false)
            let wrong = try await client.call(.patch, "/api/leads/lead_123")
            #expect(wrong.status == .methodNotAllowed)
            #expect(wrong.code == "METHOD_NOT_ALLOWED")
            #expect(Set((wrong.headers[.allow] ?? "").components(separatedBy: ", ")) == ["GET", "PUT", "DELETE"])
            let literal = try await client.call(.delete, "/api/appointments/availability")
            #expect(literal.status == .methodNotAllowed)
            #expect(literal.headers[.allow] == "GET", "the literal route wins over /appointments/{id}")
        }
    }

    @Test("pagination edges: page 0, junk, an empty value and limit 1000 are 422; limit 100 is the most; a page past the end is empty")
    func pagination() async throws {
        try await TestApp().run { client in
            let tenant = try await client.register()
            for index in 0..<3 { _ = try await client.createLead(tenant, phone: "+1555000000\(index)") }
            let base = "/api/leads?business_id=\(tenant.businessId)"
            let zero = try await client.call(.get, base + "&page=0", token: tenant.token)
            #expect(zero.status == .unprocessableContent)
            #expect(zero.details["page"] != nil)
            #expect(try await client.call(.get, base + "&page=1000001", token: tenant.token).status == .unprocessableContent)
            let negative = try await client.call(.get, base + "&limit=-5", token: tenant.token)
            #expect(negative.details["limit"] != nil)
            let big = try await client.call(.get, base + "&limit=1000", token: tenant.token)
            #expect(big.status == .unprocessableContent)
            #expect(big.details["limit"] != nil)
            let empty = try await client.call(.get, base + "&limit=", token: tenant.token)
            #expect(empty.status == .unprocessableContent)
            #expect(empty.details["limit"] != nil)
            #expect(try await client.call(.get, base + "&page=", token: tenant.token).status == .unprocessableContent)
            let most = try await client.call(.get, base + "&limit=100", token: tenant.token)
            #expect(most.status == .ok)
            #expect(most["pagination.limit"] as? Int == 100)
            #expect(most.list("leads").count == 3)
            let second = try await client.call(.get, base + "&limit=2&page=2", token: tenant.token)
            #expect(second.list("leads").count == 1)
            #expect(second["pagination.pages"] as? Int == 2)
            #expect(second["pagination.total"] as? Int == 3)
            let past = try await client.call(.get, base + "&limit=2&page=9", token: tenant.token)
            #expect(past.list("leads").isEmpty)
            let missingBusiness = try await client.call(.get, "/api/leads", token: tenant.token)
            #expect(missingBusiness.details["business_id"] == ["is required"])
        }
    }

    @Test("every response carries a request id and rate-limit headers; the limit answers 429 with Retry-After")
    func headersAndRateLimit() async throws {
        try await TestApp(limits: RateLimits(authenticated: 1000, anonymous: 3, webhooks: 10)).run { client in
            let first = try await client.call(.get, "/api/nope", headers: [HTTPField.Name("X-Request-ID")!: "trace-abc"])
            #expect(first.headers[HTTPField.Name("X-Request-ID")!] == "trace-abc")
            #expect(first.json["requestId"] as? String == "trace-abc")
            #expect(first.headers[HTTPField.Name("X-RateLimit-Limit")!] == "3")
            #expect(first.headers[HTTPField.Name("X-RateLimit-Remaining")!] == "2")
            #expect(Int(first.headers[HTTPField.Name("X-RateLimit-Reset")!] ?? "") != nil)
            _ = try await client.call(.get, "/api/nope")
            _ = try await client.call(.get, "/api/nope")
            let limited = try await client.call(.get, "/api/nope")
            #expect(limited.status == .tooManyRequests)
            #expect(limited.code == "RATE_LIMIT_EXCEEDED")
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(limited.headers[HTTPField.Name("X-Request-ID")!]?.hasPrefix("req_") == true)
        }
    }
}
