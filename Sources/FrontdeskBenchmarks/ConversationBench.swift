import Foundation
import FrontdeskCore
import Synchronization

/// Issue 3 (c): one turn of the scripted policy — understanding, slot filling, availability for the day
/// and the reply — against an in-memory calendar (the policy's own cost, not the database's).
public struct ConversationBench: Sendable {
    /// Timed turns per script line.
    public var iterations = 2000

    public init() {}

    public func run() async throws {
        let settings = try JSONDecoder().decode(BusinessSettings.self, from: Data(Self.settings.utf8))
        let now = Date()
        let context = ReceptionistContext(
            businessName: "Bright Smile Dental", settings: settings, behavior: BehaviorSettings(),
            callerPhone: PhoneNumber("+15551234567"), channel: .voice, now: now)
        let tools = MemoryCalendar(settings: settings, now: now, existing: 40)
        let policy = ScriptedPolicy()
        let lines: [(String, ConversationState)] = try await {
            // Each line is timed from the state the conversation would be in when it is said.
            var state = ConversationState()
            var result: [(String, ConversationState)] = []
            for line in ["Hi, I'm Maria, can I get a cleaning next Tuesday at 10?", "actually make it Wednesday", "yes please"] {
                result.append((line, state))
                _ = try await policy.respond(to: line, state: &state, context: context, tools: tools)
            }
            return result
        }()
        print("Scripted policy: \(lines.count) kinds of turn × \(iterations) …")
        let clock = ContinuousClock()
        var rows: [(String, Duration, Duration)] = []
        for (line, start) in lines {
            var times: [Duration] = []
            for index in 0..<(iterations + 100) {
                var state = start
                let began = clock.now
                _ = try await policy.respond(to: line, state: &state, context: context, tools: tools)
                if index >= 100 { times.append(clock.now - began) }  // the first 100 warm up
                tools.forgetBookings()
            }
            times.sort()
            rows.append((line, times[times.count / 2], times[times.count * 99 / 100]))
        }
        print("")
        print("| turn | p50 | p99 | target |")
        print("|---|---:|---:|---|")
        for (line, p50, p99) in rows { print("| \"\(line)\" | \(Self.format(p50)) | \(Self.format(p99)) | p99 < 200 µs |") }
        print("")
        print("(\(ProcessInfo.processInfo.activeProcessorCount) cores; in-memory calendar with 40 appointments; \(iterations) timed turns each)")
    }

    static func format(_ duration: Duration) -> String {
        String(format: "%.0f µs", Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12)
    }

    static let settings = """
        {"timezone":"America/New_York","business_hours":{"monday":[{"open":"09:00","close":"12:00"},{"open":"13:00","close":"17:00"}],
         "tuesday":[{"open":"09:00","close":"12:00"},{"open":"13:00","close":"17:00"}],"wednesday":{"open":"09:00","close":"17:00"},
         "thursday":{"open":"09:00","close":"17:00"},"friday":{"open":"09:00","close":"17:00"},"saturday":{"open":"10:00","close":"14:00"}},
         "services":[{"name":"Cleaning","price":120,"duration":45},{"name":"Checkup","price":90,"duration":30},{"name":"Whitening","price":350,"duration":60}],
         "fallback_number":"+15550100199","address":"12 Harbor Street, Springfield"}
        """
}

/// A calendar in memory with the real availability rules, for measuring the policy alone.
final class MemoryCalendar: ReceptionistTools {
    let calculator: AvailabilityCalculator
    let now: Date
    let busy: [BusyInterval]
    let booked = Mutex<[BusyInterval]>([])

    init(settings: BusinessSettings, now: Date, existing: Int) {
        calculator = AvailabilityCalculator(settings: settings)
        self.now = now
        let today = calculator.hours.localDate(of: now)
        let free = calculator.slots(from: today, through: today.adding(days: 30), duration: 30, busy: [], now: now)
        busy = stride(from: 0, to: free.count, by: max(1, free.count / existing)).prefix(existing)
            .map { BusyInterval(start: free[$0].start, end: free[$0].end) }
    }

    func forgetBookings() { booked.withLock { $0.removeAll() } }

    func freeSlots(from: LocalDate, through: LocalDate, duration: Int) async throws -> [Slot] {
        calculator.slots(from: from, through: through, duration: duration, busy: busy + booked.withLock { $0 }, now: now)
    }

    func book(start: Date, duration: Int, service: String?, callerName: String?) async throws -> BookingOutcome {
        let end = start.addingTimeInterval(TimeInterval(duration * 60))
        booked.withLock { $0.append(BusyInterval(start: start, end: end)) }
        return .booked(CallerAppointment(id: "appointment_bench", start: start, duration: duration, type: service))
    }

    func upcomingAppointment() async throws -> CallerAppointment? { nil }
    func cancel(_ appointment: CallerAppointment) async throws {}
    func reschedule(_ appointment: CallerAppointment, to start: Date) async throws -> BookingOutcome { .unavailable }
}
