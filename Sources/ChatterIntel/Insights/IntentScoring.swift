/// Turns per-intent evidence into one intent and a confidence.
enum IntentScoring {
    /// Evidence below this picks no topic: a question is then a general question, anything else `other`.
    static let minimumEvidence = 0.5
    /// Evidence at which a clear winner is fully confident: about two clear signs.
    static let fullStrength = 2.0
    /// The confidence of the fallback, a guess from the message's shape rather than its words.
    static let fallbackConfidence = 0.3

    /// Scores indexed by `SupportIntent.ordinal`. Ties go to the intent listed first in `SupportIntent`.
    static func decide(_ scores: [Double], isQuestion: Bool) -> (intent: SupportIntent, confidence: Double) {
        var best = SupportIntent.other
        var bestScore = 0.0
        var total = 0.0
        for intent in SupportIntent.ordered {
            let score = scores[intent.ordinal]
            total += score
            if score > bestScore {
                best = intent
                bestScore = score
            }
        }
        guard bestScore >= minimumEvidence else {
            return (isQuestion ? .generalQuestion : .other, fallbackConfidence)
        }
        // The winner's share of all evidence, discounted while the evidence is thin.
        let share = bestScore / total
        let strength = min(1, bestScore / fullStrength)
        return (best, rounded(share * (0.5 + 0.5 * strength)))
    }

    /// The intent with the second most evidence, when it has at least half the winner's: a conversation about a
    /// refund that is also a complaint gets both suggested actions.
    static func runnerUp(_ scores: [Double], after winner: SupportIntent) -> SupportIntent? {
        let winnerScore = scores[winner.ordinal]
        let second = SupportIntent.ordered.filter { $0 != winner && $0 != .other }.max { scores[$0.ordinal] < scores[$1.ordinal] }
        guard let second, scores[second.ordinal] >= max(minimumEvidence, winnerScore / 2) else { return nil }
        return second
    }

    static func rounded(_ value: Double) -> Double {
        (value * 100).rounded() / 100
    }
}
