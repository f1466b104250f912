/// The offline summarizer: extractive, incremental and deterministic. It quotes the conversation's own sentences,
/// chosen by how much they share the conversation's frequent content words and by cues of role and phrasing
/// (a problem statement, an action taken, a promise). No network, no model; each message is read once, in time
/// linear in its length, into a state of bounded size.
public struct ExtractiveSummarizer: Sendable {
    /// How results of this engine are labelled where the engine that produced them must be recorded.
    public static let engine = "offline-extractive"

    public init() {}

    /// The state after the given messages, in seq order. Every message after the watermark is folded in, not only
    /// the latest; messages at or before it (a redelivery, or out of order within the batch) are skipped, so
    /// nothing counts twice.
    public func adding(_ messages: [SummaryInput], to state: SummaryState) -> SummaryState {
        var next = state
        add(messages, to: &next)
        return next
    }

    /// `adding(_:to:)` in place: when the caller holds the only copy of the state, its sentences and term counts
    /// are updated without being copied first.
    public func add(_ messages: [SummaryInput], to state: inout SummaryState) {
        var folded = false
        for message in messages {
            if let watermark = state.summary.watermarkSeq, message.seq <= watermark { continue }
            state.fold(message)
            folded = true
        }
        if folded {
            state.summary = state.composed()
        }
    }
}
