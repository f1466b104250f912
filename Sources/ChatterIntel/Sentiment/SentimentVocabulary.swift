/// What the engine knows about one lowercased word, emoticon, emoji or multi-word entry.
struct SentimentWordInfo: Sendable {
    /// Lexicon valence, -4 ... +4; nil for words that carry none (including boosters).
    var valence: Double?
    /// Booster (positive) or dampener (negative) increment applied to the next sentiment word.
    var boost: Double?
    var isNegator = false
    var emotion: Emotion?
    /// Some multi-word entry starts with this word; see `SentimentVocabulary.phrases(startingWith:)`.
    var startsPhrase = false
}

/// Every word the engine knows, merged into one table so that each token costs a single hash lookup.
struct SentimentVocabulary: Sendable {
    static let shared = SentimentVocabulary(lexicon: VaderLexicon.valences)

    private var words: [String: SentimentWordInfo] = [:]
    /// First word → the rest of each multi-word entry starting with it, longest first.
    private var phraseTails: [String: [[String]]] = [:]

    init(lexicon: [String: Double]) {
        words.reserveCapacity(lexicon.count + 1_000)
        for (entry, valence) in lexicon {
            update(entry) { $0.valence = valence }
        }
        for (entry, valence) in SentimentWordLists.idioms {
            update(entry) { $0.valence = valence }
        }
        for (entry, valence) in SentimentWordLists.emoji {
            update(entry) { $0.valence = valence }
        }
        // A booster's own lexicon valence is dropped: "super helpful" is one helpful thing, not two.
        for entry in SentimentWordLists.boosters {
            update(entry) {
                $0.boost = SentimentWordLists.boosterIncrement
                $0.valence = nil
            }
        }
        for entry in SentimentWordLists.dampeners {
            update(entry) {
                $0.boost = -SentimentWordLists.boosterIncrement
                $0.valence = nil
            }
        }
        for entry in SentimentWordLists.negators {
            update(entry) { $0.isNegator = true }
        }
        for (emotion, entries) in EmotionWordLists.all {
            for entry in entries {
                update(entry) { $0.emotion = emotion }
            }
        }
        for key in phraseTails.keys {
            phraseTails[key]?.sort { $0.count > $1.count }
        }
    }

    subscript(word: String) -> SentimentWordInfo? {
        words[word]
    }

    func phrases(startingWith word: String) -> [[String]] {
        phraseTails[word] ?? []
    }

    /// Applies `change` to `entry`, and to its apostrophe-less spelling ("can't stand" → "cant stand") since chat
    /// drops apostrophes freely.
    private mutating func update(_ entry: String, _ change: (inout SentimentWordInfo) -> Void) {
        change(&words[entry, default: SentimentWordInfo()])
        registerPhrase(entry)
        if entry.contains("'"), entry.count > 2 {
            let bare = entry.filter { $0 != "'" }
            if words[bare] == nil || entry.contains(" ") {
                change(&words[bare, default: SentimentWordInfo()])
                registerPhrase(bare)
            }
        }
    }

    private mutating func registerPhrase(_ entry: String) {
        let parts = entry.split(separator: " ").map(String.init)
        guard parts.count > 1 else { return }
        let tail = Array(parts.dropFirst())
        if !(phraseTails[parts[0]]?.contains(tail) ?? false) {
            phraseTails[parts[0], default: []].append(tail)
        }
        words[parts[0], default: SentimentWordInfo()].startsPhrase = true
    }
}
