import Foundation
@testable import FrontdeskServer
import Testing

@Suite("HaltPolling: how this VM's idle vCPUs wait, read from sysfs")
struct HaltPollingTests {
    /// A sysfs tree with a cpuidle driver and, for haltpoll, its polling bound.
    static func sysfs(driver: String?, pollNanoseconds: String?) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sysfs-\(UUID().uuidString)").path
        if let driver {
            try FileManager.default.createDirectory(atPath: root + "/devices/system/cpu/cpuidle", withIntermediateDirectories: true)
            try (driver + "\n").write(toFile: root + "/devices/system/cpu/cpuidle/current_driver", atomically: true, encoding: .utf8)
        }
        if let pollNanoseconds {
            try FileManager.default.createDirectory(atPath: root + "/module/haltpoll/parameters", withIntermediateDirectories: true)
            try (pollNanoseconds + "\n").write(toFile: HaltPolling.parameterPath(sysfs: root), atomically: true, encoding: .utf8)
        }
        return root
    }

    @Test("a haltpoll VM that halts at once is recognised; setting a bound returns the old one and takes effect")
    func haltsAtOnce() throws {
        let root = try Self.sysfs(driver: "haltpoll", pollNanoseconds: "0")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let setting = try #require(HaltPolling.read(sysfs: root))
        #expect(setting.haltsAtOnce)
        #expect(try HaltPolling.set(200_000, sysfs: root) == 0)
        #expect(HaltPolling.read(sysfs: root) == HaltPolling(pollNanoseconds: 200_000))
        #expect(HaltPolling.read(sysfs: root)?.haltsAtOnce == false)
    }

    @Test("no haltpoll driver, another driver, or an unreadable value: nothing to report, nothing to set")
    func nothingToSay() throws {
        for (driver, value) in [(nil, nil), ("acpi_idle", "0"), ("haltpoll", nil), ("haltpoll", "fast"), ("haltpoll", "-1")] as [(String?, String?)] {
            let root = try Self.sysfs(driver: driver, pollNanoseconds: value)
            defer { try? FileManager.default.removeItem(atPath: root) }
            #expect(HaltPolling.read(sysfs: root) == nil)
            #expect(throws: (any Error).self) { try HaltPolling.set(1_000, sysfs: root) }
        }
    }
}
