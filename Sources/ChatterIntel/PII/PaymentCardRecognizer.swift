/// Payment card numbers (PANs): 13–19 digits, contiguous or in groups joined by one kind of separator (space or
/// hyphen), passing Luhn, with an issuer identification number and length of a known scheme. A Luhn-valid number
/// of no known scheme needs a context word ("card", "debit") to pass.
struct PaymentCardRecognizer: PIIRecognizer {
    enum Scheme { case visa, mastercard, amex, discover, dinersClub, jcb, unionPay, maestro }

    func collect(in scan: PIIScan, into candidates: inout [PIICandidate]) {
        let text = scan.text
        for run in scan.numberRuns where !run.continuesCode {
            var first = 0
            while first < run.groups.count {
                var matchedLast: Int?
                for last in stride(from: min(run.groups.count - 1, first + 5), through: first, by: -1) {
                    let window = first...last
                    guard let confidence = score(run, window, in: text) else { continue }
                    let digits = run.digits(window, in: text)
                    let range = run.range(window)
                    candidates.append(
                        PIICandidate(
                            type: .paymentCard, range: range, confidence: confidence, normalizedValue: digits.digitString,
                            preview: "****" + digits.suffix(4).digitString
                        )
                    )
                    matchedLast = last
                    break
                }
                first = (matchedLast ?? first) + 1
            }
        }
    }

    private func score(_ run: PIINumberRun, _ window: ClosedRange<Int>, in text: PIIText) -> Double? {
        let groups = run.groups[window]
        let separators = Set(run.innerSeparators(window))
        guard !(window.lowerBound == 0 && run.plusIndex != nil), groups.allSatisfy({ !$0.isParenthesized }),
            separators.count <= 1, separators.isSubset(of: [0x20, 0x2D]), run.isIsolated(window),
            !continuesGrouping(run, window, separator: separators.first)
        else { return nil }
        let digits = run.digits(window, in: text)
        guard (13...19).contains(digits.count), digits[0] != 0, hasCardGrouping(groups.map(\.length)), PIIChecksums.luhnIsValid(digits)
        else { return nil }
        guard let scheme = Self.scheme(of: digits), Self.lengths(of: scheme).contains(digits.count) else { return 0.4 }
        return 0.9
    }

    /// A card is not cut out of a longer sequence of 4-digit groups (`9400 1000 0000 0000 0000 00` tracking number).
    private func continuesGrouping(_ run: PIINumberRun, _ window: ClosedRange<Int>, separator: UInt8?) -> Bool {
        guard let separator else { return false }
        if window.lowerBound > 0 && run.groups[window.lowerBound].separator == separator && run.groups[window.lowerBound - 1].length == 4 {
            return true
        }
        let after = window.upperBound + 1
        return after < run.groups.count && run.groups[after].separator == separator && run.groups[after].length == 4
    }

    /// Contiguous, 4-4-4-4(-3) style, or the 4-6-5 / 4-6-4 grouping of American Express and Diners Club. Other
    /// groupings are other numbers (`0 2720…`, an order number next to a card).
    private func hasCardGrouping(_ lengths: [Int]) -> Bool {
        if lengths.count == 1 { return true }
        if lengths.count == 3 && lengths[0] == 4 && lengths[1] == 6 && (4...5).contains(lengths[2]) { return true }
        return lengths.dropLast().allSatisfy { $0 == 4 } && (1...4).contains(lengths.last!)
    }

    static func scheme(of digits: [UInt8]) -> Scheme? {
        func prefix(_ count: Int) -> Int { digits.prefix(count).reduce(0) { $0 * 10 + Int($1) } }
        switch (prefix(1), prefix(2), prefix(3), prefix(4), prefix(6)) {
        case (4, _, _, _, _): return .visa
        case (_, 51...55, _, _, _), (_, _, _, 2221...2720, _): return .mastercard
        case (_, 34, _, _, _), (_, 37, _, _, _): return .amex
        case (_, _, _, 6011, _), (_, 65, _, _, _), (_, _, 644...649, _, _), (_, _, _, _, 622126...622925): return .discover
        case (_, 36, _, _, _), (_, 38...39, _, _, _), (_, _, 300...305, _, _): return .dinersClub
        case (_, _, _, 3528...3589, _): return .jcb
        case (_, 62, _, _, _): return .unionPay
        case (_, 50, _, _, _), (_, 56...58, _, _, _), (_, 67, _, _, _): return .maestro
        default: return nil
        }
    }

    static func lengths(of scheme: Scheme) -> Set<Int> {
        switch scheme {
        case .visa: [13, 16, 19]
        case .mastercard: [16]
        case .amex: [15]
        case .discover, .jcb, .unionPay: [16, 17, 18, 19]
        case .dinersClub: [14, 15, 16, 17, 18, 19]
        case .maestro: [16, 17, 18, 19]
        }
    }
}
