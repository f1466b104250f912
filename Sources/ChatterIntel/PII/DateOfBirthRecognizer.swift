/// Dates that are dates of birth: numeric (`03/14/1985`, `14.03.1985`, `1985-03-14`, `3/14/85`) and written
/// (`March 14, 1985`, `14th of March 1985`, `Mar. 14 1985`, `14-Mar-1985`). Any valid calendar date is found, but on
/// its own it scores far below the threshold: only a birth context word ("born", "DOB", "birthday") makes it a date
/// of birth.
/// Numeric dates are read day-first when the first number exceeds 12, else month-first (US); two-digit years
/// 00–29 are 2000s, 30–99 are 1900s.
struct DateOfBirthRecognizer: PIIRecognizer {
    static let confidence = 0.2

    private static let monthNames: [(name: [UInt8], month: Int)] = [
        ("january", 1), ("february", 2), ("march", 3), ("april", 4), ("may", 5), ("june", 6), ("july", 7), ("august", 8),
        ("september", 9), ("october", 10), ("november", 11), ("december", 12), ("jan", 1), ("feb", 2), ("mar", 3), ("apr", 4),
        ("jun", 6), ("jul", 7), ("aug", 8), ("sep", 9), ("sept", 9), ("oct", 10), ("nov", 11), ("dec", 12),
    ].map { (Array($0.0.utf8), $0.1) }

    /// The month a word names, in English, full or abbreviated, any case. Most words fail on length or first letter.
    private static func month(named word: Range<Int>, in text: PIIText) -> Int? {
        guard (3...9).contains(word.count), "jfmasond".utf8.contains(text[word.lowerBound].lowercasedASCII) else { return nil }
        return monthNames.first { entry in
            entry.name.count == word.count && zip(entry.name, word).allSatisfy { $0 == text[$1].lowercasedASCII }
        }?.month
    }

    func collect(in scan: PIIScan, into candidates: inout [PIICandidate]) {
        for run in scan.numberRuns where run.groups.count >= 3 && run.plusIndex == nil {
            for first in 0...(run.groups.count - 3) {
                let window = first...(first + 2)
                guard let date = numericDate(run, window, in: scan.text) else { continue }
                candidates.append(candidate(run.range(window), date))
            }
        }
        collectWrittenDates(in: scan.text, into: &candidates)
    }

    private func candidate(_ range: Range<Int>, _ date: (year: Int, month: Int, day: Int)) -> PIICandidate {
        let value = "\(date.year)-\(date.month < 10 ? "0" : "")\(date.month)-\(date.day < 10 ? "0" : "")\(date.day)"
        return PIICandidate(type: .dateOfBirth, range: range, confidence: Self.confidence, normalizedValue: value, preview: nil)
    }

    private func numericDate(_ run: PIINumberRun, _ window: ClosedRange<Int>, in text: PIIText) -> (year: Int, month: Int, day: Int)? {
        let separators = Set(run.innerSeparators(window))
        guard separators.count == 1, separators.isSubset(of: [0x2F, 0x2D, 0x2E]), run.isIsolated(window) else { return nil }
        let groups = run.groups[window]
        let lengths = groups.map(\.length)
        let numbers = groups.map { group in group.digits.reduce(0) { $0 * 10 + text[$1].digitValue } }
        switch (lengths[0], lengths[1], lengths[2]) {
        case (4, 1...2, 1...2):
            return Self.validated(year: numbers[0], month: numbers[1], day: numbers[2])
        case (1...2, 1...2, 4), (1...2, 1...2, 2):
            let year = lengths[2] == 4 ? numbers[2] : numbers[2] + (numbers[2] < 30 ? 2000 : 1900)
            let dayFirst = numbers[0] > 12
            return Self.validated(year: year, month: dayFirst ? numbers[1] : numbers[0], day: dayFirst ? numbers[0] : numbers[1])
        default:
            return nil
        }
    }

