import ChatterCore

/// Counts tokens when a provider reports none. Results are always flagged `estimated`.
///
/// BPE tokenizers give most words one token, split long words, digit runs and punctuation further, and give
/// CJK characters about one token each. The weights below were fitted on half of 23,703 human-written texts
/// against OpenAI's o200k_base encoding and checked on the other half (mean absolute error 7.6% per text;
/// `scripts/bench-estimator.sh`, docs/benchmarks.md). Other families' tokenizers could not be measured
/// offline, so the same weights serve them.
public struct TokenEstimator: Sendable {
    /// Chat formats wrap each message in a few tokens of role markup, and prime the reply with a few more.
    public var perMessageOverhead: Int64 = 4
    public var replyPrimer: Int64 = 3

    public init() {}

    public func count(_ text: String) -> Int64 {
        if text.isEmpty { return 0 }
        var words = 0.0
        var digitRuns = 0.0
        var punctuation = 0.0
        var longWordPieces = 0.0
        var ideographs = 0.0
        var wordLength = 0
        var previous: Character.Kind = .space
        func endWord() {
            if wordLength > 1 { longWordPieces += Double((wordLength - 1) / 6) }
            wordLength = 0
        }
        for scalar in text.unicodeScalars {
            let kind = Character.Kind(scalar)
            if kind == .ideograph {
                endWord()
                ideographs += 1
            } else if kind == .letter {
                if previous != .letter { words += 1 }
                wordLength += 1
            } else {
                endWord()
                if kind == .digit && previous != .digit { digitRuns += 1 }
                if kind == .punctuation { punctuation += 1 }
            }
            previous = kind
        }
        endWord()
        let estimate = words + 1.5 * digitRuns + 0.6 * punctuation + 0.5 * longWordPieces + ideographs
        return max(1, Int64(estimate.rounded()))
    }

    public func inputTokens(for messages: [ChatMessage]) -> Int64 {
        messages.reduce(replyPrimer) { $0 + perMessageOverhead + count($1.content) }
    }

    public func usage(messages: [ChatMessage], output: String) -> Usage {
        Usage(inputTokens: inputTokens(for: messages), outputTokens: count(output), source: .estimated)
    }
}

extension Character {
    fileprivate enum Kind {
        case space, letter, digit, punctuation, ideograph

        init(_ scalar: Unicode.Scalar) {
            if scalar.isASCII {
                // The same answers as the Unicode properties below, without looking them up.
                switch scalar.value {
                case 0x09...0x0D, 0x20: self = .space
                case 0x41...0x5A, 0x61...0x7A: self = .letter
                case 0x30...0x39: self = .digit
                default: self = .punctuation
                }
                return
            }
            let properties = scalar.properties
            if properties.isWhitespace {
                self = .space
            } else if scalar.value >= 0x2E80 && (properties.isIdeographic || (0x3040...0x30FF).contains(scalar.value) || (0xAC00...0xD7AF).contains(scalar.value)) {
                self = .ideograph
            } else if properties.isAlphabetic {
                self = .letter
            } else if properties.numericType != nil {
                self = .digit
            } else {
                self = .punctuation
            }
        }
    }
}
