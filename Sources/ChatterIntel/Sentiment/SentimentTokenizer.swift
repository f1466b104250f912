/// One word, emoticon, emoji or known multi-word entry of a message.
struct SentimentToken: Sendable {
    /// Lowercased; surrounding punctuation trimmed unless the whole chunk is a known entry (":-)", "</3").
    var word: String
    var info: SentimentWordInfo?
    /// Written in capitals (two letters or more, none lowercase): "GREAT", not "I" or "A".
    var isShouting: Bool
    var hasLowercase: Bool
    var isNegator: Bool
    /// Followed by clause punctuation (, ; : . ! ?). Rules that look back to earlier words stop here, so "I didn't
    /// know. Great job" does not negate "great".
    var closesClause: Bool
}

/// A message split into tokens in one pass over its Unicode scalars, with the punctuation the rules need.
struct SentimentTokenizedText: Sendable {
    var tokens: [SentimentToken] = []
    var exclamationMarks = 0
    var questionMarks = 0
    /// "?!" or "!?" somewhere in the message.
    var hasInterrobang = false

    init(_ text: String, vocabulary: SentimentVocabulary) {
        let scalars = text.unicodeScalars
        var chunk = ChunkScan()
        var previous: Unicode.Scalar = " "
        var index = scalars.startIndex
        while index != scalars.endIndex {
            let scalar = scalars[index]
            switch scalar {
            case "!":
                exclamationMarks += 1
                hasInterrobang = hasInterrobang || previous == "?"
            case "?":
                questionMarks += 1
                hasInterrobang = hasInterrobang || previous == "!"
            default: break
            }
            previous = scalar
            if Self.isWhitespace(scalar) {
                appendChunk(&chunk, endingAt: index, in: scalars, vocabulary: vocabulary)
            } else if scalar.value >= 0x80, chunk.start == nil, Self.isEmojiModifier(scalar) {
                // A variation selector, joiner or skin tone after an emoji changes its look, not its meaning.
            } else if scalar.value >= 0x2190, scalar.properties.isEmoji {
                // Emoji stand alone even when glued to a word ("great😀"). Digits, "#" and "*" are emoji-capable
                // too, hence the lower bound (arrows, then ☹, ❤, 😀 and the rest).
                appendChunk(&chunk, endingAt: index, in: scalars, vocabulary: vocabulary)
                let emoji = String(scalar)
                appendToken(emoji, info: vocabulary[emoji], chunk: ChunkScan(), closesClause: false)
            } else {
                chunk.add(scalar, at: index)
            }
            scalars.formIndex(after: &index)
        }
        appendChunk(&chunk, endingAt: scalars.endIndex, in: scalars, vocabulary: vocabulary)
        if let firstPhrase = firstPhraseMatch(vocabulary: vocabulary) {
            mergePhrases(from: firstPhrase, vocabulary: vocabulary)
        }
    }

    /// The whitespace-delimited run of scalars being read, with what the rules need to know about its letters.
    private struct ChunkScan {
        var start: String.UnicodeScalarView.Index?
        var uppercase = 0
        var lowercase = 0
        var hasCurlyApostrophe = false

        mutating func add(_ scalar: Unicode.Scalar, at index: String.UnicodeScalarView.Index) {
            if start == nil {
                self = ChunkScan(start: index)
            }
            if scalar.value < 0x80 {
                if scalar.value >= 0x41, scalar.value <= 0x5A {
                    uppercase += 1
                } else if scalar.value >= 0x61, scalar.value <= 0x7A {
                    lowercase += 1
                }
            } else if scalar == "\u{2019}" || scalar == "\u{2018}" {
                hasCurlyApostrophe = true
            } else if scalar.properties.isUppercase {
                uppercase += 1
            } else if scalar.properties.isLowercase {
                lowercase += 1
            }
        }
    }

