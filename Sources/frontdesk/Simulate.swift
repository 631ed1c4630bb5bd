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
    @Flag(help: ArgumentHelp(
        "Run the LLM policy against a local OpenAI-compatible test server that streams each script's scripted `model:` replies.",
        discussion: "Scripts without `model:` replies are skipped in this mode."))
    var llm = false

    func run() async throws {
        var failed: [String] = []
        var skipped = 0
        let model = llm ? try await ScriptedModelServer.start() : nil
        defer { model?.stop() }
        if let model { print("LLM policy against the scripted test model at \(model.baseURL) (a stand-in that plays the scripts' model: replies)") }
        let runner = ScenarioRunner(model: model)
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
            if let reason = report.skipped {
                print("\(label)  – skipped: \(reason)")
                skipped += 1
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
        print("\n\(scripts.count - failed.count - skipped) passed, \(failed.count) failed" + (skipped > 0 ? ", \(skipped) skipped" : ""))
        if !failed.isEmpty { throw ExitCode.failure }
    }
}
