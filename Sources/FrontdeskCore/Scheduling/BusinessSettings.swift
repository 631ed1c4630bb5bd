import Foundation

/// Money in minor units (cents). Encoded in JSON as a decimal number of major units (`49.5`).
public struct Money: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public let cents: Int

    public init(cents: Int) { self.cents = cents }

    /// 0 to 999,999,999,999.99, rounded to the cent (what rounds up to a trillion is refused too).
    public init?(major: Double) {
        guard major.isFinite, major >= 0 else { return nil }
        let cents = (major * 100).rounded()
        guard cents < 1e14 else { return nil }
        self.cents = Int(cents)
    }

    public var major: Double { Double(cents) / 100 }
    public var description: String { String(format: "%.2f", major) }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.cents < rhs.cents }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let value = Money(major: try container.decode(Double.self)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be an amount ≥ 0")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(major)
    }
}

/// A service the business offers, with its price and usual duration.
public struct ServiceOffering: Hashable, Sendable, Codable {
    public var name: String
    public var price: Money?
    /// Minutes.
    public var duration: Int?

    public init(name: String, price: Money?, duration: Int?) {
        self.name = name
        self.price = price
        self.duration = duration
    }

    enum CodingKeys: String, CodingKey { case name, price, duration }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name).trimmingWhitespace()
        guard !name.isEmpty, name.count <= 100 else {
            throw DecodingError.dataCorruptedError(forKey: .name, in: c, debugDescription: "must be 1–100 characters")
        }
        price = try c.decodeIfPresent(Money.self, forKey: .price)
        duration = try c.decodeIfPresent(Int.self, forKey: .duration)
        if let duration, !(5...480).contains(duration) {
            throw DecodingError.dataCorruptedError(
                forKey: .duration, in: c, debugDescription: "must be 5–480 minutes")
        }
    }
}

/// How appointments are laid out in the opening hours (domain.md). All values are minutes.
public struct BookingRules: Hashable, Sendable, Codable {
    public var defaultDuration: Int = 30
    public var slotInterval: Int = 30
    public var bufferBefore: Int = 0
    public var bufferAfter: Int = 0
    public var minimumNotice: Int = 60
    public var maxPerDay: Int?
    public var maxDaysAhead: Int = 90

    public init() {}

    enum CodingKeys: String, CodingKey {
        case defaultDuration = "default_duration"
        case slotInterval = "slot_interval"
        case bufferBefore = "buffer_before"
        case bufferAfter = "buffer_after"
        case minimumNotice = "minimum_notice"
        case maxPerDay = "max_per_day"
        case maxDaysAhead = "max_days_ahead"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read(_ key: CodingKeys, _ range: ClosedRange<Int>, _ fallback: Int) throws -> Int {
            guard let value = try c.decodeIfPresent(Int.self, forKey: key) else { return fallback }
            guard range.contains(value) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: c, debugDescription: "must be between \(range.lowerBound) and \(range.upperBound)")
            }
            return value
        }
        defaultDuration = try read(.defaultDuration, 5...480, 30)
        slotInterval = try read(.slotInterval, 5...240, 30)
        bufferBefore = try read(.bufferBefore, 0...240, 0)
        bufferAfter = try read(.bufferAfter, 0...240, 0)
        minimumNotice = try read(.minimumNotice, 0...43_200, 60)
        maxDaysAhead = try read(.maxDaysAhead, 1...730, 90)
        if c.contains(.maxPerDay), try !c.decodeNil(forKey: .maxPerDay) {
            maxPerDay = try read(.maxPerDay, 1...1000, 1)
        }
    }
}

/// A business's settings: zone, hours, holidays, services, where to forward calls.
public struct BusinessSettings: Hashable, Sendable, Codable {
    public var timezone: BusinessTimeZone
    public var businessHours: WeeklyHours
    /// Dates with other hours than the weekly ones; an empty list means closed (a holiday).
    public var dateOverrides: [LocalDate: DayHours]
    public var services: [ServiceOffering]
    public var fallbackNumber: PhoneNumber?
    public var address: String?
    public var phone: PhoneNumber?
    public var booking: BookingRules
    /// Said before the greeting on calls that are recorded (recording consent), e.g. "This call is
    /// recorded for quality and training." Nil: nothing is said.
    public var recordingAnnouncement: String?
    /// Reminders, no-show and missed-call texts (`follow_ups`).
    public var followUps = FollowUpSettings()

