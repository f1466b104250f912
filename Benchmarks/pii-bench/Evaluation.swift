import ChatterIntel
import Foundation

/// Scores of one labelled set.
struct Evaluation {
    var exact = SpanScore(matching: .exact)
    var overlap = SpanScore(matching: .overlap)
    var leaks = 0
    var negativesByKind: [String: (total: Int, fired: Int)] = [:]

    init(_ messages: [LabelledMessage], detector: PIIDetector, printErrors: Bool) {
        for message in messages {
            let result = detector.analyze(message.text)
            exact.add(gold: message.gold, predicted: result.entities)
            overlap.add(gold: message.gold, predicted: result.entities)
            leaks += message.gold.count { result.redactedText.contains($0.raw) }
            for negative in message.negatives {
                negativesByKind[negative.kind, default: (0, 0)].total += 1
                if result.entities.contains(where: { $0.range.overlaps(negative.range) }) {
                    negativesByKind[negative.kind, default: (0, 0)].fired += 1
                }
            }
            if printErrors { printDifference(message, result) }
        }
    }

    private func printDifference(_ message: LabelledMessage, _ result: PIIResult) {
        let gold = Set(message.gold.map { "\($0.type.rawValue)\($0.range)" })
        let predicted = Set(result.entities.map { "\($0.type.rawValue)\($0.range)" })
        guard gold != predicted else { return }
        print("ERR gold=\(gold.sorted()) predicted=\(predicted.sorted())")
        print("    \(message.text.debugDescription)")
        print("    \(result.redactedText.debugDescription)")
    }

    func printReport() {
        let columns = [("gold", 6), ("tp", 6), ("fp", 6), ("fn", 6), ("precision", 11), ("recall", 8), ("f1", 8), ("f1(overlap)", 13)]
        print(pad("type", 15) + columns.map { padLeft($0.0, $0.1) }.joined())
        for type in PIIType.allCases {
            let counts = exact.byType[type] ?? SpanScore.Counts()
            let cells = [
                "\(counts.truePositives + counts.falseNegatives)", "\(counts.truePositives)", "\(counts.falsePositives)", "\(counts.falseNegatives)",
                format(counts.precision), format(counts.recall), format(counts.f1), format((overlap.byType[type] ?? SpanScore.Counts()).f1),
            ]
            print(pad(type.rawValue, 15) + zip(cells, columns).map { padLeft($0, $1.1) }.joined())
        }
        printMicro("micro (8 pattern types, excl. date_of_birth):", PIIType.allCases.filter { $0 != .dateOfBirth })
        printMicro("micro (all 9 types):", PIIType.allCases)
        print("phone recall: \(format((exact.byType[.phone] ?? SpanScore.Counts()).recall))")
        print("redaction leaks (gold raw value still in redactedText): \(leaks)")
        guard !negativesByKind.isEmpty else { return }
        let fired = negativesByKind.values.reduce(0) { $0 + $1.fired }
        print("hard negatives that fired: \(fired) of \(negativesByKind.values.reduce(0) { $0 + $1.total })")
        for (kind, counts) in negativesByKind.sorted(by: { $0.key < $1.key }) {
            print("  " + pad(kind, 28) + padLeft("\(counts.fired)/\(counts.total)", 9))
        }
    }

    private func printMicro(_ label: String, _ types: [PIIType]) {
        let counts = exact.micro(types)
        print(
            pad(label, 46) + "P \(format(counts.precision))  R \(format(counts.recall))  F1 \(format(counts.f1))"
                + "  (overlap F1 \(format(overlap.micro(types).f1)))"
        )
    }
}

func format(_ value: Double) -> String { String(format: "%.3f", value) }
func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text : text + String(repeating: " ", count: width - text.count) }
func padLeft(_ text: String, _ width: Int) -> String { text.count >= width ? text : String(repeating: " ", count: width - text.count) + text }
