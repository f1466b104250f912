/// The content words of a sentence, the unit the summarizer counts: lowercased, lightly stemmed ("invoices" →
/// "invoice"), without stop words, numbers, contractions or redaction tokens.
enum SummaryTerms {
    /// Terms kept per sentence: enough to score it and to tell near-duplicates apart, and a bound on its state.
    static let perSentence = 12

    static func terms(of words: [ChatWord], slots: [PhraseTable<SentenceCue>.Slot?]) -> [String] {
        var terms: [String] = []
        for (word, slot) in zip(words, slots) where word.number == nil {
            if let slot, slot.traits & SummaryVocabulary.stopWordTrait != 0 { continue }
            guard let term = term(of: word.text), !terms.contains(term) else { continue }
            terms.append(term)
            if terms.count == perSentence { break }
        }
        return terms
    }

    /// The term a word counts as, or nil for words that are not content. Stop words are expected to be filtered
    /// out by the caller, except in possessives ("it's" is a contraction, "customer's" a customer).
    static func term(of word: String) -> String? {
        let utf8 = word.utf8
        guard utf8.count >= 3, let first = utf8.first, (0x61...0x7A).contains(first) || first >= 0x80 else { return nil }
        var base = word
        if utf8.contains(UInt8(ascii: "'")) {
            guard word.hasSuffix("'s") else { return nil }
            base = String(word.dropLast(2))
            guard base.utf8.count >= 3, !base.utf8.contains(UInt8(ascii: "'")), !stopWords.contains(base) else { return nil }
        }
        return stem(base)
    }

    /// Plurals only: "charges" and "charge" are one term. Anything cleverer costs more than it wins here.
    static func stem(_ word: String) -> String {
        let utf8 = word.utf8
        guard utf8.count > 3, utf8.last == UInt8(ascii: "s") else { return word }
        if word.hasSuffix("ies"), utf8.count > 4 { return word.dropLast(3) + "y" }
        if word.hasSuffix("ss") || word.hasSuffix("us") || word.hasSuffix("is") { return word }
        return String(word.dropLast())
    }

    /// English function words and the greetings and fillers of chat, which say nothing about the issue.
    static let stopWords: Set<String> = Set(
        """
        a about above after again against all also am an and any are aren as at be because been before being below
        between both but by can cannot could did do does doing down during each few for from further had has have having
        he her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not
        now of off on once only or other our ours ourselves out over own same she should so some such than that the their
        theirs them themselves then there these they this those through to too under until up very was we were what when
        where which while who whom why will with would you your yours yourself yourselves hi hello hey thanks thank
        please ok okay yes yeah yep sure really get got also still any anything something everything nothing one let
        like want need know see make made way well much many lot today yesterday tomorrow morning afternoon evening day
        time thing things able again via per etc dear regards cheers team guys folks sorry apologies great good fine
        hope help assist happy glad
        """.split(whereSeparator: \.isWhitespace).map(String.init)
    )
}
