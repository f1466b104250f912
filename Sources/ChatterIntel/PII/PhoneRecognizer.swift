/// Phone numbers: international (`+44 20 7946 0958`, `0049 30 901820`) checked against the country code's
/// national number length; North American (`(415) 555-0132`, `1-800-555-0199`) checked against NANP area and
/// exchange rules; national numbers with a trunk `0` (`020 7946 0958`, `0151 23456789`); and bare 7-digit local
/// numbers. An extension written after the number (`ext. 616`, `x204`) belongs to it. Unformatted and local numbers
/// score below the threshold unless a context word ("call me", "mobile") is near. A 10-digit number with a valid
/// NHS checksum next to "NHS" is a health-service number, not a phone.
struct PhoneRecognizer: PIIRecognizer {
    /// Labels of a health-service number; like other negative labels they must sit right before the number.
    private static let healthServiceLabels = PIIContextRule(
        positive: [],
        negative: ["nhs", "health service", "health number", "health no", "chi", "patient"],
        boost: 0,
        penalty: 0
    )

    func collect(in scan: PIIScan, into candidates: inout [PIICandidate]) {
        for run in scan.numberRuns where !run.continuesCode {
            var first = 0
            while first < run.groups.count {
                var matchedLast: Int?
                for last in stride(from: min(run.groups.count - 1, first + 6), through: first, by: -1) {
                    let window = first...last
                    guard run.isIsolated(window), let phone = classify(run, window, in: scan.text) else { continue }
                    matchedLast = last
                    let range = run.range(window)
                    if !isHealthServiceNumber(run, window, range: range, in: scan.text) {
                        let preview = "***" + phone.normalized.suffix(2)
                        var value = phone.normalized
                        var end = range.upperBound
                        if last == run.groups.count - 1, let ext = Self.extensionRange(after: end, in: scan.text) {
                            value += "x" + scan.text.slice(ext)
                            end = ext.upperBound
                        }
                        candidates.append(
                            PIICandidate(
                                type: .phone, range: range.lowerBound..<end, confidence: phone.confidence, normalizedValue: value, preview: preview
                            )
                        )
                    }
                    break
                }
                first = (matchedLast ?? first) + 1
            }
        }
    }

    private static let extensionMarkers = ["extension", "ext", "x"].map { Array($0.utf8) }

    /// The digits of an extension written after the number (` ext. 616`, ` x204`, `x204`, ` extension 12`).
    static func extensionRange(after end: Int, in text: PIIText) -> Range<Int>? {
        if PIINumberRun.isExtensionMark(at: end, in: text) { return extensionDigits(markerAt: end, in: text) }
        guard text[end] == 0x20 else { return nil }
        return extensionDigits(markerAt: end + 1, in: text)
    }

    private static func extensionDigits(markerAt start: Int, in text: PIIText) -> Range<Int>? {
        for marker in extensionMarkers {
            var position = start
            guard (0..<marker.count).allSatisfy({ text[position + $0].lowercasedASCII == marker[$0] }) else { continue }
            position += marker.count
            if text[position] == 0x2E { position += 1 }
            if text[position] == 0x20 { position += 1 }
            let digitsStart = position
            while text[position].isDigit && position - digitsStart < 6 { position += 1 }
            guard position > digitsStart, text.isWordEnd(position) else { return nil }
            return digitsStart..<position
        }
        return nil
    }

