import Foundation
import FrontdeskCore

public struct MessageFilter: Sendable {
    public var business: BusinessID
    public var channel: MessageChannel
    public var leadId: LeadID?
    public var status: MessageStatus?

    public init(business: BusinessID, channel: MessageChannel, leadId: LeadID? = nil, status: MessageStatus? = nil) {
        self.business = business
        self.channel = channel
        self.leadId = leadId
        self.status = status
    }
}

public protocol MessageRepository: Sendable {
    func find(_ id: MessageID) async throws -> Message?

    func list(_ filter: MessageFilter, page: PageRequest) async throws -> Page<Message>

    func save(_ message: Message) async throws

    /// Stores `message` under an idempotency key unless a message with that key is stored already.
    /// Returns the stored message: `message` itself, or the one stored before under `key` (then the
    /// caller must not send again).
    func claim(_ message: Message, key: String) async throws -> Message

    /// A provider's delivery report for a message it took. Returns false when no message has that id.
    @discardableResult
    func updateStatus( provider: String, providerMessageId: String, status: MessageStatus, error: String?, at now: Date ) async throws -> Bool

    /// STOP/UNSUBSCRIBE: no more texts from this business to `phone`.
    func optOut(business: BusinessID, phone: String, at now: Date) async throws

    /// START: texts may go to `phone` again.
    func optIn(business: BusinessID, phone: String) async throws

    func isOptedOut(business: BusinessID, phone: String) async throws -> Bool
}
