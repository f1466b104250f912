/// Where a call's token numbers came from.
public enum UsageSource: String, Sendable, Codable, CaseIterable {
    /// The provider reported them.
    case reported
    /// Chatter counted them with its estimator (the provider gave none, or the call never finished).
    case estimated
    /// Nobody knows them (a call that failed before any usage could be known).
    case missing
}

/// The one usage type: every provider adapter turns its own usage shape into this.
///
/// `inputTokens` includes cached-read and cache-write tokens; `outputTokens` includes reasoning tokens.
/// So `inputTokens - cachedInputTokens - cacheWriteTokens` is the uncached, full-price input.
public struct Usage: Sendable, Equatable, Codable {
    public var inputTokens: Int64
    public var cachedInputTokens: Int64
    public var cacheWriteTokens: Int64
    public var outputTokens: Int64
    public var reasoningTokens: Int64
    public var source: UsageSource
    /// The provider's own usage object, verbatim JSON, when it sent one.
    public var rawJSON: String?

    public init(
        inputTokens: Int64 = 0,
        cachedInputTokens: Int64 = 0,
        cacheWriteTokens: Int64 = 0,
        outputTokens: Int64 = 0,
        reasoningTokens: Int64 = 0,
        source: UsageSource,
        rawJSON: String? = nil
    ) {
        self.inputTokens = inputTokens
        self.cachedInputTokens = cachedInputTokens
        self.cacheWriteTokens = cacheWriteTokens
        self.outputTokens = outputTokens
        self.reasoningTokens = reasoningTokens
        self.source = source
        self.rawJSON = rawJSON
    }

    public static let missing = Usage(source: .missing)

    public var totalTokens: Int64 { inputTokens + outputTokens }

    /// Input billed at the full input price.
    public var uncachedInputTokens: Int64 { max(0, inputTokens - cachedInputTokens - cacheWriteTokens) }
}
