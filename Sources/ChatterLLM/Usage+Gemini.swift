import ChatterCore

extension Usage {
    /// Gemini `usageMetadata` (ai.google.dev/api/generate-content#UsageMetadata): `promptTokenCount` already
    /// includes `cachedContentTokenCount`; tool-use prompt tokens are input too. Thinking tokens
    /// (`thoughtsTokenCount`) are billed as output but not counted in `candidatesTokenCount`, so they are added.
    public init?(gemini usage: JSONValue?) {
        guard let usage, case .object = usage else { return nil }
        let thoughts = usage["thoughtsTokenCount"]?.int64 ?? 0
        self.init(
            inputTokens: (usage["promptTokenCount"]?.int64 ?? 0) + (usage["toolUsePromptTokenCount"]?.int64 ?? 0),
            cachedInputTokens: usage["cachedContentTokenCount"]?.int64 ?? 0,
            cacheWriteTokens: 0,
            outputTokens: (usage["candidatesTokenCount"]?.int64 ?? 0) + thoughts,
            reasoningTokens: thoughts,
            source: .reported,
            rawJSON: usage.jsonText
        )
    }
}
