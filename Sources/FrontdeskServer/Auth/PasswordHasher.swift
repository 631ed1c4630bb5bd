import Foundation
import HummingbirdBcrypt
import NIOPosix

/// bcrypt, run on the blocking thread pool so hashing never stalls an event loop.
public struct PasswordHasher: Sendable {
    public let cost: Int

    /// A hash of a random password, checked when an account does not exist, so the response time of
    /// a failed login does not reveal which e-mails have accounts.
    public let unknownAccountHash: String

    public init(cost: Int) {
        self.cost = cost
        unknownAccountHash = Bcrypt.hash(UUID().uuidString, cost: UInt8(cost))
    }

    public func hash(_ password: String) async throws -> String {
        let cost = UInt8(cost)
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}
