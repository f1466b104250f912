/// VADER's rules (Hutto & Gilbert, ICWSM 2014), written for Chatter from their published description; the constants
/// are the ones VADER publishes (the caps and booster increments are the paper's measured effects). Every rule looks
/// at most three tokens back, so scoring is linear in the length of the message.
enum ValenceRules {
    /// Added to a sentiment word's valence (away from zero) when it is written in capitals in a mixed-case message.
    static let capsIncrement = 0.733
    /// A negated sentiment word keeps 74% of its intensity with the opposite sign ("not good" is mildly negative).
    static let negationScalar = -0.74
    /// "never so good", "never been this bad": "never" with "so" or "this" before the word is emphasis, not negation.
    static let neverSoScalar = 1.25
    /// How much of a booster's increment survives when it is two or three words away.
    static let boosterDecay = [1.0, 0.95, 0.9]
    /// Around "but", the clause before counts half and the clause after half as much again.
    static let beforeContrastWeight = 0.5
    static let afterContrastWeight = 1.5
    /// Each "!" (up to four) adds 0.292; two or three "?" add 0.18 each, more add 0.96 in all.
    static let exclamationIncrement = 0.292
    static let maxExclamations = 4
    static let questionIncrement = 0.18
    static let maxQuestionEmphasis = 0.96
    /// The normalisation constant of compound = x / √(x² + α), which approximates the sum's maximum expected value.
    static let normalizationAlpha = 15.0

    /// True when some words are in capitals and others are not: only then is capitalisation emphasis.
    static func hasCapsDifferential(_ tokens: [SentimentToken]) -> Bool {
        tokens.contains(where: \.isShouting) && tokens.contains(where: \.hasLowercase)
    }

    /// The valence each token contributes, after boosters, capitals, negation, "least" and contrast.
    static func valences(of tokens: [SentimentToken], capsDifferential: Bool) -> [Double] {
        var valences = [Double](repeating: 0, count: tokens.count)
        for index in tokens.indices {
            valences[index] = valence(at: index, in: tokens, capsDifferential: capsDifferential)
        }
        applyContrast(to: &valences, tokens: tokens)
        return valences
    }

    private static func valence(at index: Int, in tokens: [SentimentToken], capsDifferential: Bool) -> Double {
        let token = tokens[index]
        guard var valence = token.info?.valence, valence != 0 else { return 0 }
        // "no" before a sentiment word is a negator ("no problem"), not a negative word of its own.
        if token.word == "no", index + 1 < tokens.count, tokens[index + 1].info?.valence != nil {
            return 0
        }
        if capsDifferential, token.isShouting {
            valence += sign(of: valence) * capsIncrement
        }
        for distance in 1...3 {
            let position = index - distance
            guard position >= 0, !tokens[position].closesClause else { break }
            let modifier = tokens[position]
            // A sentiment word in between is scored on its own and does not carry modifiers across.
            guard modifier.info?.valence == nil || modifier.isNegator else { continue }
            if let boost = modifier.info?.boost {
                var increment = valence < 0 ? -boost : boost
                if capsDifferential, modifier.isShouting {
                    increment += sign(of: valence) * capsIncrement
                }
                valence += increment * boosterDecay[distance - 1]
            }
            if modifier.isNegator {
                let emphatic =
                    modifier.word == "never" && tokens[(position + 1)..<index].contains { $0.word == "so" || $0.word == "this" }
                valence *= emphatic ? neverSoScalar : negationScalar
            }
        }
        // "least good" negates; "at least good" and "very least" do not.
        if index >= 1, tokens[index - 1].word == "least", !tokens[index - 1].closesClause {
            let before = index >= 2 ? tokens[index - 2].word : ""
            if before != "at", before != "very" {
                valence *= negationScalar
            }
        }
        return valence
    }

    /// The first "but" shifts weight from what was said before it to what comes after.
    private static func applyContrast(to valences: inout [Double], tokens: [SentimentToken]) {
        guard let pivot = tokens.firstIndex(where: { $0.word == "but" }) else { return }
        for index in valences.indices where index != pivot {
            valences[index] *= index < pivot ? beforeContrastWeight : afterContrastWeight
        }
    }

    /// Emphasis from "!" and repeated "?", added in the direction the words already point.
    static func punctuationEmphasis(exclamationMarks: Int, questionMarks: Int) -> Double {
        var emphasis = Double(min(exclamationMarks, maxExclamations)) * exclamationIncrement
        if questionMarks > 1 {
            emphasis += questionMarks <= 3 ? Double(questionMarks) * questionIncrement : maxQuestionEmphasis
        }
        return emphasis
    }

    /// Maps an unbounded sum of valences into -1 ... 1.
    static func normalize(_ sum: Double) -> Double {
        let score = sum / (sum * sum + normalizationAlpha).squareRoot()
        return min(1, max(-1, score))
    }

    static func sign(of value: Double) -> Double {
        value < 0 ? -1 : 1
    }
}