    private mutating func appendChunk(
        _ chunk: inout ChunkScan,
        endingAt end: String.UnicodeScalarView.Index,
        in scalars: String.UnicodeScalarView,
        vocabulary: SentimentVocabulary
    ) {
        guard let start = chunk.start else { return }
        defer { chunk = ChunkScan() }
        var lowered = String(scalars[start..<end]).lowercased()
        if chunk.hasCurlyApostrophe {
            lowered = String(String.UnicodeScalarView(lowered.unicodeScalars.map(Self.normalizingApostrophe)))
        }
        let letters = lowered.unicodeScalars
        let first = letters.firstIndex(where: Self.isWordScalar)
        let last = letters.lastIndex(where: Self.isWordScalar)
        if let first, let last, first == letters.startIndex, last == letters.index(before: letters.endIndex) {
            appendToken(lowered, info: vocabulary[lowered], chunk: chunk, closesClause: false)
            return
        }
        // Emoticons and entries like "</3" are made of punctuation: look the chunk up whole before trimming.
        if let info = vocabulary[lowered] {
            appendToken(lowered, info: info, chunk: chunk, closesClause: false)
            return
        }
        guard let first, let last else {
            // Pure punctuation ("...", "-", ",") closes the clause of the word before it.
            if letters.contains(where: Self.isClausePunctuation), !tokens.isEmpty {
                tokens[tokens.count - 1].closesClause = true
            }
            return
        }
        let word = String(letters[first...last])
        let closes = letters[letters.index(after: last)...].contains(where: Self.isClausePunctuation)
        appendToken(word, info: vocabulary[word], chunk: chunk, closesClause: closes)
    }

    private mutating func appendToken(_ word: String, info: SentimentWordInfo?, chunk: ChunkScan, closesClause: Bool) {
        tokens.append(
            SentimentToken(
                word: word,
                info: info,
                isShouting: chunk.uppercase >= 2 && chunk.lowercase == 0,
                hasLowercase: chunk.lowercase > 0,
                isNegator: (info?.isNegator ?? false) || word.hasSuffix("n't"),
                closesClause: closesClause
            )
        )
    }

    /// Where the first multi-word entry the vocabulary knows begins, if any; most messages have none.
    private func firstPhraseMatch(vocabulary: SentimentVocabulary) -> Int? {
        tokens.indices.first { index in
            tokens[index].info?.startsPhrase ?? false
                && vocabulary.phrases(startingWith: tokens[index].word).contains { matches($0, after: index) }
        }
    }

    /// Replaces runs like "fed" "up" with the single entry "fed up"; a phrase never spans clause punctuation.
    private mutating func mergePhrases(from firstPhrase: Int, vocabulary: SentimentVocabulary) {
        var merged = Array(tokens[..<firstPhrase])
        merged.reserveCapacity(tokens.count)
        var index = firstPhrase
        while index < tokens.count {
            let token = tokens[index]
            guard token.info?.startsPhrase ?? false,
                let tail = vocabulary.phrases(startingWith: token.word).first(where: { matches($0, after: index) })
            else {
                merged.append(token)
                index += 1
                continue
            }
            let parts = tokens[index...(index + tail.count)]
            let word = parts.map(\.word).joined(separator: " ")
            let info = vocabulary[word]
            merged.append(
                SentimentToken(
                    word: word,
                    info: info,
                    isShouting: parts.allSatisfy(\.isShouting),
                    hasLowercase: parts.contains(where: \.hasLowercase),
                    isNegator: info?.isNegator ?? false,
                    closesClause: parts.last!.closesClause
                )
            )
            index += tail.count + 1
        }
        tokens = merged
    }

    /// Whether the words after `head` spell `tail`, with no clause punctuation before its last word.
    private func matches(_ tail: [String], after head: Int) -> Bool {
        guard !tokens[head].closesClause, head + tail.count < tokens.count else { return false }
        for (offset, word) in tail.enumerated() {
            let token = tokens[head + 1 + offset]
            guard token.word == word, offset == tail.count - 1 || !token.closesClause else { return false }
        }
        return true
    }

    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x80 ? scalar == " " || (scalar.value >= 0x09 && scalar.value <= 0x0D) : scalar.properties.isWhitespace
    }

    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 {
            let value = scalar.value | 0x20
            return (value >= 0x61 && value <= 0x7A) || (scalar.value >= 0x30 && scalar.value <= 0x39)
        }
        return scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    private static func isClausePunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case ",", ";", ":", ".", "!", "?", "…": true
        default: false
        }
    }

    /// Variation selectors, the zero-width joiner and skin-tone modifiers, which change how an emoji looks but not
    /// what it says.
    private static func isEmojiModifier(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value == 0xFE0F || scalar.value == 0xFE0E || scalar.value == 0x200D
            || (0x1F3FB...0x1F3FF).contains(scalar.value)
    }

    private static func normalizingApostrophe(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        scalar == "\u{2019}" || scalar == "\u{2018}" ? "'" : scalar
    }
}
