/// The offline sentiment and emotion engine: the VADER lexicon and rules, plus keyword emotions. No network, no
/// model; one pass over the message, so the cost is linear in its length (a few microseconds for a chat message).
public struct SentimentAnalyzer: Sendable {
    /// How results of this engine are labelled where the engine that produced them must be recorded.
    public static let engine = "offline-lexicon"

    let vocabulary: SentimentVocabulary

    /// The first analyzer created parses the built-in lexicon (a few milliseconds); later ones share it.
    public init() {
        vocabulary = .shared
    }

    init(vocabulary: SentimentVocabulary) {
        self.vocabulary = vocabulary
    }

    public func analyze(_ text: String) -> SentimentResult {
        let tokenized = SentimentTokenizedText(text, vocabulary: vocabulary)
        let capsDifferential = ValenceRules.hasCapsDifferential(tokenized.tokens)
        let valences = ValenceRules.valences(of: tokenized.tokens, capsDifferential: capsDifferential)
        let emphasis = ValenceRules.punctuationEmphasis(
            exclamationMarks: tokenized.exclamationMarks,
            questionMarks: tokenized.questionMarks
        )
        let sum = valences.reduce(0, +)
        let emphasised = sum > 0 ? sum + emphasis : sum < 0 ? sum - emphasis : 0
        let compound = ValenceRules.normalize(emphasised)
        let shares = PolarityShares(valences: valences, emphasis: emphasis)
        let emotion = EmotionRules.outcome(of: tokenized, compound: compound, capsDifferential: capsDifferential)
        return SentimentResult(
            compound: compound,
            positive: shares.positive,
            negative: shares.negative,
            neutral: shares.neutral,
            label: SentimentLabel(compound: compound),
            emotion: emotion.emotion,
            emotionScores: emotion.scores
        )
    }
}

/// How much of a message is positive, negative and neutral. Every token counts one unit of neutral material; a
/// sentiment word counts one unit plus its valence on its side, so intensity matters but cannot drown out the
/// rest. Punctuation emphasis goes to the side that is already larger. The three shares sum to 1.
struct PolarityShares {
    var positive = 0.0
    var negative = 0.0
    var neutral = 1.0

    init(valences: [Double], emphasis: Double) {
        var positiveSum = 0.0
        var negativeSum = 0.0
        var neutralCount = 0.0
        for valence in valences {
            if valence > 0 {
                positiveSum += valence + 1
            } else if valence < 0 {
                negativeSum += -valence + 1
            } else {
                neutralCount += 1
            }
        }
        if positiveSum > negativeSum {
            positiveSum += emphasis
        } else if negativeSum > positiveSum {
            negativeSum += emphasis
        }
        let total = positiveSum + negativeSum + neutralCount
        guard total > 0 else { return }
        positive = positiveSum / total
        negative = negativeSum / total
        neutral = neutralCount / total
    }
}
