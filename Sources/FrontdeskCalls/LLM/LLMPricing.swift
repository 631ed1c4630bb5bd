import FrontdeskCore

/// What a model's tokens cost, in US dollars per million tokens (`LLM_INPUT_COST_PER_MTOK`,
/// `LLM_OUTPUT_COST_PER_MTOK`; zero when unset, so a local model costs nothing).
public struct LLMPricing: Sendable, Equatable {
    public var inputPerMillion: Double = 0
    public var outputPerMillion: Double = 0

    public init(inputPerMillion: Double = 0, outputPerMillion: Double = 0) {
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
    }

    /// Dollars for `prompt` and `completion` tokens.
    public func cost(prompt: Int, completion: Int) -> Double {
        (Double(prompt) * inputPerMillion + Double(completion) * outputPerMillion) / 1_000_000
    }
}
