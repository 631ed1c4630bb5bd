import Foundation
import FrontdeskCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Issue 3's booking figures: (a) availability over 60 days with 2,000 existing appointments (the pure
/// calculation); (b) N concurrent requests for one slot through the real server: exactly one may win.
public struct BookingBench: Sendable {
    /// Availability runs to time.
    public var iterations = 300
    /// Concurrent requests for one slot.
    public var concurrent = 100
    /// Loopback port for the server under test.
    public var port = 38412

    public init() {}

    public func run() async throws {
        let availability = try measureAvailability()
        let booking = try await concurrentBooking()
        print("")
        print("| benchmark | result | target |")
        print("|---|---|---|")
        print("| availability, 60 days, 2,000 appointments (\(availability.slots) free slots) | p50 \(format(availability.p50)), p99 \(format(availability.p99)) | < 2 ms |")
        print("| \(concurrent) concurrent POST /api/appointments, one slot | \(booking.created) × 201, \(booking.conflicts) × 409, \(booking.other) other; all answered in \(format(booking.wall)) | exactly 1 succeeds |")
        print("")
        print("(\(ProcessInfo.processInfo.activeProcessorCount) cores; availability: \(iterations) runs after a warm-up)")
        if booking.created != 1 { throw BenchmarkError("\(booking.created) appointments were created for one slot; exactly 1 must be") }
    }

    /// Open 07:00–21:00 every day, 15-minute slots: 2,000 random distinct 15-minute appointments in 60 days.
    func measureAvailability() throws -> (p50: Duration, p99: Duration, slots: Int) {
        print("Availability: 60 days, 2,000 appointments, \(iterations) runs …")
        let json = """
            {"timezone":"America/New_York","business_hours":{\(Weekday.allCases.map { "\"\($0.rawValue)\":{\"open\":\"07:00\",\"close\":\"21:00\"}" }.joined(separator: ","))},
             "booking":{"slot_interval":15,"minimum_notice":0,"max_days_ahead":365}}
            """
        let settings = try JSONDecoder().decode(BusinessSettings.self, from: Data(json.utf8))
        let calculator = AvailabilityCalculator(settings: settings)
        let now = Date()
        let first = LocalDate(now, in: calculator.hours.calendar).adding(days: 1)
        let last = first.adding(days: 59)
        var generator = SystemRandomNumberGenerator()
        let candidates = calculator.slots(from: first, through: last, duration: 15, busy: [], now: now).shuffled(using: &generator)
        let busy = candidates.prefix(2000).map { BusyInterval(start: $0.start, end: $0.end) }
        var slots = 0
        for _ in 0..<20 { slots = calculator.slots(from: first, through: last, duration: 30, busy: busy, now: now).count }
        let clock = ContinuousClock()
        var times: [Duration] = []
        for _ in 0..<iterations {
            let start = clock.now
            slots = calculator.slots(from: first, through: last, duration: 30, busy: busy, now: now).count
            times.append(clock.now - start)
        }
        times.sort()
        return (times[times.count / 2], times[min(times.count - 1, times.count * 99 / 100)], slots)
    }

    func concurrentBooking() async throws -> (created: Int, conflicts: Int, other: Int, wall: Duration) {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("frontdesk-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let server = try await BenchServer(folder: work, port: port)
        defer { server.stop() }
        return try await Self.contend(for: concurrent, on: [server])
    }

    /// `concurrent` requests at once for one slot (next Wednesday 10:00 in the demo business's zone),
    /// spread over `servers` in turn: how many were booked (201), refused (409) or anything else, and
    /// how long until all were answered.
    static func contend(for concurrent: Int, on servers: [BenchServer]) async throws
        -> (created: Int, conflicts: Int, other: Int, wall: Duration)
    {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "America/New_York")!
        let slot = calendar.nextDate(
            after: Date().addingTimeInterval(86_400), matching: DateComponents(hour: 10, minute: 0, weekday: 4),
            matchingPolicy: .nextTime)!
        let body = #"{"business_id":"\#(servers[0].business)","scheduled_date":"\#(slot.formatted(Date.ISO8601FormatStyle()))","duration":30}"#
        print("Booking: \(concurrent) concurrent requests for \(slot.formatted(Date.ISO8601FormatStyle())) over \(servers.count) instance(s) …")
        let urls = servers.map { "\($0.base)/api/appointments" }
        let token = servers[0].token
        let clock = ContinuousClock()
        let start = clock.now
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<concurrent {
                let url = urls[index % urls.count]
                group.addTask { try await HTTP.request(url, method: "POST", body: body, token: token).1 }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        let wall = clock.now - start
        let created = statuses.filter { $0 == 201 }.count
        let conflicts = statuses.filter { $0 == 409 }.count
        return (created, conflicts, statuses.count - created - conflicts, wall)
    }

    func format(_ duration: Duration) -> String {
        let micros = Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
        return micros >= 1000 ? String(format: "%.2f ms", micros / 1000) : String(format: "%.0f µs", micros)
    }
}
