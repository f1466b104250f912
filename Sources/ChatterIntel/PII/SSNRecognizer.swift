/// US Social Security numbers: area (001–899 except 666), group (01–99) and serial (0001–9999), as
/// `123-45-6789`, `123 45 6789` or nine bare digits. Only the dashed form passes on its shape; the spaced and bare
/// forms need a context word ("SSN", "social security").
struct SSNRecognizer: PIIRecognizer {
    /// Numbers that were published (in advertising and as an example) and then voided by the SSA.
    private static let voided: Set<String> = ["078051120", "219099999"]

    func collect(in scan: PIIScan, into candidates: inout [PIICandidate]) {
        let text = scan.text
        for run in scan.numberRuns where run.plusIndex == nil && !run.continuesCode {
            for first in run.groups.indices {
                for window in first + 2 < run.groups.count ? [first...first, first...first + 2] : [first...first] {
                    guard let confidence = shapeConfidence(run, window), run.isIsolated(window) else { continue }
                    let digits = run.digits(window, in: text)
                    guard Self.isValid(digits) else { continue }
                    candidates.append(
                        PIICandidate(
                            type: .ssn, range: run.range(window), confidence: confidence, normalizedValue: digits.digitString, preview: nil
                        )
                    )
                }
            }
        }
    }

    private func shapeConfidence(_ run: PIINumberRun, _ window: ClosedRange<Int>) -> Double? {
        let groups = run.groups[window]
        guard groups.allSatisfy({ !$0.isParenthesized }) else { return nil }
        if groups.count == 1 { return groups.first!.length == 9 ? 0.25 : nil }
        guard groups.map(\.length) == [3, 2, 4] else { return nil }
        switch Set(run.innerSeparators(window)) {
        case [0x2D]: return 0.65
        case [0x20]: return 0.4
        default: return nil
        }
    }

    static func isValid(_ digits: [UInt8]) -> Bool {
        guard digits.count == 9 else { return false }
        let area = Int(digits[0]) * 100 + Int(digits[1]) * 10 + Int(digits[2])
        let group = Int(digits[3]) * 10 + Int(digits[4])
        let serial = digits[5...].reduce(0) { $0 * 10 + Int($1) }
        return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0 && !voided.contains(digits.digitString)
    }
}
