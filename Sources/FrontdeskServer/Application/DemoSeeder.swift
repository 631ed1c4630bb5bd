import Foundation
import FrontdeskCore
import FrontdeskStore
import Logging

/// On an empty database: a demo dental practice with hours, services and a holiday, an active agent on
/// a demo number, and a demo login — so `frontdesk serve` is useful at once.
package struct DemoSeeder {
    package static let email = "demo@frontdesk.local"
    package static let password = "frontdesk-demo"
    package static let agentNumber = "+15550100123"

    let configuration: AppConfiguration
    let store: Store
    let passwords: PasswordHasher
    let now: @Sendable () -> Date
    let logger: Logger

    func seedIfEmpty() async throws {
        guard try await store.businesses.count() == 0 else { return }
        let now = now()
        let user = User(
            id: .generate(), email: EmailAddress(Self.email)!, passwordHash: try await passwords.hash(Self.password),
            firstName: "Demo", lastName: "Owner", createdAt: now, updatedAt: now)
        let business = Business(id: .generate(), name: "Bright Smile Dental", settings: Self.settings(now: now), createdAt: now, updatedAt: now)
        try await store.users.register(user, business: business)
        let agent = Agent(
            id: .generate(), businessId: business.id, name: "Riley", phoneNumber: PhoneNumber(Self.agentNumber),
            voiceSettings: VoiceSettings(), behaviorSettings: BehaviorSettings(), workingHours: nil, status: .active,
            startedAt: now, createdAt: now, updatedAt: now)
        try await store.agents.save(agent)
        let port = configuration.port
        logger.notice(
            """
            Demo business created (the database was empty):
              business  Bright Smile Dental  \(business.id)  America/New_York, Mon–Fri 9–12 & 13–17, Sat 10–14
              agent     Riley  \(agent.id)  answers \(Self.agentNumber)
              login     \(Self.email) / \(Self.password)
              dashboard http://127.0.0.1:\(port)/   (log in with the login above)
              try       curl -s -X POST http://127.0.0.1:\(port)/api/auth/login -H 'Content-Type: application/json' \\
                          -d '{"email":"\(Self.email)","password":"\(Self.password)"}'
              then      curl -s "http://127.0.0.1:\(port)/api/leads?business_id=\(business.id)" -H "Authorization: Bearer $TOKEN"
              test call .build/debug/frontdesk simulate Scenarios/01-booking-happy-path.yaml   (scripted, in process, own database)
              talk      POST /api/agents/\(agent.id)/execute {"input":{"leadId":"…","message":"Can I book a cleaning Tuesday at 10?"}}
            """)
    }

    static func settings(now: Date) -> BusinessSettings {
        func range(_ open: String, _ close: String) -> TimeRange {
            TimeRange(open: WallClockTime(open)!, close: WallClockTime(close)!)!
        }
        let weekday = DayHours([range("09:00", "12:00"), range("13:00", "17:00")])!
        var days: [Weekday: DayHours] = [:]
        for day in [Weekday.monday, .tuesday, .wednesday, .thursday, .friday] { days[day] = weekday }
        days[.saturday] = DayHours([range("10:00", "14:00")])!
        let zone = BusinessTimeZone("America/New_York")!
        let year = LocalDate(now, in: zone.calendar).year
        var overrides: [LocalDate: DayHours] = [:]
        for y in [year, year + 1] {
            overrides[LocalDate(year: y, month: 12, day: 25)!] = .closed
            overrides[LocalDate(year: y, month: 1, day: 1)!] = .closed
        }
        return BusinessSettings(
            timezone: zone, businessHours: WeeklyHours(days), dateOverrides: overrides,
            services: [
                ServiceOffering(name: "Cleaning", price: Money(cents: 12_000), duration: 45),
                ServiceOffering(name: "Checkup", price: Money(cents: 9_000), duration: 30),
                ServiceOffering(name: "Whitening", price: Money(cents: 35_000), duration: 60),
            ],
            fallbackNumber: PhoneNumber("+15550100199"), address: "12 Harbor Street, Springfield",
            phone: PhoneNumber("+15550100100"))
    }
}