    private func classify(_ run: PIINumberRun, _ window: ClosedRange<Int>, in text: PIIText) -> (confidence: Double, normalized: String)? {
        let groups = run.groups[window]
        let separators = run.innerSeparators(window)
        // Not cut out of a longer, uniformly separated number (`9400 9443 7968 0569 9194 35`, `3429 092711 50910`).
        if window.lowerBound > 0, let inner = separators.first, run.groups[window.lowerBound].separator == inner { return nil }
        guard separatorsAreConsistent(separators, groupCount: groups.count),
            groups.count(where: { $0.isParenthesized }) <= 1, groups.allSatisfy({ !$0.isParenthesized || $0.length <= 4 })
        else { return nil }
        let digits = run.digits(window, in: text)
        guard digits.count >= 7, digits.count <= 17 else { return nil }
        if window.lowerBound == 0 && run.plusIndex != nil {
            return international(nationalTrunkRemoved(run, window, in: text), confidence: 0.8)
        }
        if digits[0] == 0 && digits[1] == 0 {
            return international(Array(nationalTrunkRemoved(run, window, in: text).dropFirst(2)), confidence: 0.65)
        }
        if let northAmerican = northAmerican(digits, lengths: groups.map(\.length), parenthesizedFirst: groups.first!.isParenthesized) {
            return northAmerican
        }
        // A trunk-prefixed national number; 3-2-4 is the shape of an SSN, not of a phone number.
        let lengths = groups.map(\.length)
        if digits[0] == 0 && (9...12).contains(digits.count) && (groups.count >= 2 || digits.count >= 10) && lengths != [3, 2, 4] {
            return (groups.count >= 2 ? 0.55 : 0.4, digits.digitString)
        }
        // A local number is a whole run: in `(115) 555-0132` the last two groups are not a number of their own.
        if lengths == [3, 4] && digits[0] >= 2 && groups.count == run.groups.count {
            return (0.3, digits.digitString)
        }
        return nil
    }

    /// The digits without a parenthesized trunk zero: `+44 (0)20 7946 0958` is `+442079460958`.
    private func nationalTrunkRemoved(_ run: PIINumberRun, _ window: ClosedRange<Int>, in text: PIIText) -> [UInt8] {
        run.digits(window, in: text) { $0.isParenthesized && $0.length == 1 && text[$0.digits.lowerBound] == 0x30 }
    }

    /// `body` is the country code followed by the national number.
    private func international(_ body: [UInt8], confidence: Double) -> (confidence: Double, normalized: String)? {
        guard body.count >= 7, body.count <= 15, body[0] != 0 else { return nil }
        for codeLength in 1...3 {
            let code = body[0..<codeLength].reduce(0) { $0 * 10 + Int($1) }
            guard let nationalLength = CountryCallingCodes.nationalLength(forCode: code) else { continue }
            guard nationalLength.contains(body.count - codeLength) else { return nil }
            if code == 1 && !isNorthAmericanNumber(Array(body[1...])) { return nil }
            return (confidence, "+" + body.digitString)
        }
        return body.count >= 8 ? (confidence - 0.1, "+" + body.digitString) : nil
    }

    private func northAmerican(_ digits: [UInt8], lengths: [Int], parenthesizedFirst: Bool) -> (confidence: Double, normalized: String)? {
        let confidence: Double
        switch lengths {
        case [3, 3, 4]: confidence = parenthesizedFirst ? 0.7 : 0.65
        case [1, 3, 3, 4] where digits[0] == 1: confidence = 0.7
        case [3, 7]: confidence = 0.45
        case [10]: confidence = 0.35
        case [11] where digits[0] == 1: confidence = 0.3
        default: return nil
        }
        let tenDigits = Array(digits.suffix(10))
        guard isNorthAmericanNumber(tenDigits) else { return nil }
        return (confidence, "+1" + tenDigits.digitString)
    }

    /// NANP: area code and exchange both start with 2…9.
    private func isNorthAmericanNumber(_ digits: [UInt8]) -> Bool {
        digits.count == 10 && digits[0] >= 2 && digits[3] >= 2
    }

    /// Mixed ` ` and `-` are common (`+1 415-555-0132`); dots only with dots (a first separator after the country
    /// code aside); a slash only between an area code and a number (`030/901820`), never in a date-like triple.
    private func separatorsAreConsistent(_ separators: [UInt8], groupCount: Int) -> Bool {
        let written = separators.filter { $0 != PIINumberRun.touching }
        if written.contains(0x2F) { return groupCount == 2 }
        if written.dropFirst().contains(0x2E) { return written.dropFirst().allSatisfy { $0 == 0x2E } }
        return true
    }

    private func isHealthServiceNumber(_ run: PIINumberRun, _ window: ClosedRange<Int>, range: Range<Int>, in text: PIIText) -> Bool {
        let lengths = run.groups[window].map(\.length)
        guard lengths == [3, 3, 4] || lengths == [10] else { return false }
        return PIIChecksums.nhsNumberIsValid(run.digits(window, in: text))
            && Self.healthServiceLabels.decidingKeyword(around: range, in: text) != nil
    }
}
