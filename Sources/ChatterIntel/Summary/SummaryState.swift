/// The summarizer's running state for one conversation, bounded whatever its length: the `candidateLimit` best
/// quotable sentences plus the customer's opening ones and the latest few, the latest next-step sentences, and
/// the counts of the most frequent terms. Store it with the conversation (its JSON is compact, see
/// `SummaryState+Coding.swift`) and fold new messages in with `ExtractiveSummarizer.adding(_:to:)`.
public struct SummaryState: Sendable, Codable, Equatable {
    /// Sentences kept for their score. Five key points need few more than five to choose from; each kept sentence
    /// costs state size and JSON coding time on every batch.
    public static let candidateLimit = 24
    /// Customer sentences from the first `openingMessages` customer messages kept as the problem statement.
    public static let openingLimit = 4
    public static let openingMessages = 2
    /// The latest sentences, kept whatever their score: where the conversation stands now.
    public static let recentLimit = 4
    public static let nextStepLimit = 3
    /// Term counts are pruned back to this many when they reach twice as many.
    public static let termLimit = 200
    /// Every this many messages all kept sentences are rescored against the current term counts.
    public static let rescoreInterval = 16

    public var summary: ConversationSummary
    var candidates: [SummarySentence]
    var nextSteps: [SummarySentence]
    var termCounts: [String: Int]
    var sentencesRead: Int
    var customerMessages: Int
    var agentMessages: Int
    var openingSentences: Int
    /// How the issue ended, from the latest sentence that said so; cleared when a later one says it has not.
    var outcome: String?

    public init() {
        summary = ConversationSummary()
        candidates = []
        nextSteps = []
        termCounts = [:]
        sentencesRead = 0
        customerMessages = 0
        agentMessages = 0
        openingSentences = 0
        outcome = nil
    }
}
