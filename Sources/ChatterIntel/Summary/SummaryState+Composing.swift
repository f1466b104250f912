extension SummaryState {
    static let keyPointLimit = 5
    /// Sentences quoted for the customer's issue and for the agent's response.
    static let issueSentences = 2
    static let responseSentences = 2
    static let tldrLimit = 160

    /// The summary of what has been folded in, from the kept sentences alone.
    func composed() -> ConversationSummary {
        let ranked = candidates.enumerated().map { (score: $0.element.score, index: $0.offset) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }
            .map(\.index)
        let issue = best(Self.issueSentences, of: ranked.lazy.filter { candidates[$0].isOpening })
        let keyPoints = best(Self.keyPointLimit, of: ranked)
        let lead = issue.first ?? keyPoints.first
        return ConversationSummary(
            tldr: tldr(lead: lead.map { candidates[$0].text }),
            customerIssue: issue.map { candidates[$0].text }.joined(separator: " "),
            agentResponse: best(Self.responseSentences, of: ranked.lazy.filter { candidates[$0].speaker == .agent })
                .map { candidates[$0].text }.joined(separator: " "),
            keyPoints: keyPoints.map { candidates[$0].text },
            nextSteps: nextSteps.map(\.text),
            coveredMessages: summary.coveredMessages,
            watermarkSeq: summary.watermarkSeq
        )
    }

    /// The customer's first issue sentence without its greeting, and how it ended when a sentence said so: "My
    /// order never arrived. — refund issued".
    private func tldr(lead: String?) -> String {
        let issue = lead.map { SummarySentence.clipped(Self.withoutGreeting($0), to: Self.tldrLimit) } ?? ""
        guard let outcome else { return issue }
        return issue.isEmpty ? outcome : "\(issue) — \(outcome)"
    }

    static let greetings: Set<String> = ["hi", "hello", "hey", "hiya", "greetings", "dear"]
    static let greeted: Set<String> = ["there", "team", "all", "support", "everyone", "folks"]

    /// "Hi, I was charged twice" → "I was charged twice": a greeting ending in "," or "!" opens too many first
    /// sentences to be worth a tl;dr's space.
    static func withoutGreeting(_ sentence: String) -> String {
        let words = sentence.split(separator: " ", maxSplits: 2)
        for length in [1, 2] where words.count > length {
            let closing = words[length - 1]
            guard closing.hasSuffix(",") || closing.hasSuffix("!") else { continue }
            let opening = words[..<length].map { $0.lowercased().filter(\.isLetter) }
            guard greetings.contains(opening[0]), length == 1 || greeted.contains(opening[1]) else { continue }
            let rest = sentence[words[length].startIndex...]
            return rest.prefix(1).uppercased() + rest.dropFirst()
        }
        return sentence
    }

    /// The first `count` of `ranked` (indices into `candidates`, best first) no two alike, in conversation order:
    /// `candidates` is kept in that order, so it is the order of the indices.
    private func best(_ count: Int, of ranked: some Sequence<Int>) -> [Int] {
        var chosen: [Int] = []
        for index in ranked where !chosen.contains(where: { candidates[$0].isNearDuplicate(of: candidates[index]) }) {
            chosen.append(index)
            if chosen.count == count { break }
        }
        return chosen.sorted()
    }
}
