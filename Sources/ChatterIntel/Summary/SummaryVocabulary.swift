/// The phrases the summarizer reads sentences by, written for Chatter.
enum SummaryVocabulary {
    /// The phrases, and the stop words as a trait (`stopWordTrait`), so that a word costs one lookup for both.
    static let table = PhraseTable(
        phrases(), traits: SummaryTerms.stopWords.map { ($0, stopWordTrait) }, combine: { $0.merged(with: $1) }
    )
    static let stopWordTrait: UInt32 = 1

    static let commitments = [
        "i will", "i'll", "we will", "we'll", "i am going to", "i'm going to", "we are going to", "we're going to",
        "follow up", "send you", "will send", "get back to you", "be in touch", "keep you updated", "keep you posted",
        "let me know", "let us know", "next step", "next steps", "next week", "next business day", "in the next",
        "you will receive", "you'll receive", "you should receive", "should arrive", "will arrive", "by tomorrow",
    ]

    static let requests = ["please", "could you", "can you", "would you", "make sure"]

    static let actions = [
        "i have", "i've", "we have", "we've", "i checked", "i can see", "i see that", "i can offer", "we can offer",
        "i'd like to offer", "i went ahead", "issued", "processed", "refunded", "credited", "applied", "unlocked",
        "cancelled", "canceled", "sent", "shipped", "escalated", "arranged", "updated", "fixed", "resolved", "replaced",
        "offer", "offered", "waived", "confirmed", "looked into", "checked", "reset",
    ]

    static let problems = [
        "not", "can't", "cannot", "won't", "doesn't", "didn't", "isn't", "haven't", "hasn't", "never", "error", "problem",
        "issue", "broken", "wrong", "charged", "unable", "failed", "fails", "missing", "stuck", "trying to", "still", "crash",
        "crashes", "locked", "refund", "cancel", "late", "delayed", "damaged", "down",
    ]

    static let fillers = [
        "thanks for reaching out", "thank you for reaching out", "thanks for contacting", "thank you for contacting",
        "sorry to hear", "happy to help", "glad to help", "how can i help", "how may i help", "is there anything else",
        "anything else i can help", "have a great day", "have a nice day", "you're welcome", "no problem", "hope this helps",
        "good morning", "good afternoon", "hi there", "hello there", "thanks for your patience", "thank you for your patience",
    ]

    static let outcomes: [(String, [String])] = [
        (
            "refund issued",
            [
                "refund issued", "issued a refund", "issued the refund", "issued your refund", "refund has been issued",
                "refund has been processed", "processed your refund", "processed the refund", "processed a refund",
                "refund processed", "refunded you", "have refunded", "i've refunded", "we've refunded", "been refunded",
            ]
        ),
        (
            "replacement sent",
            [
                "sent a replacement", "sent you a replacement", "replacement has been sent", "replacement has shipped",
                "replacement is on its way", "shipped a replacement", "replacement was sent",
            ]
        ),
        (
            "access restored",
            [
                "password has been reset", "reset your password", "unlocked your account", "account is unlocked",
                "account has been unlocked", "can log in now", "able to log in now",
            ]
        ),
        (
            "cancelled",
            [
                "cancelled your subscription", "canceled your subscription", "subscription has been cancelled",
                "subscription is cancelled", "closed your account", "account has been closed", "cancelled your order",
                "order has been cancelled",
            ]
        ),
        (
            "resolved",
            [
                "resolved", "fixed", "that worked", "it works now", "works now", "working again", "working now", "back up",
                "back online", "all sorted", "sorted it", "that did it", "problem solved", "issue solved", "all good now",
            ]
        ),
    ]

    static let unresolved = [
        "still not", "not fixed", "not resolved", "isn't fixed", "isn't resolved", "hasn't been fixed", "hasn't been resolved",
        "has not been resolved", "not been fixed", "not been resolved", "didn't work", "did not work", "doesn't work",
        "does not work", "still broken", "still having", "still getting", "still down", "not working", "unresolved",
        "didn't help", "didn't fix", "same problem", "same issue", "still the same",
    ]

    /// Future and wished-for outcomes are not outcomes.
    static let neutral = [
        "be fixed", "be resolved", "get it fixed", "get this fixed", "get it resolved", "get this resolved", "have it fixed",
        "have this fixed", "being fixed", "being resolved", "to fix", "fix it",
    ]

    private static func phrases() -> [(phrase: String, payload: SentenceCue)] {
        commitments.map { ($0, SentenceCue(commitment: true)) }
            + requests.map { ($0, SentenceCue(request: true)) }
            + actions.map { ($0, SentenceCue(action: true)) }
            + problems.map { ($0, SentenceCue(problem: true)) }
            + fillers.map { ($0, SentenceCue(filler: true)) }
            + outcomes.flatMap { outcome, phrases in phrases.map { ($0, SentenceCue(action: true, outcome: outcome)) } }
            + unresolved.map { ($0, SentenceCue(problem: true, unresolved: true)) }
            + neutral.map { ($0, SentenceCue(isNeutral: true)) }
    }
}
