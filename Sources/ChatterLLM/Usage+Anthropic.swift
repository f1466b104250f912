import ChatterCore

extension Usage {
    /// Anthropic Messages usage (docs.anthropic.com, "Messages" and "Prompt caching"): `input_tokens` is only
    /// the uncached part, so input = input_tokens + cache_creation_input_tokens + cache_read_input_tokens;
    /// cached = cache reads; cache write = cache creation. `output_tokens` already includes thinking.
    public init?(anthropic usage: JSONValue?) {
        guard let usage, case .object = usage else { return nil }
        let cacheWrite = usage["cache_creation_input_tokens"]?.int64 ?? 0
        let cacheRead = usage["cache_read_input_tokens"]?.int64 ?? 0
        self.init(
            inputTokens: (usage["input_tokens"]?.int64 ?? 0) + cacheWrite + cacheRead,
            cachedInputTokens: cacheRead,
            cacheWriteTokens: cacheWrite,
            outputTokens: usage["output_tokens"]?.int64 ?? 0,
            reasoningTokens: 0,
            source: .reported,
            rawJSON: usage.jsonText
        )
    }
}

extension JSONValue {
    /// This object with `other`'s keys laid over it: Anthropic streams send input and cache counts in
    /// `message_start` and cumulative counts in each `message_delta`, so the latest value of each key wins.
    func overlaid(with other: JSONValue) -> JSONValue {
        guard case .object(var base) = self, case .object(let top) = other else { return other }
        for (key, value) in top where value != .null { base[key] = value }
        return .object(base)
    }
}
