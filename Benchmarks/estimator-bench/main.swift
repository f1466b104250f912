import ChatterLLM
import Foundation

// Error of TokenEstimator against real tokenizer counts. Input: a TSV of `o200k<TAB>cl100k<TAB>text`
// (written by scripts/bench-estimator.sh). Prints per-text and per-conversation (10 texts summed) errors.

guard CommandLine.arguments.count > 1, let data = FileManager.default.contents(atPath: CommandLine.arguments[1]) else {
    print("usage: estimator-bench REFERENCE.tsv")
    exit(2)
}
let estimator = TokenEstimator()
var rows: [(o200k: Int64, cl100k: Int64, estimate: Int64)] = []
for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
    let parts = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
    guard parts.count == 3, let o200k = Int64(parts[0]), let cl100k = Int64(parts[1]), o200k > 0 else { continue }
    rows.append((o200k, cl100k, estimator.count(String(parts[2]))))
}

func report(_ name: String, reference: [Int64], estimate: [Int64]) {
    let errors = zip(estimate, reference).map { Double($0 - $1) / Double($1) }
    let absolute = errors.map(abs).sorted()
    let mean = errors.reduce(0, +) / Double(errors.count)
    let mape = absolute.reduce(0, +) / Double(absolute.count)
    let p90 = absolute[min(absolute.count - 1, Int(Double(absolute.count) * 0.9))]
    let total = Double(estimate.reduce(0, +) - reference.reduce(0, +)) / Double(reference.reduce(0, +))
    print(
        String(
            format: "%-34@ n=%6d  mean abs error %5.1f%%  p90 abs error %5.1f%%  mean signed error %+5.1f%%  error of the total %+5.1f%%",
            name as NSString, errors.count, mape * 100, p90 * 100, mean * 100, total * 100
        )
    )
}

func conversations(_ values: [Int64]) -> [Int64] {
    stride(from: 0, to: values.count - 9, by: 10).map { values[$0..<($0 + 10)].reduce(0, +) }
}

print("TokenEstimator against real counts, \(rows.count) human-written texts")
report("per text vs o200k_base (GPT-4o, o-series)", reference: rows.map(\.o200k), estimate: rows.map(\.estimate))
report("per text vs cl100k_base (GPT-4, 3.5)", reference: rows.map(\.cl100k), estimate: rows.map(\.estimate))
report("per 10 texts vs o200k_base", reference: conversations(rows.map(\.o200k)), estimate: conversations(rows.map(\.estimate)))
report("per 10 texts vs cl100k_base", reference: conversations(rows.map(\.cl100k)), estimate: conversations(rows.map(\.estimate)))
