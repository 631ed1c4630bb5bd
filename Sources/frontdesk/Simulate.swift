import ArgumentParser
import Foundation
import FrontdeskCore
import FrontdeskServer
import Yams

/// `frontdesk simulate Scenarios/*.yaml`: scripted calls and text conversations against the runtime,
/// in process, with a readable transcript and a non-zero exit on any failed expectation.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run scripted calls and texts (YAML) against the receptionist and check their outcomes.")

    @Argument(help: "Scenario files (YAML).") var scripts: [String]
    @Flag(help: "Only the result line per script.") var quiet = false

    func run() async throws {
        var failed: [String] = []
        let runner = ScenarioRunner()
        for (index, path) in scripts.enumerated() {
            let label = "[\(index + 1)/\(scripts.count)] \(URL(fileURLWithPath: path).lastPathComponent)"
            let scenario: Scenario
            do {
                let text = try String(contentsOfFile: path, encoding: .utf8)
                scenario = try YAMLDecoder().decode(Scenario.self, from: text)
            } catch {
                print("\(label)  ✘ cannot read the script: \(error)")
                failed.append(path)
                continue
            }
            let report: ScenarioReport
            do {
                report = try await runner.run(scenario)
            } catch {
                print("\(label)  ✘ \(scenario.name): \(error)")
                failed.append(path)
                continue
            }
            if !quiet {
                print("\n\(label) — \(scenario.name) (\(scenario.channel.rawValue))")
                for line in report.lines {
                    let timing = line.latencyMs.map { String(format: "  (%.1f ms)", $0) } ?? ""
                    print(String(format: "  %7.1f ms  ", line.at) + "\(line.speaker.padding(toLength: 7, withPad: " ", startingAt: 0)) \(line.text)\(timing)")
                }
            }
            if report.passed {
                print("\(label)  ✔ \(scenario.name)  (\(report.lines.count) lines, \(String(format: "%.0f", report.seconds * 1000)) ms)")
            } else {
                print("\(label)  ✘ \(scenario.name)")
                for failure in report.failures { print("      - \(failure)") }
                failed.append(path)
            }
        }
        print("\n\(scripts.count - failed.count) passed, \(failed.count) failed")
        if !failed.isEmpty { throw ExitCode.failure }
    }
}
