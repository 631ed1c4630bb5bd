import Foundation
import FrontdeskCalls
import FrontdeskCore
import FrontdeskMedia
import FrontdeskProviders
import FrontdeskStore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// `POST /api/twilio/voice` and `POST /api/twilio/sms`: Twilio's form-encoded webhooks, signature
/// checked (`X-Twilio-Signature` over `FRONTDESK_PUBLIC_URL` + path), answered with TwiML on the same
/// call runtime and receptionist. Voice runs in provider-speech mode: a `<Gather input="speech">` loop
/// in which each request carries what the caller said (or pressed, or their silence).
final class TwilioController: Sendable {
    static let provider = "twilio"
    static let signatureHeader = HTTPField.Name("x-twilio-signature")!

    let configuration: AppConfiguration
    let store: Store
    let calls: CallRuntime
    let mediaTokens: MediaStreamTokens
    let twilioStreams: TwilioStreams
    let now: @Sendable () -> Date
    let texts: InboundTexts
    let verifier: TwilioSignatureVerifier?
    let logger: Logger
    /// The TwiML transport of each live call.
    private let transports = Mutex<[String: TwiMLTransport]>([:])
    /// One delivery of a text at a time per `MessageSid` (a redelivery waits for the first's answer).
    private let smsOnce = KeyedLock()

    init(
        configuration: AppConfiguration, store: Store, calls: CallRuntime, mediaTokens: MediaStreamTokens,
        twilioStreams: TwilioStreams, now: @escaping @Sendable () -> Date, texts: InboundTexts, logger: Logger
    ) {
        self.configuration = configuration
        self.store = store
        self.calls = calls
        self.mediaTokens = mediaTokens
        self.twilioStreams = twilioStreams
        self.now = now
        self.texts = texts
        self.logger = logger
        verifier = configuration.twilioAuthToken.map(TwilioSignatureVerifier.init(authToken:))
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("voice") { [self] request, context in try await voice(request, context: context) }
        group.post("sms") { [self] request, context in try await sms(request, context: context) }
    }

