import Foundation
import FrontdeskCore
import FrontdeskWire

/// A simulator script (YAML or JSON): who calls or texts the demo business, what they say, and what
/// must be true afterwards.
public struct Scenario: Decodable, Sendable {
    public struct Step: Decodable, Sendable {
        /// The caller's words.
        public var caller: String?
        /// A key pressed (voice).
        public var dtmf: String?
        /// Silence timeouts in a row (voice).
        public var silence: Int?
        /// The caller hangs up (voice).
        public var hangup: Bool?
        /// Text the agent's last reply must contain (scripted policy).
        public var expectReply: String?
        /// What the test model answers to this caller line, one entry per chat completion (LLM mode).
        public var model: [ModelReply]?
        /// Audio mode: the caller starts this line while the agent is still talking (barge-in).
        public var bargeIn: Bool?
        /// Texts: a member of the team takes the caller's thread (`take_over`) or gives it back (`release`).
        public var team: TeamAction?
        /// Texts: what a member of the team writes to the caller from the inbox.
        public var teamReply: String?
        /// Texts: the receptionist must not answer this line (a member holds the thread).
        public var expectNoReply: Bool?

        public enum TeamAction: String, Decodable, Sendable {
            case takeOver = "take_over"
            case release
        }

        enum CodingKeys: String, CodingKey {
            case caller, dtmf, silence, hangup, model, team
            case expectReply = "expect_reply"
            case bargeIn = "barge_in"
            case teamReply = "team_reply"
            case expectNoReply = "expect_no_reply"
        }
    }

    /// One chat completion the scripted test model streams: text, tool calls, or both.
    public struct ModelReply: Decodable, Sendable {
        public struct ToolCall: Decodable, Sendable {
            public var name: String
            public var arguments: JSONValue?
            /// Text the runtime's tool result (sent back in the next request) must contain.
            public var expectResult: String?

            enum CodingKeys: String, CodingKey {
                case name, arguments
                case expectResult = "expect_result"
            }
        }

        public var say: String?
        public var tools: [ToolCall]?

        public init(say: String? = nil, tools: [ToolCall]? = nil) {
            self.say = say
            self.tools = tools
        }
    }

    /// What happens after the call or the texts, on the server's virtual clock: time passes (the
    /// scheduler's reminders and follow-ups come due), texts reach the caller, the caller texts back.
    public struct Afterwards: Decodable, Sendable {
        /// Time passing: "23h", "45m", "2d", "90s".
        public var wait: String?
        /// A text to the caller containing this must arrive (after the wait, within a few seconds).
        public var expectText: String?
        /// No text may reach the caller after the wait.
        public var expectNoText: Bool?
        /// The caller texts this (Telnyx messaging).
        public var text: String?
        /// Text the reply to `text` must contain.
        public var expectReply: String?
        /// An e-mail to the caller (`caller_email`) whose subject or body contains this must be in the log.
        public var expectEmail: String?
        /// The script's workflows' webhooks must have reached the simulator this many times, signed.
        public var expectWorkflowWebhooks: Int?

        enum CodingKeys: String, CodingKey {
            case wait, text
            case expectText = "expect_text"
            case expectNoText = "expect_no_text"
            case expectReply = "expect_reply"
            case expectEmail = "expect_email"
            case expectWorkflowWebhooks = "expect_workflow_webhooks"
        }

        /// "23h" → 82,800 seconds; nil when it is not a whole number of s, m, h or d.
        public static func seconds(_ text: String) -> TimeInterval? {
            guard let unit = text.last, let value = Int(text.dropLast()), value >= 0 else { return nil }
            switch unit {
            case "s": return TimeInterval(value)
            case "m": return TimeInterval(value * 60)
            case "h": return TimeInterval(value * 3600)
            case "d": return TimeInterval(value * 86_400)
            default: return nil
            }
        }
    }

    public struct ExistingAppointment: Decodable, Sendable {
        /// Local wall-clock start in the business's zone, "2026-11-24 10:00".
        public var at: String
        public var duration: Int?
        public var type: String?
        /// Whether it belongs to the caller (for cancel and reschedule scripts).
        public var caller: Bool?
    }

