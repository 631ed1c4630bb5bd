import Foundation
import FrontdeskCore

/// The events a change to a lead, an appointment or a call makes, decided in one place.
extension EventFeed {
    /// `lead.created` for a new lead, `lead.updated` for a changed one, and `lead.qualified` when its
    /// score reaches 70 (the qualified band) for the first time.
    public func leadChanged(from old: Lead?, to new: Lead, at time: Date) async {
        if let old {
            var unchanged = old
            unchanged.updatedAt = new.updatedAt
            guard unchanged != new else { return }
            await publish(.leadUpdated, business: new.businessId, data: new, at: time)
        } else {
            await publish(.leadCreated, business: new.businessId, data: new, at: time)
        }
        let before = old?.qualificationScore.map { ScoreBand(score: $0) }
        if let score = new.qualificationScore, ScoreBand(score: score) == .qualified, before != .qualified {
            await publish(.leadQualified, business: new.businessId, data: new, at: time)
        }
    }

    /// `appointment.booked` for a new appointment, `appointment.cancelled` when it becomes cancelled,
    /// `appointment.moved` when its time changes, `appointment.no_show` when it is marked a no-show.
    public func appointmentChanged(from old: Appointment?, to new: Appointment, at time: Date) async {
        guard let old else {
            if new.status != .cancelled { await publish(.appointmentBooked, business: new.businessId, data: new, at: time) }
            return
        }
        if new.status == .cancelled, old.status != .cancelled {
            await publish(.appointmentCancelled, business: new.businessId, data: new, at: time)
        } else if new.status == .noShow, old.status != .noShow {
            await publish(.appointmentNoShow, business: new.businessId, data: new, at: time)
        } else if new.scheduledDate != old.scheduledDate || new.duration != old.duration, new.status != .cancelled {
            await publish(.appointmentMoved, business: new.businessId, data: MovedAppointment(appointment: new, from: old.scheduledDate), at: time)
        }
    }

    /// `message.received` for a text (or email) that came in, `message.sent` for one that went out,
    /// with the thread it is on (`conversation_id`, and `assignee_id` while a member holds the thread).
    public func messageStored(_ message: Message, thread: ConversationThread?) async {
        await publish(
            message.direction == .inbound ? .messageReceived : .messageSent, business: message.businessId,
            data: MessageOnThread(message: message, thread: thread), at: message.createdAt)
    }
}

/// A message as its events carry it: the message's fields, and its thread's.
struct MessageOnThread: Encodable, Sendable {
    let message: Message
    let thread: ConversationThread?

    func encode(to encoder: any Encoder) throws {
        try message.encode(to: encoder)
        guard let thread else { return }
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(thread.id, forKey: .conversationId)
        try container.encode(thread.assigneeId, forKey: .assigneeId)
    }

    enum Key: String, CodingKey {
        case conversationId = "conversation_id"
        case assigneeId = "assignee_id"
    }
}

/// An appointment that moved, with where it was.
struct MovedAppointment: Encodable, Sendable {
    let appointment: Appointment
    let from: Date

    func encode(to encoder: any Encoder) throws {
        try appointment.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(from, forKey: .previousDate)
    }

    enum Key: String, CodingKey { case previousDate = "previous_scheduled_date" }
}
