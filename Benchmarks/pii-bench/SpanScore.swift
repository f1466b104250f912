import ChatterIntel

/// Per-type counts of true positives, false positives and false negatives on spans.
struct SpanScore {
    struct Counts {
        var truePositives = 0
        var falsePositives = 0
        var falseNegatives = 0
        var precision: Double { ratio(truePositives, truePositives + falsePositives) }
        var recall: Double { ratio(truePositives, truePositives + falseNegatives) }
        var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }

        static func + (lhs: Counts, rhs: Counts) -> Counts {
            Counts(
                truePositives: lhs.truePositives + rhs.truePositives, falsePositives: lhs.falsePositives + rhs.falsePositives,
                falseNegatives: lhs.falseNegatives + rhs.falseNegatives
            )
        }

        private func ratio(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 1 : Double(part) / Double(whole) }
    }

    /// Exact: same type and same range. Overlap: same type and an intersection of at least half the longer span.
    enum Matching { case exact, overlap }

    let matching: Matching
    private(set) var byType: [PIIType: Counts] = [:]

    init(matching: Matching) {
        self.matching = matching
    }

    mutating func add(gold: [GoldSpan], predicted: [PIIEntity]) {
        var unmatched = predicted
        for span in gold {
            if let index = unmatched.firstIndex(where: { $0.type == span.type && matches($0.range, span.range) }) {
                unmatched.remove(at: index)
                byType[span.type, default: Counts()].truePositives += 1
            } else {
                byType[span.type, default: Counts()].falseNegatives += 1
            }
        }
        for entity in unmatched { byType[entity.type, default: Counts()].falsePositives += 1 }
    }

    func micro(_ types: [PIIType]) -> Counts {
        types.reduce(Counts()) { $0 + (byType[$1] ?? Counts()) }
    }

    private func matches(_ predicted: Range<Int>, _ gold: Range<Int>) -> Bool {
        switch matching {
        case .exact: return predicted == gold
        case .overlap:
            let shared = max(0, min(predicted.upperBound, gold.upperBound) - max(predicted.lowerBound, gold.lowerBound))
            return Double(shared) >= 0.5 * Double(max(predicted.count, gold.count))
        }
    }
}