    public struct Expectations: Decodable, Sendable {
        /// Local "YYYY-MM-DD HH:mm" of the caller's booked appointment, or "none".
        public var appointment: String?
        public var outcome: CallOutcome?
        public var leadStatus: LeadStatus?
        /// Inclusive range, e.g. [70, 100].
        public var leadScore: [Int]?
        public var transferred: Bool?
        public var smsContains: String?
        public var cancelled: Bool?
        public var hungUp: Bool?
        /// Text the agent's first words must contain.
        public var greeting: String?

        enum CodingKeys: String, CodingKey {
            case appointment, outcome, transferred, cancelled, greeting
            case leadStatus = "lead_status"
            case leadScore = "lead_score"
            case smsContains = "sms_contains"
            case hungUp = "hung_up"
        }
    }

    public enum Direction: String, Decodable, Sendable { case inbound, outbound }
    public enum AnsweredBy: String, Decodable, Sendable { case person, machine }

    public var name: String
    public var channel: Channel = .voice
    /// `outbound`: the receptionist calls the caller (`POST /api/calls`) instead of answering them.
    public var direction: Direction = .inbound
    /// Outbound: who picks up — a person (who says the steps) or an answering machine.
    public var answeredBy: AnsweredBy = .person
    /// Outbound: what the call is about.
    public var purpose: String?
    /// The caller's number.
    public var caller: String = "+15551234567"
    /// Local time of the call in the business's zone, "2026-11-23 10:00" (default: next Monday 10:00).
    public var now: String?
    /// Top-level settings keys laid over the demo business's settings (e.g. other hours).
    public var settings: [String: JSONValue]?
    public var appointments: [ExistingAppointment] = []
    public var agentStopped: Bool = false
    /// The agent's behaviour settings for this script (escalation triggers, greeting, …).
    public var behavior: BehaviorSettings?
    public var steps: [Step]
    /// After the call or the texts (reminders, follow-ups, replies to them).
    public var afterwards: [Afterwards] = []
    /// Workflows created through the API before the call (`business_id` is filled in; a webhook URL
    /// `{{simulator.webhook_url}}` is the simulator's own receiver), deleted after it.
    public var workflows: [JSONValue] = []
    /// The caller's lead is made before the call with this e-mail address (for e-mail actions).
    public var callerEmail: String?
    public var expect: Expectations

    enum CodingKeys: String, CodingKey {
        case name, channel, caller, now, settings, appointments, steps, expect, afterwards, workflows, direction, purpose
        case answeredBy = "answered_by"
        case callerEmail = "caller_email"
        case agentStopped = "agent_stopped"
        case behavior = "behavior_settings"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        channel = try c.decodeIfPresent(Channel.self, forKey: .channel) ?? .voice
        direction = try c.decodeIfPresent(Direction.self, forKey: .direction) ?? .inbound
        answeredBy = try c.decodeIfPresent(AnsweredBy.self, forKey: .answeredBy) ?? .person
        purpose = try c.decodeIfPresent(String.self, forKey: .purpose)
        caller = try c.decodeIfPresent(String.self, forKey: .caller) ?? "+15551234567"
        now = try c.decodeIfPresent(String.self, forKey: .now)
        settings = try c.decodeIfPresent([String: JSONValue].self, forKey: .settings)
        appointments = try c.decodeIfPresent([ExistingAppointment].self, forKey: .appointments) ?? []
        agentStopped = try c.decodeIfPresent(Bool.self, forKey: .agentStopped) ?? false
        behavior = try c.decodeIfPresent(BehaviorSettings.self, forKey: .behavior)
        steps = try c.decodeIfPresent([Step].self, forKey: .steps) ?? []
        afterwards = try c.decodeIfPresent([Afterwards].self, forKey: .afterwards) ?? []
        workflows = try c.decodeIfPresent([JSONValue].self, forKey: .workflows) ?? []
        callerEmail = try c.decodeIfPresent(String.self, forKey: .callerEmail)
        for step in afterwards {
            if let wait = step.wait, Afterwards.seconds(wait) == nil {
                throw DecodingError.dataCorruptedError(forKey: .afterwards, in: c, debugDescription: "wait \(wait) is not like 90s, 45m, 23h or 2d")
            }
        }
        expect = try c.decodeIfPresent(Expectations.self, forKey: .expect) ?? Expectations()
    }
}

