import ChatterCore

extension Usage {
    /// OpenAI Chat Completions usage: `prompt_tokens` already includes `prompt_tokens_details.cached_tokens`,
    /// and `completion_tokens` already includes `completion_tokens_details.reasoning_tokens`
    /// (platform.openai.com/docs/api-reference/chat/object). Nothing is added twice.
    public init?(openAI usage: JSONValue?) {
        guard let usage, case .object = usage else { return nil }
        self.init(
            inputTokens: usage["prompt_tokens"]?.int64 ?? 0,
            cachedInputTokens: usage["prompt_tokens_details"]?["cached_tokens"]?.int64 ?? 0,
            cacheWriteTokens: 0,
            outputTokens: usage["completion_tokens"]?.int64 ?? 0,
            reasoningTokens: usage["completion_tokens_details"]?["reasoning_tokens"]?.int64 ?? 0,
            source: .reported,
            rawJSON: usage.jsonText
        )
    }
}
