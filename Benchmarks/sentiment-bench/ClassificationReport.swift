import ChatterIntel

/// Three-class agreement between gold and predicted labels, plus the customary binary accuracy: over the items
/// whose gold label is not neutral, the share whose compound score has the gold sign (a score of 0 is wrong).
struct ClassificationReport {
    static let classes: [SentimentLabel] = [.positive, .neutral, .negative]

    private(set) var confusion: [SentimentLabel: [SentimentLabel: Int]] = [:]
    private(set) var count = 0
    private(set) var polarItems = 0
    private(set) var polarCorrect = 0

    mutating func record(gold: SentimentLabel, compound: Double, predicted: SentimentLabel) {
        confusion[gold, default: [:]][predicted, default: 0] += 1
        count += 1
        guard gold != .neutral else { return }
        polarItems += 1
        if (gold == .positive && compound > 0) || (gold == .negative && compound < 0) {
            polarCorrect += 1
        }
    }

    func cell(gold: SentimentLabel, predicted: SentimentLabel) -> Int {
        confusion[gold]?[predicted] ?? 0
    }

    func goldCount(_ label: SentimentLabel) -> Int {
        Self.classes.reduce(0) { $0 + cell(gold: label, predicted: $1) }
    }

    func f1(_ label: SentimentLabel) -> Double {
        let truePositives = Double(cell(gold: label, predicted: label))
        let predicted = Double(Self.classes.reduce(0) { $0 + cell(gold: $1, predicted: label) })
        let actual = Double(goldCount(label))
        guard predicted > 0, actual > 0, truePositives > 0 else { return 0 }
        let precision = truePositives / predicted
        let recall = truePositives / actual
        return 2 * precision * recall / (precision + recall)
    }

    var macroF1: Double {
        Self.classes.map(f1).reduce(0, +) / Double(Self.classes.count)
    }

    var accuracy: Double {
        guard count > 0 else { return 0 }
        return Double(Self.classes.reduce(0) { $0 + cell(gold: $1, predicted: $1) }) / Double(count)
    }

    var binaryAccuracy: Double {
        polarItems > 0 ? Double(polarCorrect) / Double(polarItems) : 0
    }
}
