/// Per-turn timing of a media-mode call: end of the caller's speech → turn detected → final
/// transcript → first reply sentence from the engine → first synthesised audio → first frame out.
public struct TurnLatency: Sendable, Equatable, Codable {
    /// The caller's turn (1, 2, …) within the call.
    public var turn: Int
    /// The silence waited to be sure the caller finished (the configured end of turn).
    public var endOfTurnMs: Double
    /// Turn detected → final transcript.
    public var transcriptMs: Double
    /// Final transcript → first sentence of the reply from the engine (LLM or scripted policy).
    public var replyMs: Double
    /// First reply sentence → first audio from text-to-speech.
    public var firstAudioMs: Double
    /// First audio → first frame sent to the carrier.
    public var firstFrameMs: Double
    /// Final transcript → the language model's first token (within `replyMs`; nil with the scripted policy).
    public var firstTokenMs: Double?
    /// The speech-to-text provider's own time, within `transcriptMs`: the request for the final words
    /// (Deepgram's `Finalize`, the upload of the utterance) → the words back.
    public var speechToTextMs: Double?
    /// The text-to-speech provider's own time, within `firstAudioMs`: the request → its first audio.
    public var textToSpeechMs: Double?

    public init(
        turn: Int, endOfTurnMs: Double, transcriptMs: Double, replyMs: Double, firstAudioMs: Double, firstFrameMs: Double,
        firstTokenMs: Double? = nil, speechToTextMs: Double? = nil, textToSpeechMs: Double? = nil
    ) {
        self.turn = turn
        self.endOfTurnMs = endOfTurnMs
        self.transcriptMs = transcriptMs
        self.replyMs = replyMs
        self.firstAudioMs = firstAudioMs
        self.firstFrameMs = firstFrameMs
        self.firstTokenMs = firstTokenMs
        self.speechToTextMs = speechToTextMs
        self.textToSpeechMs = textToSpeechMs
    }

    /// From the end of the caller's speech to the first frame of the answer.
    public var totalMs: Double { endOfTurnMs + transcriptMs + replyMs + firstAudioMs + firstFrameMs }

    /// What the runtime itself adds: end of turn detected → first frame out, less the speech
    /// providers' own time (the language model's, when there is one, stays in: it is not split out).
    public var runtimeMs: Double {
        transcriptMs + replyMs + firstAudioMs + firstFrameMs - (speechToTextMs ?? 0) - (textToSpeechMs ?? 0)
    }

    enum CodingKeys: String, CodingKey {
        case turn
        case endOfTurnMs = "end_of_turn_ms"
        case transcriptMs = "transcript_ms"
        case replyMs = "reply_ms"
        case firstAudioMs = "first_audio_ms"
        case firstFrameMs = "first_frame_ms"
        case firstTokenMs = "first_token_ms"
        case speechToTextMs = "speech_to_text_ms"
        case textToSpeechMs = "text_to_speech_ms"
    }
}