    public init(
        timezone: BusinessTimeZone, businessHours: WeeklyHours, dateOverrides: [LocalDate: DayHours] = [:],
        services: [ServiceOffering] = [], fallbackNumber: PhoneNumber? = nil, address: String? = nil,
        phone: PhoneNumber? = nil, booking: BookingRules = BookingRules()
    ) {
        self.timezone = timezone
        self.businessHours = businessHours
        self.dateOverrides = dateOverrides
        self.services = services
        self.fallbackNumber = fallbackNumber
        self.address = address
        self.phone = phone
        self.booking = booking
    }

    /// What a business gets when it does not say: New York, Monday–Friday 9–17.
    public static let `default` = BusinessSettings(
        timezone: BusinessTimeZone("America/New_York")!,
        businessHours: WeeklyHours(
            Dictionary(
                uniqueKeysWithValues: [Weekday.monday, .tuesday, .wednesday, .thursday, .friday].map {
                    ($0, DayHours([TimeRange(open: WallClockTime("09:00")!, close: WallClockTime("17:00")!)!])!)
                })))

    enum CodingKeys: String, CodingKey {
        case timezone
        case businessHours = "business_hours"
        case dateOverrides = "date_overrides"
        case services
        case fallbackNumber = "fallback_number"
        case address, phone, booking
        case recordingAnnouncement = "recording_announcement"
        case followUps = "follow_ups"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = BusinessSettings.default
        timezone = try c.decodeIfPresent(BusinessTimeZone.self, forKey: .timezone) ?? defaults.timezone
        businessHours = try c.decodeIfPresent(WeeklyHours.self, forKey: .businessHours) ?? defaults.businessHours
        let overrides = try c.decodeIfPresent([String: DayHours].self, forKey: .dateOverrides) ?? [:]
        var parsed: [LocalDate: DayHours] = [:]
        for (key, hours) in overrides {
            guard let date = LocalDate(key) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .dateOverrides, in: c, debugDescription: "\(key) is not a date as YYYY-MM-DD")
            }
            parsed[date] = hours
        }
        dateOverrides = parsed
        services = try c.decodeIfPresent([ServiceOffering].self, forKey: .services) ?? []
        fallbackNumber = try c.decodeIfPresent(PhoneNumber.self, forKey: .fallbackNumber)
        address = try c.decodeIfPresent(String.self, forKey: .address)
        phone = try c.decodeIfPresent(PhoneNumber.self, forKey: .phone)
        booking = try c.decodeIfPresent(BookingRules.self, forKey: .booking) ?? BookingRules()
        if let address, address.count > 500 {
            throw DecodingError.dataCorruptedError(forKey: .address, in: c, debugDescription: "is too long")
        }
        let announcement = try c.decodeIfPresent(String.self, forKey: .recordingAnnouncement)
        if let announcement, announcement.count > 300 {
            throw DecodingError.dataCorruptedError(forKey: .recordingAnnouncement, in: c, debugDescription: "must be at most 300 characters")
        }
        let trimmed = announcement?.trimmingWhitespace()
        recordingAnnouncement = trimmed?.isEmpty == true ? nil : trimmed
        followUps = try c.decodeIfPresent(FollowUpSettings.self, forKey: .followUps) ?? FollowUpSettings()
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(timezone, forKey: .timezone)
        try c.encode(businessHours, forKey: .businessHours)
        try c.encode(
            Dictionary(uniqueKeysWithValues: dateOverrides.map { ($0.key.description, $0.value) }),
            forKey: .dateOverrides)
        try c.encode(services, forKey: .services)
        try c.encode(fallbackNumber, forKey: .fallbackNumber)
        try c.encode(address, forKey: .address)
        try c.encode(phone, forKey: .phone)
        try c.encode(booking, forKey: .booking)
        try c.encode(recordingAnnouncement, forKey: .recordingAnnouncement)
        try c.encode(followUps, forKey: .followUps)
    }

    /// The service whose name matches `name` (case-insensitively), if any.
    public func service(named name: String?) -> ServiceOffering? {
        guard let name = name?.lowercased() else { return nil }
        return services.first { $0.name.lowercased() == name }
    }
}
