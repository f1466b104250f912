/// What the urgency rules need to know about a single word, looked up with its phrases in `InsightVocabulary`, so
/// that a rule asks a bit mask rather than a set of words.
struct InsightWordTraits: OptionSet, Sendable {
    let rawValue: UInt32

    static let system = Self(rawValue: 1 << 0)
    static let outage = Self(rawValue: 1 << 1)
    static let outageLink = Self(rawValue: 1 << 2)
    static let notOutageAfter = Self(rawValue: 1 << 3)
    static let recurrenceVerb = Self(rawValue: 1 << 4)
    static let ticket = Self(rawValue: 1 << 5)
    static let ticketLink = Self(rawValue: 1 << 6)
    static let authority = Self(rawValue: 1 << 7)
    static let person = Self(rawValue: 1 << 8)
    static let askingVerb = Self(rawValue: 1 << 9)
    static let talkingVerb = Self(rawValue: 1 << 10)
    static let otherManager = Self(rawValue: 1 << 11)
    static let numberWord = Self(rawValue: 1 << 12)
    static let unit = Self(rawValue: 1 << 13)
    static let durationFiller = Self(rawValue: 1 << 14)
    static let waitLeadIn = Self(rawValue: 1 << 15)
    static let waitFollower = Self(rawValue: 1 << 16)
    static let questionOpener = Self(rawValue: 1 << 17)
    static let stuck = Self(rawValue: 1 << 18)

    /// Each trait with the word list it stands for; the lists live with the rules that read them.
    static let lists: [(Self, Set<String>)] = [
        (.system, UrgencyRules.systems), (.outage, UrgencyRules.outageWords), (.outageLink, UrgencyRules.outageLinks),
        (.notOutageAfter, UrgencyRules.notOutagesAfter), (.recurrenceVerb, UrgencyRules.recurrenceVerbs),
        (.ticket, UrgencyRules.ticketWords), (.ticketLink, UrgencyRules.ticketLinks), (.authority, UrgencyRules.authorities),
        (.person, UrgencyRules.persons), (.askingVerb, UrgencyRules.askingVerbs), (.talkingVerb, UrgencyRules.talkingVerbs),
        (.otherManager, UrgencyRules.otherManagers), (.numberWord, Set(WaitingTimeRule.numberWords.keys)),
        (.unit, Set(WaitingTimeRule.unitHours.keys)), (.durationFiller, WaitingTimeRule.fillers),
        (.waitLeadIn, WaitingTimeRule.leadIns), (.waitFollower, WaitingTimeRule.followers),
        (.questionOpener, MessageSignals.questionOpeners), (.stuck, WaitingTimeRule.stuckWords),
    ]

    static var words: [(word: String, bits: UInt32)] {
        lists.flatMap { trait, words in words.map { ($0, trait.rawValue) } }
    }
}

/// A message's words, each with its phrases and traits from one lookup.
struct InsightText {
    let words: [ChatWord]
    let slots: [PhraseTable<InsightCue>.Slot?]
    let traits: [InsightWordTraits]
    let questionMarks: Int

    init(_ text: String) {
        let scanned = ChatWords(text)
        words = scanned.words
        slots = InsightVocabulary.table.slots(for: words)
        traits = slots.map { InsightWordTraits(rawValue: $0?.traits ?? 0) }
        questionMarks = scanned.questionMarks
    }

    var count: Int { words.count }

    /// Words `range` joined by single spaces: the matched phrase a reason names.
    func phrase(_ range: ClosedRange<Int>) -> String {
        words[range].map(\.text).joined(separator: " ")
    }

    func phrase(_ range: Range<Int>) -> String {
        words[range].map(\.text).joined(separator: " ")
    }

    /// Whether the word at `index` is followed, in the same clause, by another.
    func continues(after index: Int) -> Bool {
        index + 1 < words.count && !words[index].endsClause
    }

    /// The nearest of the `distance` words before `index` that satisfies `condition`, not looking across a clause
    /// boundary.
    func lastBefore(_ index: Int, within distance: Int, where condition: (Int) -> Bool) -> Int? {
        var position = index - 1
        while position >= 0, index - position <= distance, !words[position].endsClause {
            if condition(position) { return position }
            position -= 1
        }
        return nil
    }
}
