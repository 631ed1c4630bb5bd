import Foundation
import FrontdeskCore
import Testing

@Suite("Values parsed at the edge")
struct ValuesTests {
    @Test("phone numbers are normalised to E.164 and junk is refused")
    func phoneNumbers() {
        #expect(PhoneNumber("+1 (555) 010-0123")?.e164 == "+15550100123")
        #expect(PhoneNumber("+44 20 7946 0958")?.e164 == "+442079460958")
        #expect(PhoneNumber("5550100123") == nil, "no country code")
        #expect(PhoneNumber("+0123456789") == nil, "country codes do not start with 0")
        #expect(PhoneNumber("+1555abc0123") == nil)
        #expect(PhoneNumber("+1234") == nil, "too short")
        #expect(PhoneNumber("+1234567890123456") == nil, "too long")
    }

    @Test("email addresses need a local part and a dotted domain")
    func emails() {
        #expect(EmailAddress(" John@Example.COM ")?.value == "john@example.com")
        #expect(EmailAddress("john@example") == nil)
        #expect(EmailAddress("@example.com") == nil)
        #expect(EmailAddress("jo hn@example.com") == nil)
        #expect(EmailAddress("a@b@example.com") == nil)
    }

    @Test("money: cents, never negative, never a trillion — even when rounding would reach it")
    func moneyBounds() {
        #expect(Money(major: 49.5)?.cents == 4950)
        #expect(Money(major: 999_999_999_999.99)?.cents == 99_999_999_999_999)
        // Found by schemathesis: this rounded up to 1e12 and was stored past the documented maximum.
        #expect(Money(major: 999_999_999_999.9999) == nil)
        #expect(Money(major: -0.01) == nil && Money(major: .infinity) == nil && Money(major: .nan) == nil)
    }

    @Test("wall-clock times and local dates")
    func wallClockAndDates() {
        #expect(WallClockTime("09:30")?.minutes == 570)
        #expect(WallClockTime("24:00")?.minutes == 1440)
        #expect(WallClockTime("24:30") == nil)
        #expect(WallClockTime("9:5") == nil)
        #expect(WallClockTime("+9:30") == nil && WallClockTime("-0:30") == nil && WallClockTime(":30") == nil, "signs and empty hours are not times")
        #expect(LocalDate("2024-02-29") != nil)
        #expect(LocalDate("2023-02-29") == nil)
        #expect(LocalDate("2024-12-31")!.adding(days: 1) == LocalDate("2025-01-01"))
        #expect(LocalDate("2024-03-10")!.weekday == .sunday)
    }

    @Test("time zones must be IANA region names")
    func zones() {
        #expect(BusinessTimeZone("America/New_York") != nil)
        #expect(BusinessTimeZone("Mars/Olympus") == nil)
        #expect(BusinessTimeZone("EST") == nil)
    }

    @Test("money keeps cents exactly")
    func money() throws {
        let decoded = try JSONDecoder().decode([Money].self, from: Data("[49.99, 120]".utf8))
        #expect(decoded.map(\.cents) == [4999, 12000])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Money].self, from: Data("[-1]".utf8)) }
    }
}

@Suite("Random tokens (request ids, record ids, secrets)")
struct RandomTokenTests {
    @Test("base32 ids: the asked length, Crockford's lower-case alphabet, every symbol about equally often")
    func base32() {
        let alphabet = Set("0123456789abcdefghjkmnpqrstvwxyz")
        for count in [0, 1, 12, 13, 16, 25] {
            let token = RandomToken.base32(count: count)
            #expect(token.count == count)
            #expect(token.allSatisfy(alphabet.contains))
        }
        #expect(RandomToken.base32(count: 16) != RandomToken.base32(count: 16))
        // 32,000 symbols: each of the 32 expected 1,000 times (σ ≈ 31); a bias in how draws are
        // split into 5-bit pieces would push some far outside 800…1,200.
        var counts: [Character: Int] = [:]
        for _ in 0..<2_000 { for c in RandomToken.base32(count: 16) { counts[c, default: 0] += 1 } }
        #expect(Set(counts.keys) == alphabet)
        #expect(counts.values.allSatisfy { (800...1_200).contains($0) }, "\(counts)")
    }

    @Test("hex secrets: two digits per byte, every digit about equally often")
    func hex() {
        #expect(RandomToken.hex(bytes: 0) == "")
        for bytes in [1, 7, 8, 9, 32] {
            let token = RandomToken.hex(bytes: bytes)
            #expect(token.count == bytes * 2)
            #expect(token.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        }
        var counts: [Character: Int] = [:]
        for _ in 0..<1_000 { for c in RandomToken.hex(bytes: 16) { counts[c, default: 0] += 1 } }
        #expect(counts.count == 16)
        #expect(counts.values.allSatisfy { (1_700...2_300).contains($0) }, "\(counts)")
    }
}
