/// Addresses written to dodge scrapers: `jane.doe [at] gmail [dot] com`, `jane(at)example.org`,
/// `jane at example dot com`. The bracketed forms need only the `at`; the plain-word form needs `dot` spelled out
/// too and a known top-level domain, so "look at example.com" stays a sentence.
extension EmailRecognizer {
    func collectObfuscated(in text: PIIText, into candidates: inout [PIICandidate]) {
        var index = 1
        while index + 2 < text.count {
            guard text[index].lowercasedASCII == 0x61, text[index + 1].lowercasedASCII == 0x74, let marker = atMarker(around: index, in: text) else {
                index += 1
                continue
            }
            index = marker.range.upperBound
            guard let local = obfuscatedLocalPart(endingBefore: marker.range.lowerBound, plain: marker.isPlain, in: text),
                let domain = obfuscatedDomain(from: marker.range.upperBound, plain: marker.isPlain, in: text)
            else { continue }
            let value = local.labels.joined(separator: ".") + "@" + domain.labels.joined(separator: ".")
            candidates.append(
                PIICandidate(
                    type: .email, range: local.start..<domain.end, confidence: marker.isPlain ? 0.7 : 0.8,
                    normalizedValue: value.lowercased(), preview: Self.preview(value.lowercased())
                )
            )
            index = domain.end
        }
    }

    /// `[at]`, `(at)`, `{at}` (with the `a` at `index`), or the word `at` between single spaces.
    private func atMarker(around index: Int, in text: PIIText) -> (range: Range<Int>, isPlain: Bool)? {
        let open = text[index - 1]
        let close = text[index + 2]
        if (open == 0x5B && close == 0x5D) || (open == 0x28 && close == 0x29) || (open == 0x7B && close == 0x7D) {
            return ((index - 1)..<(index + 3), false)
        }
        if open == 0x20 && close == 0x20 { return ((index - 1)..<(index + 3), true) }
        return nil
    }

    /// The local part before the `at`, whose dots may be spelled out too (`priya dot patel at …`), as its
    /// dot-separated labels and where it starts.
    private func obfuscatedLocalPart(endingBefore end: Int, plain: Bool, in text: PIIText) -> (labels: [String], start: Int)? {
        var labelEnd = text[end - 1] == 0x20 ? end - 1 : end
        var labels: [String] = []
        var start = labelEnd
        while labels.count < 8 {
            var labelStart = labelEnd
            while labelStart > 0 && labelEnd - labelStart < 64 && isLocalUnit(text[labelStart - 1]) { labelStart -= 1 }
            guard labelStart < labelEnd, text[labelStart] != 0x2E, text[labelEnd - 1] != 0x2E, text[labelStart].isASCIIAlphanumeric else { break }
            labels.insert(text.slice(labelStart..<labelEnd), at: 0)
            start = labelStart
            guard let previous = spelledDotStart(before: labelStart, plain: plain, in: text) else { break }
            labelEnd = previous
        }
        return labels.isEmpty ? nil : (labels, start)
    }

    /// Where the label before a spelled-out dot ends, if `start` follows ` dot ` (plain form) or ` [dot] `, `(dot)`.
    private func spelledDotStart(before start: Int, plain: Bool, in text: PIIText) -> Int? {
        var cursor = text[start - 1] == 0x20 ? start - 1 : start
        let bracketed = text[cursor - 1] == 0x5D || text[cursor - 1] == 0x29 || text[cursor - 1] == 0x7D
        if bracketed { cursor -= 1 }
        guard text[cursor - 1].lowercasedASCII == 0x74, text[cursor - 2].lowercasedASCII == 0x6F, text[cursor - 3].lowercasedASCII == 0x64 else {
            return nil
        }
        cursor -= 3
        if bracketed {
            guard text[cursor - 1] == 0x5B || text[cursor - 1] == 0x28 || text[cursor - 1] == 0x7B else { return nil }
            cursor -= 1
        } else {
            guard plain, text[cursor - 1] == 0x20, text[start - 1] == 0x20 else { return nil }
        }
        if text[cursor - 1] == 0x20 { cursor -= 1 }
        return text[cursor - 1].isASCIIAlphanumeric ? cursor : nil
    }

    private func obfuscatedDomain(from start: Int, plain: Bool, in text: PIIText) -> (labels: [String], end: Int)? {
        var position = text[start] == 0x20 ? start + 1 : start
        var labels: [String] = []
        var end = position
        while true {
            let labelStart = position
            while text[position].isASCIIAlphanumeric || (text[position] == 0x2D && position > labelStart) { position += 1 }
            guard position > labelStart, position - labelStart <= 63, text[position - 1] != 0x2D else { break }
            labels.append(text.slice(labelStart..<position))
            end = position
            guard let next = dotEnd(at: position, plain: plain, in: text) else { break }
            position = next
        }
        guard labels.count >= 2, let tld = labels.last?.lowercased(), tld.count >= 2, tld.utf8.allSatisfy(\.isASCIILetter),
            !plain || (URLTopLevelDomains.known.contains(tld) && labels.allSatisfy { $0.utf8.contains(where: \.isASCIILetter) }),
            text.isWordEnd(end)
        else { return nil }
        return (labels, end)
    }

    /// Where the next label starts after a `.`, ` [dot] `, `(dot)`, or (plain form only) ` dot `.
    private func dotEnd(at position: Int, plain: Bool, in text: PIIText) -> Int? {
        if text[position] == 0x2E && !plain { return text[position + 1].isASCIIAlphanumeric ? position + 1 : nil }
        var cursor = text[position] == 0x20 ? position + 1 : position
        let bracketed = text[cursor] == 0x5B || text[cursor] == 0x28 || text[cursor] == 0x7B
        if bracketed { cursor += 1 }
        guard text[cursor].lowercasedASCII == 0x64, text[cursor + 1].lowercasedASCII == 0x6F, text[cursor + 2].lowercasedASCII == 0x74 else {
            return nil
        }
        cursor += 3
        if bracketed {
            guard text[cursor] == 0x5D || text[cursor] == 0x29 || text[cursor] == 0x7D else { return nil }
            cursor += 1
        } else {
            guard plain, text[position] == 0x20, text[cursor] == 0x20 else { return nil }
        }
        if text[cursor] == 0x20 { cursor += 1 }
        return text[cursor].isASCIIAlphanumeric ? cursor : nil
    }
}
