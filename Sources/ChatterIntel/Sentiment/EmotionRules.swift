/// Chooses a message's emotion from keyword evidence (`EmotionWordLists`), and from polarity alone when the message
/// names no emotion but is strongly positive or negative.
enum EmotionRules {
    /// |compound| from which a message with no emotion keyword still reads as joy, sadness or anger.
    static let strongPolarity = 0.5
    /// Weight of a keyword in capitals (in a mixed-case message) or right after a booster; a dampener lowers it.
    static let emphasisWeight = 1.5
    static let dampenedWeight = 0.75
    /// "?!" reads as a little surprise on top of whatever else the message says.
    static let interrobangWeight = 0.5

    struct Outcome: Equatable {
        var emotion: Emotion
        var scores: [String: Double]
    }

    static func outcome(of text: SentimentTokenizedText, compound: Double, capsDifferential: Bool) -> Outcome {
        var evidence = keywordEvidence(in: text.tokens, capsDifferential: capsDifferential)
        if evidence.isEmpty, abs(compound) >= strongPolarity {
            evidence[polarityEmotion(of: text, compound: compound, capsDifferential: capsDifferential)] = 1
        }
        if text.hasInterrobang {
            evidence[.surprise, default: 0] += interrobangWeight
        }
        return shares(of: evidence)
    }

    /// Keyword weights per emotion. A negated keyword ("not angry", "don't worry") is dropped, except negated joy
    /// ("not happy"), which is disappointment and counts as sadness.
    static func keywordEvidence(in tokens: [SentimentToken], capsDifferential: Bool) -> [Emotion: Double] {
        var evidence: [Emotion: Double] = [:]
        for index in tokens.indices {
            guard let emotion = tokens[index].info?.emotion else { continue }
            var weight = capsDifferential && tokens[index].isShouting ? emphasisWeight : 1
            var negated = false
            for distance in 1...3 {
                let position = index - distance
                guard position >= 0, !tokens[position].closesClause else { break }
                if distance == 1, let boost = tokens[position].info?.boost {
                    weight *= boost > 0 ? emphasisWeight : dampenedWeight
                }
                if tokens[position].isNegator {
                    negated.toggle()
                }
            }
            if !negated {
                evidence[emotion, default: 0] += weight
            } else if emotion == .joy {
                evidence[.sadness, default: 0] += weight
            }
        }
        return evidence
    }

    /// Strongly positive reads as joy; strongly negative as anger when it is shouted or exclaimed, else sadness.
    private static func polarityEmotion(of text: SentimentTokenizedText, compound: Double, capsDifferential: Bool) -> Emotion {
        if compound > 0 {
            return .joy
        }
        let aroused = text.exclamationMarks > 0 || (capsDifferential && text.tokens.contains(where: \.isShouting))
        return aroused ? .anger : .sadness
    }

    private static func shares(of evidence: [Emotion: Double]) -> Outcome {
        var scores = Dictionary(uniqueKeysWithValues: Emotion.allCases.map { ($0.rawValue, 0.0) })
        let total = evidence.values.reduce(0, +)
        guard total > 0 else {
            scores[Emotion.neutral.rawValue] = 1
            return Outcome(emotion: .neutral, scores: scores)
        }
        var strongest = Emotion.neutral
        var strongestWeight = 0.0
        for emotion in Emotion.expressed {
            let weight = evidence[emotion] ?? 0
            scores[emotion.rawValue] = weight / total
            if weight > strongestWeight {
                strongest = emotion
                strongestWeight = weight
            }
        }
        return Outcome(emotion: strongest, scores: scores)
    }
}
