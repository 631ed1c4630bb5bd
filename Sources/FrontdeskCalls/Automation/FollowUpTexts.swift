import Foundation
import FrontdeskCore

/// The words of the texts the receptionist sends on its own.
package enum FollowUpTexts {
    /// "Reminder: your Cleaning at Bright Smile Dental is on Tuesday, March 3 at 2:00 PM. Reply C to
    /// confirm, R to reschedule, or STOP to opt out." (`replies: false` for a reminder sent by hand:
    /// only the opt-out line.)
    package static func reminder(_ appointment: Appointment, business: Business, replies: Bool = true) -> String {
        let when = Phrasing(hours: OpeningHours(settings: business.settings)).moment(appointment.scheduledDate)
        let what = appointment.type.map { "your \($0)" } ?? "your appointment"
        let ask = replies ? "Reply C to confirm, R to reschedule, or STOP to opt out." : "Reply STOP to opt out."
        return "Reminder: \(what) at \(business.name) is on \(when). \(ask)"
    }

    package static func noShow(_ appointment: Appointment, business: Business) -> String {
        let what = appointment.type.map { "your \($0)" } ?? "your appointment"
        return "We missed you at \(what) at \(business.name) today. Reply to book another time, or STOP to opt out."
    }

    package static func missedCall(business: Business) -> String {
        "Sorry we missed you — this is \(business.name). Reply to book an appointment or ask us anything. Reply STOP to opt out."
    }

    package static func confirmed(_ appointment: Appointment, business: Business) -> String {
        let when = Phrasing(hours: OpeningHours(settings: business.settings)).moment(appointment.scheduledDate)
        return "Thanks, you're confirmed for \(when) at \(business.name). See you then!"
    }
}