    var voiceURL: String { base + "/api/twilio/voice" }
    var base: String {
        let text = configuration.publicURL.absoluteString
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    /// The form's fields, once the signature holds.
    private func verifiedForm(_ request: inout Request, context: AppRequestContext) async throws -> [String: String] {
        let body = try await request.collectBody(context: context)
        let parameters = FormBody.parse(body)
        let signature = request.headers[Self.signatureHeader]
        if !(signature == nil && configuration.insecureWebhooks) {
            guard let verifier else {
                throw AppError(.webhookSignatureInvalid, "Twilio webhooks need TWILIO_AUTH_TOKEN to be checked; it is not set")
            }
            guard verifier.isValid(signature, url: base + request.uri.description, parameters: parameters) else {
                throw AppError(.webhookSignatureInvalid, "The X-Twilio-Signature does not match \(base + request.uri.path) and its parameters")
            }
        }
        return Dictionary(parameters, uniquingKeysWith: { _, last in last })
    }

    private func twiml(_ verbs: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/xml; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: TwiML.document(verbs))))
    }

    // MARK: voice

    static let finished: Set<String> = ["completed", "busy", "failed", "no-answer", "canceled"]

    func voice(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let form = try await verifiedForm(&request, context: context)
        guard let callSid = form["CallSid"], !callSid.isEmpty else { throw AppError.validation(field: "CallSid", "is required") }
        let status = form["CallStatus"] ?? "in-progress"
        if request.uri.query?.contains("stream_ended=1") == true {
            // A media-mode call's stream closed: a transfer decided on the stream, else the end.
            if let number = twilioStreams.takeTransfer(callSid: callSid) {
                return twiml("<Dial timeout=\"30\">\(TwiML.escape(number.e164))</Dial>")
            }
            return twiml("<Hangup/>")
        }
        let live = calls.session(provider: Self.provider, providerCallId: callSid)
        let transport: TwiMLTransport
        let session: CallSession
        if let live, let known = transports.withLock({ $0[callSid] }) {
            (session, transport) = (live, known)
            if Self.finished.contains(status) {
                await session.handle(.hangUp(cause: status))
                transports.withLock { _ = $0.removeValue(forKey: callSid) }
                return twiml("")
            }
            if let dial = form["DialCallStatus"] {
                await session.handle(.transferResult(succeeded: dial == "completed" || dial == "answered"))
            } else if let speech = form["SpeechResult"]?.trimmingWhitespace(), !speech.isEmpty {
                await session.handle(.callerSaid(speech, isFinal: true, confidence: form["Confidence"].flatMap(Double.init)))
            } else if let digits = form["Digits"], !digits.isEmpty {
                for digit in digits { await session.handle(.dtmf(String(digit))) }
            } else {
                await session.handle(.silenceTimeout)  // the Gather timed out with nothing heard
            }
        } else {
            if Self.finished.contains(status) { return twiml("") }
            guard let to = form["To"].flatMap(PhoneNumber.init), let agent = try await store.agents.find(phoneNumber: to) else {
                logger.warning("A Twilio call to a number no agent answers", metadata: ["to": "\(form["To"] ?? "?")"])
                return twiml("<Say>Sorry, this number isn't set up to take calls yet. Please try again later. Goodbye.</Say><Hangup/>")
            }
            if agent.voiceSettings.mode == .media {
                // Media mode: the call's audio comes over a stream; the session starts with its `start` frame.
                let parameters = [("token", mediaTokens.token(for: callSid)), ("from", form["From"] ?? ""), ("to", to.e164)]
                    .map { "<Parameter name=\"\($0.0)\" value=\"\(TwiML.escape($0.1))\"/>" }.joined()
                let stream = MediaURLs.twilio(publicURL: configuration.publicURL)
                return twiml(
                    "<Connect><Stream url=\"\(TwiML.escape(stream))\">\(parameters)</Stream></Connect>"
                        + "<Redirect method=\"POST\">\(TwiML.escape(voiceURL + "?stream_ended=1"))</Redirect>")
            }
            transport = TwiMLTransport()
            do {
                session = try await calls.start(
                    provider: Self.provider, providerCallId: callSid, from: form["From"].flatMap(PhoneNumber.init), to: to,
                    transport: transport, silence: .seconds(3600))  // the Gather's timeout reports silence
            } catch CallRuntime.StartError.alreadyEnded {
                return twiml("<Hangup/>")
            }
            transports.withLock { $0[callSid] = transport }
            await session.handle(.answered)
        }
        let verbs = await render(session, transport)
        if await session.state == .ended { transports.withLock { _ = $0.removeValue(forKey: callSid) } }
        return twiml(verbs)
    }

    /// Twilio plays the TwiML in order, so what was said counts as heard; a hang-up or transfer that
    /// waited for the speech then joins the same answer.
    private func render(_ session: CallSession, _ transport: TwiMLTransport) async -> String {
        var commands: [TwiMLTransport.Command] = []
        var fresh = transport.take()
        while !fresh.isEmpty {
            commands += fresh
            for command in fresh where command != .hangUp {
                if case .say = command { await session.handle(.agentFinishedSpeaking) }
            }
            fresh = transport.take()
        }
        let language = TwiML.escape(session.agent.voiceSettings.language)
        let says = commands.compactMap { command -> String? in
            if case .say(let text) = command { "<Say language=\"\(language)\">\(TwiML.escape(text))</Say>" } else { nil }
        }.joined()
        if commands.contains(.hangUp) { return says + "<Hangup/>" }
        if let number = commands.lazy.compactMap({ if case .dial(let number) = $0 { number } else { nil } }).first {
            return says + "<Dial action=\"\(TwiML.escape(voiceURL))\" method=\"POST\" timeout=\"30\">\(TwiML.escape(number))</Dial>"
        }
        if await session.state == .ended { return says + "<Hangup/>" }
        let timeout = max(1, session.agent.behaviorSettings.silenceTimeout)
        return "<Gather input=\"speech dtmf\" action=\"\(TwiML.escape(voiceURL))\" method=\"POST\" speechTimeout=\"auto\" timeout=\"\(timeout)\" language=\"\(language)\">"
            + says + "</Gather><Redirect method=\"POST\">\(TwiML.escape(voiceURL))</Redirect>"
    }

    // MARK: SMS

    /// Twilio redelivers a text's webhook when it did not get an answer in time: each `MessageSid` is
    /// acted on once, and a redelivery is answered with the same TwiML (nothing stored or sent again).
    func sms(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let form = try await verifiedForm(&request, context: context)
        guard let from = form["From"].flatMap(PhoneNumber.init), let to = form["To"].flatMap(PhoneNumber.init) else {
            throw AppError.validation(["From": ["must be an E.164 number"], "To": ["must be an E.164 number"]])
        }
        guard let sid = form["MessageSid"], !sid.isEmpty, sid.utf8.count <= 64 else {
            throw AppError.validation(field: "MessageSid", "is required")
        }
        return try await smsOnce.withLock(sid) {
            let events = store.events
            switch try await events.claim(provider: Self.smsEvents, eventId: sid, type: "sms", at: now()) {
            case .answered(let answer):
                context.logger.info("A redelivered Twilio text: answered as before", metadata: ["message_sid": "\(sid)"])
                return twiml(String(decoding: answer, as: UTF8.self))
            case .new, .unfinished:
                let verbs = try await answer(sms: form, from: from, to: to, context: context)
                try await events.storeAnswer(provider: Self.smsEvents, eventId: sid, answer: Data(verbs.utf8))
                return twiml(verbs)
            }
        }
    }

    /// The processed-events provider under which texts' `MessageSid`s are kept.
    static let smsEvents = "twilio-sms"

    private func answer(sms form: [String: String], from: PhoneNumber, to: PhoneNumber, context: AppRequestContext) async throws -> String {
        let replies = Mutex<[String]>([])
        try await texts.receive(
            from: from, to: to, text: form["Body"] ?? "", provider: Self.provider, providerMessageId: form["MessageSid"],
            logger: context.logger
        ) { body, business, lead, evenIfOptedOut in
            if !evenIfOptedOut, try await store.messages.isOptedOut(business: business.id, phone: from.e164) { return }
            let time = now()
            let reply = Message(
                id: .generate(), businessId: business.id, leadId: lead?.id, channel: .sms, direction: .outbound,
                to: from.e164, from: to.e164, subject: nil, body: body, status: .sent, provider: Self.provider,
                providerMessageId: nil, error: nil, createdAt: time, updatedAt: time)
            try await store.messages.save(reply)
            await store.messageStored(reply)
            replies.withLock { $0.append(body) }
        }
        return replies.withLock { $0 }.map { "<Message>\(TwiML.escape($0))</Message>" }.joined()
    }
}
