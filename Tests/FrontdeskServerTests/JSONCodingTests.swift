import Foundation
import FrontdeskCore
@testable import FrontdeskServer
import FrontdeskStore
@testable import FrontdeskWire
import Testing

@Suite("API JSON")
struct JSONCodingTests {
    @Test("instants are written as ISO 8601 UTC, with milliseconds only when there are some",
          arguments: [
            (0.0, "1970-01-01T00:00:00Z"), (1_705_314_600, "2024-01-15T10:30:00Z"),
            (1_705_314_600.123, "2024-01-15T10:30:00.123Z"), (951_782_400, "2000-02-29T00:00:00Z"),
            (4_102_444_799.999, "2099-12-31T23:59:59.999Z"), (-86_400.5, "1969-12-30T23:59:59.500Z"),
          ])
    func instants(_ seconds: Double, _ expected: String) {
        let text = InstantText.format(Date(timeIntervalSince1970: seconds))
        #expect(text == expected)
        #expect(abs(APIJSON.parseInstant(text)!.timeIntervalSince1970 - seconds) < 0.001)
    }
}

@Suite("Direct JSON writing")
struct DirectJSONTests {
    func parsed(_ bytes: some Sequence<UInt8>) throws -> NSDictionary {
        try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary)
    }

    @Test("a lead list written directly equals what JSONEncoder writes, with and without optional fields")
    func parity() throws {
        let now = Date(timeIntervalSince1970: 1_705_314_600.25)
        let full = Lead(
            id: .generate(), businessId: .generate(), phone: PhoneNumber("+15551234567"), name: "Zoë \"Z\" O'Neil\n\\ \u{1}",
            email: EmailAddress("zoe@example.com"), status: .qualified, source: .call, qualificationScore: 85,
            scoreExplanation: LeadScorer.score([FiredSignal(signal: .decisionMaker, source: "turn 2")], at: now),
            notes: "Wants ✨ whitening", createdAt: now, updatedAt: now.addingTimeInterval(60))
        let bare = Lead(
            id: .generate(), businessId: .generate(), phone: nil, name: nil, email: nil, status: .new, source: .web,
            notes: nil, createdAt: now, updatedAt: now)
        let list = LeadController.ListView(leads: [full, bare], pagination: Pagination(PageRequest(page: 1, limit: 20), total: 2))
        var writer = JSONWriter()
        try list.writeJSON(to: &writer)
        #expect(try parsed(writer.bytes) == (try parsed(APIJSON.encoder.encode(list))))
    }

    @Test("a provider request written directly reads back as JSONEncoder's, numbers included, and a non-finite number is refused")
    func providerRequestParity() throws {
        let body = JSONValue.object([
            "payload": .string("Thanks — we're booked for 3:30 \"tomorrow\"\n"), "timeout_secs": .number(30), "speed": .number(1.25),
            "tiny": .number(1e-7), "huge": .number(1e21), "negative": .number(-42), "flag": .bool(true), "none": .null,
            "tracks": .array([.string("inbound"), .number(0.5), .object(["nested": .array([])])]),
        ])
        var writer = JSONWriter()
        try body.writeJSON(to: &writer)
        #expect(try parsed(writer.bytes) == (try parsed(JSONEncoder().encode(body))))
        #expect(String(decoding: writer.bytes, as: UTF8.self).contains("\"timeout_secs\":30"))
        var refused = JSONWriter()
        #expect(throws: EncodingError.self) { try JSONValue.array([.number(.infinity)]).writeJSON(to: &refused) }
    }
}
