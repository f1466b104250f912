/// A sentence the summary may quote, kept in `SummaryState` with what it takes to rescore it as the conversation's
/// term counts change.
struct SummarySentence: Sendable, Equatable {
    /// The redacted text as written, clipped to `SummarySentence.textLimit`.
    var text: String
    var seq: Int64
    var speaker: SpeakerRole
    /// Its number among the conversation's sentences: orders quotes chronologically.
    var position: Int
    var terms: [String]
    /// One bit per term (`termBit`): near-duplicates are found by comparing these, not the terms themselves.
    var termMask: UInt64
    /// What its cues add to (or take from) its score; fixed when the sentence is read.
    var bonus: Double
    var score: Double
    /// One of the customer's first sentences, the problem statement: never evicted.
    var isOpening: Bool

    /// Characters kept per sentence: long enough for a statement, short enough to keep the state small.
    static let textLimit = 240

    /// Content weight: the square roots of its terms' conversation counts, over the square root of their number, so
    /// a sentence of frequent terms beats a long sentence of rare ones without length counting for nothing.
    static func contentScore(of terms: [String], counts: [String: Int]) -> Double {
        guard !terms.isEmpty else { return 0 }
        var sum = 0.0
        for term in terms {
            sum += Double(counts[term] ?? 1).squareRoot()
        }
        return sum / Double(terms.count).squareRoot()
    }

    /// Near-duplicates share most of their terms: a Jaccard similarity of at least 0.6 between their term masks,
    /// which also catches a change of case. Sentences without terms are alike only when their text is.
    func isNearDuplicate(of other: SummarySentence) -> Bool {
        guard termMask != 0 || other.termMask != 0 else { return text == other.text }
        let shared = (termMask & other.termMask).nonzeroBitCount
        let union = (termMask | other.termMask).nonzeroBitCount
        return Double(shared) >= 0.6 * Double(union)
    }

    /// The bit of a term in a mask: six bits of its FNV-1a hash. Deterministic, unlike `Hasher`, so masks can be
    /// stored; two terms of a sentence rarely share a bit (a dozen terms in 64 bits).
    static func termBit(_ term: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in term.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return 1 << (hash >> 58)
    }

    static func termMask(of terms: [String]) -> UInt64 {
        terms.reduce(0) { $0 | termBit($1) }
    }

    /// `text` cut at a word boundary to at most `limit` characters, with "…" where it was cut. Cutting at white
    /// space never splits a redaction token.
    static func clipped(_ text: some StringProtocol, to limit: Int) -> String {
        guard text.utf8.count > limit, text.count > limit else { return String(text) }
        let head = text.prefix(limit - 1)
        let cut = head.lastIndex(where: \.isWhitespace).map { head[..<$0] } ?? head
        return String(cut.reversed().drop(while: { $0.isWhitespace || $0 == "," }).reversed()) + "…"
    }
}
