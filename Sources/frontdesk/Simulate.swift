import ArgumentParser
import Foundation
import FrontdeskAudio
import FrontdeskCore
import FrontdeskProviders
import FrontdeskServer
import FrontdeskSimulator
import Logging
import Yams

/// `frontdesk simulate Scenarios/*.yaml`: scripted calls and text conversations, played as signed
/// Telnyx webhooks over HTTP — into a fresh in-process server per script, or (`--server`) into a
/// running instance — with a readable transcript and a non-zero exit on any failed expectation.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run scripted calls and texts (YAML) against the receptionist and check their outcomes.",
        discussion: """
            In process (the default), each script gets a fresh database and the server on a free loopback port.
            With --server, the scripts are replayed against a running instance, which must trust the simulator's
            signing key and send its Telnyx commands to the simulator's stand-in; --print-server-env prints the
            variables to start it with.
            """)

    @Argument(help: "Scenario files (YAML).") var scripts: [String] = []
    @Flag(help: "Only the result line per script.") var quiet = false
    @Flag(help: ArgumentHelp(
        "Run the LLM policy against a local OpenAI-compatible test server that streams each script's scripted `model:` replies.",
        discussion: "Scripts without `model:` replies are skipped in this mode."))
    var llm = false
    @Option(help: "Replay the scripts against a running Frontdesk at this URL (e.g. http://127.0.0.1:3000).")
    var server: String?
    @Option(help: "Loopback port of the simulator's Telnyx stand-in (with --server).") var telnyxPort = 38440
    @Flag(help: "Print the environment a server needs for --server runs, then exit.") var printServerEnv = false
    @Option(help: "The carrier to play: telnyx (signed webhooks), twilio (signed forms, TwiML) or retell (custom-LLM socket, voice only).")
    var provider: ScenarioRunner.Carrier = .telnyx
    @Flag(help: ArgumentHelp(
        "Audio mode: calls run over the carrier's media stream (Telnyx or Twilio) in real time; the caller's lines are spoken with espeak-ng.",
        discussion: "Speech-to-text is a SCRIPTED stand-in speaking Deepgram's protocol: it does not recognise speech, it returns each line the script says next."))
    var audio = false
    @Option(help: "Loopback port of the scripted speech-to-text stand-in (with --audio --server).") var speechPort = 38441
    @Option(help: "With --audio on Telnyx: the stream's codec, pcmu (8 kHz) or opus (16 kHz).") var audioCodec: AudioCodec = .pcmu

    @Option(help: "With --audio: telephone-band noise under the caller's voice at this signal-to-noise ratio (dB), e.g. 20.")
    var lineNoise: Double?
    @Option(help: "With --audio: the agent's own voice comes back on the caller's side at this level (dB), e.g. -25.")
    var echo: Double?

    enum AudioCodec: String, ExpressibleByArgument, CaseIterable {
        case pcmu, opus
        var format: MediaFormat { self == .opus ? MediaFormat(encoding: .opus, sampleRate: 16_000) : .pcmu8k }
    }

    func validate() throws {
        if !printServerEnv && scripts.isEmpty { throw ValidationError("Name at least one scenario file.") }
        if server != nil && llm { throw ValidationError("--llm runs in process only (the test model is local to this process).") }
        if let server, URL(string: server)?.host == nil { throw ValidationError("--server must be a URL like http://127.0.0.1:3000") }
        if audio && provider == .retell { throw ValidationError("--audio plays Telnyx or Twilio media streams; Retell does its own audio.") }
        if (lineNoise != nil || echo != nil) && !audio { throw ValidationError("--line-noise and --echo shape the audio of --audio calls.") }
        if let lineNoise, !(0...60).contains(lineNoise) { throw ValidationError("--line-noise is a signal-to-noise ratio from 0 to 60 dB.") }
        if let echo, !(-60...0).contains(echo) { throw ValidationError("--echo is a level from -60 to 0 dB.") }
        if audioCodec == .opus && provider == .twilio { throw ValidationError("Twilio media streams are µ-law only; --audio-codec opus needs --provider telnyx.") }
    }

    func run() async throws {
        if printServerEnv {
            print("export TELNYX_API_KEY=simulator")
            print("export TELNYX_API_BASE=http://127.0.0.1:\(telnyxPort)/v2")
            print("export TELNYX_PUBLIC_KEY=\(try TelnyxSigner.simulatorTestKey().publicKeyBase64)")
            print("export TWILIO_AUTH_TOKEN=\(ScenarioRunner.twilioAuthToken)")
            print("export RETELL_API_KEY=\(ScenarioRunner.retellAPIKey)")
            print("export FRONTDESK_PUBLIC_URL=\(server ?? "http://127.0.0.1:3000")   # what Twilio signatures cover: the --server URL")
            print("export STT_PROVIDER=deepgram STT_BASE_URL=http://127.0.0.1:\(speechPort)   # --audio: the scripted speech-to-text stand-in")
            return
        }
        var target = ScenarioRunner.Target.inProcess
        var standIn: TelnyxStandIn?
        if let server {
            let started = try await TelnyxStandIn.start(port: telnyxPort)
            standIn = started
            target = .server(URL(string: server)!, standIn: started, signer: try TelnyxSigner.simulatorTestKey())
            print("Replaying against \(server) as signed Telnyx webhooks; the Telnyx stand-in listens on \(started.baseURL).")
        }
        defer { standIn?.stop() }
        var failed: [String] = []
        var skipped = 0
        let model = llm ? try await ScriptedModelServer.start() : nil
        defer { model?.stop() }
        if let model { print("LLM policy against the scripted test model at \(model.baseURL) (a stand-in that plays the scripts' model: replies)") }
        var speech: ScriptedSpeechServer?
        if audio {
            speech = try await ScriptedSpeechServer.start(port: server == nil ? 0 : speechPort)
            print("Audio mode: \(provider.rawValue) media streams (\(audioCodec.format)) in real time, caller lines spoken with espeak-ng.")
            if lineNoise != nil || echo != nil {
                print("The line: " + [lineNoise.map { "telephone-band noise at \(Int($0)) dB SNR" }, echo.map { "the agent's voice echoed at \(Int($0)) dB" }].compactMap { $0 }.joined(separator: ", ") + ".")
            }
            print("Speech-to-text: \(ScriptedSpeechServer.label), Deepgram protocol at \(speech!.baseURL).")
        }
        defer { speech?.stop() }
        let runner = ScenarioRunner(model: model, target: target, carrier: provider, speech: speech, audioFormat: audioCodec.format,
            line: MediaStreamPeer.Line(signalToNoise: lineNoise, echo: echo))
        // FRONTDESK_TRACING=otlp: the scenarios' turns as OpenTelemetry spans, flushed before the exit.
        let environment = ProcessInfo.processInfo.environment
        try await TracingBackend.around(environment: environment, logger: Logger(label: "tracing")) {
            try await play(runner, failed: &failed, skipped: &skipped)
        }
        print("\n\(scripts.count - failed.count - skipped) passed, \(failed.count) failed" + (skipped > 0 ? ", \(skipped) skipped" : ""))
        if !failed.isEmpty { throw ExitCode.failure }
    }

    /// Plays every script, printing each report; the paths that failed and the count skipped.
    private func play(_ runner: ScenarioRunner, failed: inout [String], skipped: inout Int) async throws {
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
            for note in report.notes { print("      · \(note)") }
            if report.passed {
                print("\(label)  ✔ \(scenario.name)  (\(report.lines.count) lines, \(String(format: "%.0f", report.seconds * 1000)) ms)")
            } else {
                print("\(label)  ✘ \(scenario.name)")
                for failure in report.failures { print("      - \(failure)") }
                failed.append(path)
            }
        }
    }
}

extension ScenarioRunner.Carrier: ExpressibleByArgument {}
