import Foundation
import FrontdeskCore
import GRDB

// Typed values are stored as plain columns, not JSON.

extension Identifier: DatabaseValueConvertible
{
    public var databaseValue: DatabaseValue { rawValue.databaseValue }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Self? {
        String.fromDatabaseValue(dbValue).map(Self.init(rawValue:))
    }
}

extension PhoneNumber: DatabaseValueConvertible
{
    public var databaseValue: DatabaseValue { e164.databaseValue }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> PhoneNumber? {
        String.fromDatabaseValue(dbValue).flatMap(PhoneNumber.init)
    }
}

extension EmailAddress: DatabaseValueConvertible
{
    public var databaseValue: DatabaseValue { value.databaseValue }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> EmailAddress? {
        String.fromDatabaseValue(dbValue).flatMap(EmailAddress.init)
    }
}

extension Money: DatabaseValueConvertible
{
    public var databaseValue: DatabaseValue { cents.databaseValue }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Money? {
        Int.fromDatabaseValue(dbValue).map(Money.init(cents:))
    }
}

extension Role: DatabaseValueConvertible {}
extension AgentStatus: DatabaseValueConvertible
{}
extension LeadStatus: DatabaseValueConvertible
{}
extension LeadSource: DatabaseValueConvertible
{}
extension AppointmentStatus: DatabaseValueConvertible
{}
extension CallStatus: DatabaseValueConvertible
{}
extension CallDirection: DatabaseValueConvertible
{}
extension CallOutcome: DatabaseValueConvertible
{}
extension Speaker: DatabaseValueConvertible
{}
extension MessageChannel: DatabaseValueConvertible
{}
extension MessageDirection: DatabaseValueConvertible
{}
extension MessageStatus: DatabaseValueConvertible
{}

extension User: FetchableRecord, PersistableRecord {
    public static var databaseTableName: String { "users" }
}
extension Membership: FetchableRecord, PersistableRecord {
    public static var databaseTableName: String { "memberships" }
}
extension Business: FetchableRecord, PersistableRecord {
    public static var databaseTableName: String { "businesses" }
}
extension Agent: FetchableRecord, PersistableRecord {
    public static var databaseTableName: String { "agents" }
}
extension Lead: FetchableRecord, PersistableRecord {
    public static var databaseTableName: String { "leads" }
}
extension Appointment: FetchableRecord, PersistableRecord {
    public static var databaseTableName: String { "appointments" }
}
extension Call: FetchableRecord, PersistableRecord {
    public static var databaseTableName: String { "calls" }
}
extension TranscriptTurn: FetchableRecord, MutablePersistableRecord {
    public static var databaseTableName: String { "transcript_turns" }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
extension Message: FetchableRecord, PersistableRecord {
    public static var databaseTableName: String { "messages" }
}

// The columns the repositories query by, named once (GRDB `Column`s, not string literals in queries).
extension Membership {
    public enum Columns {
        public static let createdAt = Column("created_at")
        public static let userId = Column("user_id")
        public static let businessId = Column("business_id")
    }
}
extension Business {
    public enum Columns {
        public static let createdAt = Column("created_at")
        public static let id = Column("id")
    }
}
extension Agent {
    public enum Columns {
        public static let businessId = Column("business_id")
        public static let createdAt = Column("created_at")
        public static let id = Column("id")
        public static let phoneNumber = Column("phone_number")
        public static let status = Column("status")
    }
}
extension Lead {
    public enum Columns {
        public static let businessId = Column("business_id")
        public static let createdAt = Column("created_at")
        public static let qualificationScore = Column("qualification_score")
    }
}
extension Appointment {
    public enum Columns {
        public static let businessId = Column("business_id")
        public static let id = Column("id")
        public static let leadId = Column("lead_id")
        public static let scheduledDate = Column("scheduled_date")
        public static let status = Column("status")
    }
}
extension Call {
    public enum Columns {
        public static let businessId = Column("business_id")
        public static let id = Column("id")
        public static let leadId = Column("lead_id")
        public static let startedAt = Column("started_at")
        public static let status = Column("status")
    }
}
extension TranscriptTurn {
    public enum Columns {
        public static let callId = Column("call_id")
        public static let sequence = Column("sequence")
    }
}
extension Message {
    public enum Columns {
        public static let businessId = Column("business_id")
        public static let channel = Column("channel")
        public static let createdAt = Column("created_at")
        public static let id = Column("id")
        public static let leadId = Column("lead_id")
        public static let status = Column("status")
    }
}
