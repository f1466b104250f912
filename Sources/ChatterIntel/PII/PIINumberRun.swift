/// A maximal stretch of digit groups joined by single separators, the raw material of the numeric recognizers:
/// `+1 (415) 555-0132`, `4111 1111 1111 1111`, `03/14/1985`, `192.168.0.1`. Recognizers pick windows of
/// consecutive groups out of a run, so a phone number followed by an unrelated number is still found.
struct PIINumberRun {
    struct Group {
        /// First digit and one past the last digit.
        var digits: Range<Int>
        /// Including the parentheses of a parenthesized group such as `(415)`.
        var outer: Range<Int>
        /// The separator before this group (`0` for the first): one of ` -./`, or `)` when a parenthesized
        /// group touches its neighbour (`(0)20`, `(415)555`).
        var separator: UInt8
        var isParenthesized: Bool
        var length: Int { digits.count }
    }

    /// The index of a leading `+` (international phone numbers).
    var plusIndex: Int?
    var groups: [Group]
    /// The run is directly followed by a word character or `@`: its last group cannot end a match.
    var isGluedAtEnd: Bool
    /// The run continues a space-separated code: the print form of an IBAN (`NL94 GRTF 0195 2619 33`), valid or
    /// not, or a code whose previous group mixes letters and digits (`1Z 999 AA1 01 2345 6784`). Its digit groups
    /// are not phone, card or SSN numbers.
    var continuesCode: Bool

    static let touching: UInt8 = 0x29  // ")"
    private static let separators: Set<UInt8> = [0x20, 0x2D, 0x2E, 0x2F]  // space - . /

