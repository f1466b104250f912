/// The rule words around the lexicon: boosters, dampeners, negators, idioms and emoji. Chatter's own lists,
/// following the categories of the VADER paper (Hutto & Gilbert, ICWSM 2014).
enum SentimentWordLists {
    /// Degree modifiers shift a sentiment word's intensity by 0.293 on the -4 ... +4 scale, the mean effect the
    /// VADER paper measured for "extremely good" versus "good".
    static let boosterIncrement = 0.293

    static let boosters: [String] = words(
        """
        absolutely amazingly awfully completely considerably decidedly deeply effing enormously entirely
        especially exceptionally extremely extraordinarily fabulously flipping flippin freaking freakin fricking
        frickin frigging friggin fully fucking fuckin greatly hella highly hugely incredibly intensely majorly more
        most particularly purely quite really remarkably so substantially thoroughly totally tremendously uber
        unbelievably unusually utterly very insanely soo sooo soooo
        """
    )

    static let dampeners: [String] =
        words(
            """
            almost barely hardly kinda kindof kind-of less little marginally occasionally partly scarcely slightly
            somewhat sorta sortof sort-of
            """
        ) + ["kind of", "sort of", "a bit", "a little", "a little bit", "just enough"]

    /// Words that flip the polarity of a sentiment word up to three tokens later; any word ending in "n't" also
    /// counts.
    static let negators: [String] = words(
        """
        not no never none nobody nothing nowhere neither nor without cannot can't don't doesn't didn't isn't
        aren't wasn't weren't won't wouldn't shouldn't couldn't haven't hasn't hadn't ain't mustn't needn't
        mightn't shan't daren't oughtn't nope rarely seldom
        """
    )

    /// Multi-word expressions whose meaning is not the sum of their words, with valences chosen for Chatter on the
    /// lexicon's scale. The lexicon's own multi-word entries ("fed up", "can't stand") are used as well.
    static let idioms: [String: Double] = [
        "sick of": -2.0,
        "tired of": -1.6,
        "waste of time": -2.2,
        "waste of money": -2.4,
        "rip off": -2.2,
        "yeah right": -1.2,
        "under the weather": -1.4,
        "over the moon": 3.0,
        "piece of cake": 1.8,
        "well done": 2.2,
        "the bomb": 2.6,
        "kiss of death": -2.2,
        "pissed off": -2.6,
        "ticked off": -2.0,
        "thank you": 1.9,
    ]

    /// Emoji valences on the lexicon's scale, chosen for Chatter. Emoji are split from surrounding text, and
    /// variation selectors, joiners and skin tones are ignored.
    static let emoji: [String: Double] = [
        "😀": 2.3, "😃": 2.3, "😄": 2.4, "😁": 2.2, "😆": 2.2, "😅": 0.8, "🤣": 2.4, "😂": 2.0, "🙂": 1.4, "😊": 2.3,
        "😇": 1.8, "🥰": 3.0, "😍": 3.0, "🤩": 2.9, "😘": 2.4, "😋": 1.8, "😎": 1.6, "🤗": 2.2, "😌": 1.3, "🥳": 2.6,
        "👍": 1.8, "👏": 2.0, "🙌": 2.2, "💪": 1.6, "🎉": 2.5, "❤": 2.8, "💕": 2.7, "💖": 2.7, "💯": 2.0, "✨": 1.2,
        "🙏": 1.5, "👌": 1.6, "✅": 1.0, "😐": -0.3, "😑": -0.6, "🙄": -1.3, "😒": -1.5, "😕": -1.2, "🙁": -1.6,
        "☹": -1.9, "😞": -2.1, "😔": -1.8, "😟": -1.7, "😢": -2.2, "😭": -2.5, "😩": -2.0, "😫": -2.1, "😤": -1.9,
        "😠": -2.4, "😡": -2.8, "🤬": -3.2, "💔": -2.6, "👎": -1.9, "😱": -1.8, "😨": -1.9, "😰": -1.9, "😬": -0.9,
        "🤢": -2.3, "🤮": -2.6, "😖": -2.0, "😣": -1.8, "😮": 0.2, "😲": 0.3, "😯": 0.1, "🤯": -0.2, "😳": -0.3,
        "❌": -1.0,
    ]

    static func words(_ list: String) -> [String] {
        list.split(whereSeparator: \.isWhitespace).map(String.init)
    }
}
