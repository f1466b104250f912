import ChatterCore

/// Counts tokens when a provider reports none. Results are always flagged `estimated`.
///
/// BPE tokenizers of the GPT, Claude and Gemini families average close to four characters of English
/// per token; words, digits and punctuation runs each start a new token, so the estimate takes the larger
/// of the character-based and the piece-based count.
public struct TokenEstimator: Sendable {
    /// Chat formats wrap each message in a few tokens of role markup, and prime the reply with a few more.
    public var perMessageOverhead: Int64 = 4
    public var replyPrimer: Int64 = 3

    public init() {}

    public func count(_ text: String) -> Int64 {
        if text.isEmpty { return 0 }
        var pieces: Int64 = 0
        var previous: Character.Kind = .space
        for character in text {
            let kind = Character.Kind(character)
            if kind != .space && (kind != previous || kind == .punctuation) { pieces += 1 }
            previous = kind
        }
        let byCharacters = Int64((Double(text.unicodeScalars.count) / 4.0).rounded(.up))
        return max(byCharacters, pieces)
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
        case space, letter, digit, punctuation

        init(_ character: Character) {
            if character.isWhitespace {
                self = .space
            } else if character.isLetter {
                self = .letter
            } else if character.isNumber {
                self = .digit
            } else {
                self = .punctuation
            }
        }
    }
}