    /// The digit values of groups `window`, skipping groups for which `skip` is true.
    func digits(_ window: ClosedRange<Int>, in text: PIIText, skipping skip: (Group) -> Bool = { _ in false }) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(20)
        for group in groups[window] where !skip(group) {
            for index in group.digits { result.append(text[index] - 0x30) }
        }
        return result
    }

    /// The text range a window covers, from a leading `+` or `(` to a closing `)`.
    func range(_ window: ClosedRange<Int>) -> Range<Int> {
        let start = window.lowerBound == 0 ? (plusIndex ?? groups[0].outer.lowerBound) : groups[window.lowerBound].outer.lowerBound
        return start..<groups[window.upperBound].outer.upperBound
    }

    /// Whether a window stands on its own: at each end the run either ends or continues only after a space.
    /// `415-555-0132-77` has no isolated `415-555-0132`; `call 415-555-0132 2 times` has.
    func isIsolated(_ window: ClosedRange<Int>) -> Bool {
        let startsClean = window.lowerBound == 0 || groups[window.lowerBound].separator == 0x20
        let isLast = window.upperBound == groups.count - 1
        let endsClean = isLast ? !isGluedAtEnd : groups[window.upperBound + 1].separator == 0x20
        return startsClean && endsClean
    }

    /// The separators inside a window (between its groups).
    func innerSeparators(_ window: ClosedRange<Int>) -> [UInt8] {
        window.dropFirst().map { groups[$0].separator }
    }

    static func runs(in text: PIIText) -> [PIINumberRun] {
        var runs: [PIINumberRun] = []
        var index = 0
        while index < text.count {
            let unit = text[index]
            let opens =
                unit.isDigit || (unit == 0x2B && (text[index + 1].isDigit || text[index + 1] == 0x28))
                || (unit == 0x28 && (text[index + 1].isDigit || (text[index + 1] == 0x2B && text[index + 2].isDigit)))
            guard opens else {
                index += 1
                continue
            }
            if isGlued(before: index, in: text) {
                index += 1
                while index < text.count && text[index].isWordUnit { index += 1 }
                continue
            }
            let (run, next) = parseRun(at: index, in: text)
            if let run { runs.append(run) }
            index = max(next, index + 1)
        }
        return runs
    }

    /// A number that continues a word (`SKU4155550132`, `v1.2.3.4`, `x.1.2`) is part of that word.
    private static func isGlued(before index: Int, in text: PIIText) -> Bool {
        let previous = text[index - 1]
        if previous.isWordUnit || previous == 0x40 { return true }  // @
        return (previous == 0x2E || previous == 0x2D) && text[index - 2].isWordUnit
    }

    private static func parseRun(at start: Int, in text: PIIText) -> (PIINumberRun?, Int) {
        var position = start
        var plusIndex: Int?
        // `+44 …`, and `(+44) …` where the country code is the first, parenthesized group.
        let isParenthesizedPlus = text[position] == 0x28 && text[position + 1] == 0x2B
        if text[position] == 0x2B || isParenthesizedPlus { plusIndex = position }
        if text[position] == 0x2B { position += 1 }
        var groups: [Group] = []
        var separator: UInt8 = 0
        while true {
            var cursor = position
            let isParenthesized = text[cursor] == 0x28
            if isParenthesized { cursor += 1 }
            if isParenthesizedPlus && groups.isEmpty { cursor += 1 }
            guard text[cursor].isDigit else { break }
            let digitsStart = cursor
            while text[cursor].isDigit { cursor += 1 }
            let digitsEnd = cursor
            if isParenthesized {
                guard text[cursor] == 0x29 else { break }
                // Parentheses around a whole number (`(+447713677563)`, `(5573676395822995)`) are punctuation, not an
                // area or country code: the run is that one group.
                if groups.isEmpty && digitsEnd - digitsStart > (isParenthesizedPlus ? 3 : 4) {
                    if isParenthesizedPlus { plusIndex = digitsStart - 1 }
                    groups.append(Group(digits: digitsStart..<digitsEnd, outer: digitsStart..<digitsEnd, separator: 0, isParenthesized: false))
                    break
                }
                cursor += 1
            }
            groups.append(Group(digits: digitsStart..<digitsEnd, outer: position..<cursor, separator: separator, isParenthesized: isParenthesized))
            position = cursor
            let next = text[position]
            if (isParenthesized && next.isDigit) || (next == 0x28 && text[position + 1].isDigit) {
                separator = touching
            } else if separators.contains(next) && (text[position + 1].isDigit || (next == 0x20 && text[position + 1] == 0x28)) {
                separator = next
                position += 1
            } else {
                break
            }
        }
        guard !groups.isEmpty else { return (nil, position) }
        let end = groups[groups.count - 1].outer.upperBound
        let glued = (text[end].isWordUnit || text[end] == 0x40) && !isExtensionMark(at: end, in: text)
        let run = PIINumberRun(plusIndex: plusIndex, groups: groups, isGluedAtEnd: glued, continuesCode: continuesCode(before: start, in: text))
        return (run, end)
    }

    /// `x` and one to six digits right after a number: a phone extension (`415-555-0132x12`), not a glued word.
    static func isExtensionMark(at index: Int, in text: PIIText) -> Bool {
        guard text[index].lowercasedASCII == 0x78, text[index + 1].isDigit else { return false }
        var end = index + 1
        while text[end].isDigit && end - index <= 6 { end += 1 }
        return end - index <= 7 && text.isWordEnd(end)
    }

    private static func continuesCode(before start: Int, in text: PIIText) -> Bool {
        guard text[start - 1] == 0x20 else { return false }
        var tokenStart = start - 1
        while text[tokenStart - 1].isASCIIAlphanumeric && start - 1 - tokenStart < 7 { tokenStart -= 1 }
        let token = tokenStart..<(start - 1)
        let isMixedCode =
            (2...6).contains(token.count) && !text[tokenStart - 1].isWordUnit && token.contains { text[$0].isDigit }
            && token.contains { text[$0].isASCIILetter }
        return isMixedCode || continuesIBAN(before: start, in: text)
    }

    /// Walks back over the print form's space-separated groups of four (digits or capitals) looking for an IBAN's
    /// `CCdd` start.
    private static func continuesIBAN(before start: Int, in text: PIIText) -> Bool {
        var end = start - 1
        for _ in 0..<8 {
            guard text[end] == 0x20 else { return false }
            var tokenStart = end
            while (text[tokenStart - 1].isDigit || text[tokenStart - 1].isUppercaseLetter) && end - tokenStart < 4 { tokenStart -= 1 }
            let length = end - tokenStart
            guard length == 4, !text[tokenStart - 1].isASCIIAlphanumeric else { return false }
            let isCountryAndCheckDigits =
                text[tokenStart].isASCIILetter && text[tokenStart + 1].isASCIILetter && text[tokenStart + 2].isDigit && text[tokenStart + 3].isDigit
            if isCountryAndCheckDigits { return true }
            end = tokenStart - 1
        }
        return false
    }
}