    private func collectWrittenDates(in text: PIIText, into candidates: inout [PIICandidate]) {
        var index = 0
        while index < text.count {
            guard text[index].isASCIILetter, !text[index - 1].isLetter else {
                index += 1
                continue
            }
            var end = index
            while text[end].isLetter { end += 1 }
            defer { index = end }
            guard let month = Self.month(named: index..<end, in: text) else { continue }
            let afterMonth = text[end] == 0x2E ? end + 1 : end
            // Month first: "March 14, 1985", "Mar. 14th 1985".
            if let day = dayNumber(startingAt: afterSpaces(afterMonth, in: text, required: true), in: text),
                let year = year(startingAt: afterComma(day.end, in: text), in: text),
                let date = Self.validated(year: year.value, month: month, day: day.value)
            {
                candidates.append(candidate(index..<year.end, date))
                continue
            }
            // Day first: "14 March 1985", "14th of March, 1985", "14-Mar-1985".
            let isDashed = text[index - 1] == 0x2D && text[end] == 0x2D
            let yearStart = isDashed ? end + 1 : afterComma(afterMonth, in: text)
            if let day = dayNumber(endingBefore: index, in: text), let year = year(startingAt: yearStart, in: text),
                let date = Self.validated(year: year.value, month: month, day: day.value)
            {
                candidates.append(candidate(day.start..<year.end, date))
            }
        }
    }

    private func afterSpaces(_ position: Int, in text: PIIText, required: Bool) -> Int? {
        var position = position
        let start = position
        while text[position] == 0x20 && position - start < 2 { position += 1 }
        return required && position == start ? nil : position
    }

    /// Skips an optional comma and then one or two spaces (required).
    private func afterComma(_ position: Int, in text: PIIText) -> Int? {
        afterSpaces(text[position] == 0x2C ? position + 1 : position, in: text, required: true)
    }

    private static let ordinalSuffixes: Set<String> = ["st", "nd", "rd", "th"]

    private func dayNumber(startingAt position: Int?, in text: PIIText) -> (value: Int, end: Int)? {
        guard let position, text[position].isDigit else { return nil }
        var end = position
        while text[end].isDigit && end - position < 3 { end += 1 }
        guard end - position <= 2 else { return nil }
        let value = (position..<end).reduce(0) { $0 * 10 + text[$1].digitValue }
        if text[end].isASCIILetter && text[end + 1].isASCIILetter && Self.ordinalSuffixes.contains(text.slice(end..<(end + 2)).lowercased()) {
            end += 2
        }
        return text.isWordEnd(end) ? (value, end) : nil
    }

    private func dayNumber(endingBefore monthStart: Int, in text: PIIText) -> (value: Int, start: Int)? {
        guard text[monthStart - 1] == 0x20 || text[monthStart - 1] == 0x2D else { return nil }
        var end = monthStart - 1
        let isOf = text[end - 1].lowercasedASCII == 0x66 && text[end - 2].lowercasedASCII == 0x6F && text[end - 3] == 0x20
        if text[end] == 0x20 && isOf { end -= 3 }  // "14th of March"
        if text[end - 1].isASCIILetter && text[end - 2].isASCIILetter && Self.ordinalSuffixes.contains(text.slice((end - 2)..<end).lowercased()) {
            end -= 2
        }
        var start = end
        while text[start - 1].isDigit && end - start < 3 { start -= 1 }
        guard (1...2).contains(end - start), text.isWordStart(start) else { return nil }
        return ((start..<end).reduce(0) { $0 * 10 + text[$1].digitValue }, start)
    }

    private func year(startingAt position: Int?, in text: PIIText) -> (value: Int, end: Int)? {
        guard let position else { return nil }
        let end = position + 4
        guard (position..<end).allSatisfy({ text[$0].isDigit }), text.isWordEnd(end) else { return nil }
        return ((position..<end).reduce(0) { $0 * 10 + text[$1].digitValue }, end)
    }

    static func validated(year: Int, month: Int, day: Int) -> (year: Int, month: Int, day: Int)? {
        guard (1900...2099).contains(year), (1...12).contains(month), day >= 1 else { return nil }
        let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days ? (year, month, day) : nil
    }
}
