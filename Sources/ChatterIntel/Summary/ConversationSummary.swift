/// A conversation's extractive summary: sentences taken from its (already redacted) messages, never written anew,
/// so it holds no text the conversation did not.
public struct ConversationSummary: Sendable, Codable, Equatable {
    /// One short line: the customer's issue, and how it ended when it did ("— refund issued").
    public var tldr: String
    /// The problem statement: the most informative sentences of the customer's first messages.
    public var customerIssue: String
    /// What the answering side did or offered: its most informative sentences.
    public var agentResponse: String
    /// The best sentences of the whole conversation, in the order they were written; at most five, no two alike.
    public var keyPoints: [String]
    /// The latest sentences that commit to or ask for something ("I will send you a replacement tomorrow"), in
    /// order; at most three.
    public var nextSteps: [String]
    /// Messages folded in.
    public var coveredMessages: Int
    /// The seq of the last message folded in.
    public var watermarkSeq: Int64?

    public init(
        tldr: String = "",
        customerIssue: String = "",
        agentResponse: String = "",
        keyPoints: [String] = [],
        nextSteps: [String] = [],
        coveredMessages: Int = 0,
        watermarkSeq: Int64? = nil
    ) {
        self.tldr = tldr
        self.customerIssue = customerIssue
        self.agentResponse = agentResponse
        self.keyPoints = keyPoints
        self.nextSteps = nextSteps
        self.coveredMessages = coveredMessages
        self.watermarkSeq = watermarkSeq
    }
}
