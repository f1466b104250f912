/// Phrases of one or more words, each with what it means (`Payload`), matched on word boundaries; and for single
/// words, trait bits the rules read. One hash lookup per word of a message serves both, which is most of the cost.
struct PhraseTable<Payload: Sendable>: Sendable {
    struct Entry: Sendable {
        var tail: [String]
        var payload: Payload
    }

    /// What the table knows about one word.
    struct Slot: Sendable {
        /// The phrases starting with this word, longest first.
        var phrases: [Entry] = []
        /// Bits defined by the table's user (`InsightWordTraits`).
        var traits: UInt32 = 0
    }

    private var slots: [String: Slot] = [:]

    /// `phrases` are lowercase and space separated. A phrase listed twice gets the two payloads `combine`d.
    init(_ phrases: [(phrase: String, payload: Payload)], traits: [(word: String, bits: UInt32)] = [], combine: (Payload, Payload) -> Payload) {
        for (phrase, payload) in phrases {
            for spelling in Self.spellings(of: phrase) {
                let words = spelling.split(separator: " ").map(String.init)
                guard let first = words.first else { continue }
                let tail = Array(words.dropFirst())
                var slot = slots[first] ?? Slot()
                if let index = slot.phrases.firstIndex(where: { $0.tail == tail }) {
                    slot.phrases[index].payload = combine(slot.phrases[index].payload, payload)
                } else {
                    slot.phrases.append(Entry(tail: tail, payload: payload))
                }
                slots[first] = slot
            }
        }
        for key in slots.keys {
            slots[key]!.phrases.sort { $0.tail.count > $1.tail.count }
        }
        for (word, bits) in traits {
            slots[word, default: Slot()].traits |= bits
        }
    }

    /// The slot of every word, in order: the one lookup per word that matching and the rules work from.
    func slots(for words: [ChatWord]) -> [Slot?] {
        words.map { slots[$0.text] }
    }

    /// Every match, left to right, none overlapping: a matched phrase's words are not matched again, so "in order
    /// to" can keep "order" from counting on its own. Phrases do not run across a clause boundary.
    func matches(in words: [ChatWord], slots: [Slot?]) -> [(range: Range<Int>, payload: Payload)] {
        var found: [(range: Range<Int>, payload: Payload)] = []
        var index = 0
        while index < words.count {
            if let entry = slots[index]?.phrases.first(where: { matches($0.tail, in: words, after: index) }) {
                let length = entry.tail.count + 1
                found.append((index..<(index + length), entry.payload))
                index += length
            } else {
                index += 1
            }
        }
        return found
    }

    func matches(in words: [ChatWord]) -> [(range: Range<Int>, payload: Payload)] {
        matches(in: words, slots: slots(for: words))
    }

    private func matches(_ tail: [String], in words: [ChatWord], after index: Int) -> Bool {
        guard index + tail.count < words.count else { return false }
        var position = index
        for word in tail {
            guard !words[position].endsClause else { return false }
            position += 1
            guard words[position].text == word else { return false }
        }
        return true
    }

    /// The phrase as written plus, for contractions that chat often types without the apostrophe ("cant",
    /// "dont", "ive", "im"), the bare spelling. "we'll" and "i'll" keep theirs: "well" and "ill" are words.
    static func spellings(of phrase: String) -> [String] {
        var spellings = [""]
        for (position, word) in phrase.split(separator: " ").enumerated() {
            let separator = position == 0 ? "" : " "
            var forms = [String(word)]
            if word.hasSuffix("n't") || word.hasSuffix("'ve") || word.hasSuffix("'m") {
                forms.append(word.filter { $0 != "'" })
            }
            spellings = spellings.flatMap { prefix in forms.map { prefix + separator + $0 } }
        }
        return spellings
    }
}
