import Foundation
import FrontdeskCore

public protocol ConversationRepository: Sendable {
    func state(business: BusinessID, channel: Channel, lead: LeadID) async throws -> ConversationState?

    func save(_ state: ConversationState, business: BusinessID, channel: Channel, lead: LeadID, now: Date) async throws
}
