/// ROUGE-L (Lin, 2004): the longest common subsequence of two texts' words, as an F1 of its precision against the
/// candidate and its recall against the reference. Tokens are as in Google's `rouge-score` package without
/// stemming: lowercased, every run of characters other than a-z and 0-9 a separator, so scores compare with
/// published ones.
public enum RougeL {
    public static func f1(candidate: String, reference: String) -> Double {
        let candidateTokens = tokens(candidate)
        let referenceTokens = tokens(reference)
        guard !candidateTokens.isEmpty, !referenceTokens.isEmpty else { return 0 }
        let common = Double(longestCommonSubsequence(candidateTokens, referenceTokens))
        guard common > 0 else { return 0 }
        let precision = common / Double(candidateTokens.count)
        let recall = common / Double(referenceTokens.count)
        return 2 * precision * recall / (precision + recall)
    }

    static func tokens(_ text: String) -> [Substring] {
        let lowered = text.lowercased()
        return lowered.split { character in
            !(character.isASCII && (character.isLetter || character.isNumber))
        }
    }

    /// Two rows of the dynamic-programming table: O(n·m) time, O(m) memory.
    static func longestCommonSubsequence(_ lhs: [Substring], _ rhs: [Substring]) -> Int {
        var previous = [Int](repeating: 0, count: rhs.count + 1)
        var current = previous
        for left in lhs {
            for (index, right) in rhs.enumerated() {
                current[index + 1] = left == right ? previous[index] + 1 : max(previous[index + 1], current[index])
            }
            swap(&previous, &current)
        }
        return previous[rhs.count]
    }
}
