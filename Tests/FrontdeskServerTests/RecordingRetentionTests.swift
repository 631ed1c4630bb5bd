import Foundation
@testable import FrontdeskCalls
import FrontdeskCore
@testable import FrontdeskServer
import FrontdeskStore
import HTTPTypes
import Logging
import Testing

@Suite("Recording retention: recordings older than RECORDING_RETENTION_DAYS are deleted, the calls kept")
struct RecordingRetentionTests {
    @Test("a pass deletes the files and links of calls past the limit; recent and live calls keep theirs; a file already gone is no error")
    func expiresOldRecordings() async throws {
        let app = TestApp()
        try await app.run { client in
            let owner = try await client.register("Owner")
            let store = try await app.openStore()
            defer { Task { await store.close() } }
            let business = try #require(try await store.businesses.find(BusinessID(rawValue: owner.businessId)))
            let folder = app.folder.appendingPathComponent("recordings")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let now = client.clock.now

            /// A call that started `daysAgo` days ago with a recording on disk (`onDisk`: its file exists).
            func recorded(_ name: String, daysAgo: Double, status: CallStatus = .completed, onDisk: Bool = true) async throws -> (CallID, String) {
                let started = now.addingTimeInterval(-daysAgo * 86_400)
                let call = Call(
                    id: .generate(), businessId: business.id, agentId: nil, leadId: nil, phone: PhoneNumber("+15550003333"),
                    direction: .inbound, provider: "telnyx", providerCallId: "v3:\(name)", status: status, duration: 60,
                    recordingUrl: nil, outcome: nil, summary: "Asked about \(name)", hangupCause: nil, startedAt: started,
                    endedAt: status == .inProgress ? nil : started.addingTimeInterval(60), createdAt: started)
                try await store.calls.insert(call)
                let path = folder.appendingPathComponent("\(call.id.rawValue).ogg").path
                if onDisk { try Data("OggS".utf8).write(to: URL(fileURLWithPath: path)) }
                try await store.calls.setRecording(call.id, url: "/api/calls/\(call.id.rawValue)/recording", path: path)
                return (call.id, path)
            }
            let old = try await recorded("old", daysAgo: 45)
            let older = try await recorded("older", daysAgo: 400, onDisk: false)
            let recent = try await recorded("recent", daysAgo: 10)
            let live = try await recorded("live", daysAgo: 31, status: .inProgress)

            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let retention = RecordingRetention(store: store, days: 30, now: { client.clock.now }, logger: logger)
            #expect(try await retention.expire() == 2)
            #expect(!FileManager.default.fileExists(atPath: old.1))
            #expect(FileManager.default.fileExists(atPath: recent.1) && FileManager.default.fileExists(atPath: live.1))

            // Through the API: the old calls are still there, without a recording.
            for id in [old.0, older.0] {
                let detail = try await client.call(.get, "/api/calls/\(id.rawValue)", token: owner.token)
                #expect(detail.status == .ok && detail["summary"] != nil)
                #expect(detail["recording_url"] == nil || detail["recording_url"] is NSNull)
                #expect(try await client.call(.get, "/api/calls/\(id.rawValue)/recording", token: owner.token).status == .notFound)
            }
            let kept = try await client.call(.get, "/api/calls/\(recent.0.rawValue)", token: owner.token)
            #expect(kept["recording_url"] as? String == "/api/calls/\(recent.0.rawValue)/recording")
            #expect(try await client.call(.get, "/api/calls/\(recent.0.rawValue)/recording", token: owner.token).status == .ok)

            // Nothing more to do until the recent one ages past the limit.
            #expect(try await retention.expire() == 0)
            client.clock.advance(seconds: 21 * 86_400)
            #expect(try await retention.expire() == 1)
            #expect(!FileManager.default.fileExists(atPath: recent.1))
        }
    }

    @Test("RECORDING_RETENTION_DAYS: a whole number of days from 1; unset keeps recordings")
    func configuration() throws {
        #expect(try AppConfiguration.fromEnvironment([:]).recordingRetentionDays == nil)
        #expect(try AppConfiguration.fromEnvironment(["RECORDING_RETENTION_DAYS": "90"]).recordingRetentionDays == 90)
        for bad in ["0", "-5", "ninety", "1.5"] {
            #expect(throws: ConfigurationError.self) { try AppConfiguration.fromEnvironment(["RECORDING_RETENTION_DAYS": bad]) }
        }
    }
}
