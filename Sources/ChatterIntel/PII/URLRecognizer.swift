/// URLs: with a scheme (`https://…`), with `www.`, or a bare host name with a known top-level domain
/// (`acme.io/reset?t=…`). Bare hosts score low without a path or a context word, and a host name right after `@`
/// is an email's domain, never a URL.
struct URLRecognizer: PIIRecognizer {
    static let schemeConfidence = 0.9
    static let wwwConfidence = 0.85
    static let bareWithPathConfidence = 0.65
    static let bareHostConfidence = 0.45

    private static let schemes: [[UInt8]] = ["https://", "http://", "ftp://", "ftps://", "sftp://", "wss://", "ws://"].map { Array($0.utf8) }
    /// Units that, right before a host, make it part of something else (an email, a path, a longer host).
    private static let attachedBefore: Set<UInt8> = Set("@./-=?&#%+~\\".utf8)

    func collect(in scan: PIIScan, into candidates: inout [PIICandidate]) {
        let text = scan.text
        var index = 0
        while index < text.count {
            guard text[index].isASCIILetter || text[index].isDigit, text.isWordStart(index), !Self.attachedBefore.contains(text[index - 1])
            else {
                index += 1
                continue
            }
            if let candidate = schemeURL(at: index, in: text) ?? bareURL(at: index, in: text) {
                candidates.append(candidate)
                index = candidate.range.upperBound
            } else {
                index += 1
                while index < text.count && text[index].isASCIIAlphanumeric { index += 1 }
            }
        }
    }

    private func schemeURL(at start: Int, in text: PIIText) -> PIICandidate? {
        guard let scheme = Self.schemes.first(where: { matches($0, at: start, in: text) }) else { return nil }
        var hostStart = start + scheme.count
        // Skip user information (`user:pass@`) when an `@` comes before the path.
        var probe = hostStart
        while probe < text.count && isURLUnit(text[probe]) && text[probe] != 0x2F && text[probe] != 0x3F && text[probe] != 0x23 {
            if text[probe] == 0x40 { hostStart = probe + 1 }
            probe += 1
        }
        var hostEnd = hostStart
        if text[hostStart] == 0x5B {  // [IPv6]
            while hostEnd < text.count && text[hostEnd] != 0x5D && (text[hostEnd].isHexDigit || text[hostEnd] == 0x3A || text[hostEnd] == 0x5B) {
                hostEnd += 1
            }
            guard text[hostEnd] == 0x5D else { return nil }
            hostEnd += 1
        } else {
            while text[hostEnd].isASCIIAlphanumeric || text[hostEnd] == 0x2D || text[hostEnd] == 0x2E { hostEnd += 1 }
            while hostEnd > hostStart && text[hostEnd - 1] == 0x2E { hostEnd -= 1 }
            guard hostEnd > hostStart, text[hostStart].isASCIIAlphanumeric else { return nil }
        }
        let end = trimmedEnd(start: start, end: extent(from: hostEnd, in: text), in: text)
        return candidate(start..<end, hostEnd: hostEnd, confidence: Self.schemeConfidence, in: text)
    }

    private func bareURL(at start: Int, in text: PIIText) -> PIICandidate? {
        var hostEnd = start
        while text[hostEnd].isASCIIAlphanumeric || text[hostEnd] == 0x2D || text[hostEnd] == 0x2E { hostEnd += 1 }
        while hostEnd > start && (text[hostEnd - 1] == 0x2E || text[hostEnd - 1] == 0x2D) { hostEnd -= 1 }
        let next = text[hostEnd]
        guard next != 0x40, !next.isWordUnit, (start..<hostEnd).contains(where: { text[$0] == 0x2E }),
            let labels = Self.labels(start..<hostEnd, in: text), labels.count >= 2
        else { return nil }
        guard let tld = labels.last, URLTopLevelDomains.known.contains(text.slice(tld).lowercased()) else { return nil }
        let isWWW = text.slice(labels[0]).lowercased() == "www"
        if isWWW && labels.count < 3 { return nil }
        var end = hostEnd
        if next == 0x2F || (next == 0x3A && text[hostEnd + 1].isDigit) {
            end = trimmedEnd(start: start, end: extent(from: hostEnd, in: text), in: text)
        }
        let hasPath = end > hostEnd + 1
        let confidence = isWWW ? Self.wwwConfidence : (hasPath ? Self.bareWithPathConfidence : Self.bareHostConfidence)
        return candidate(start..<end, hostEnd: hostEnd, confidence: confidence, in: text)
    }

    private func candidate(_ range: Range<Int>, hostEnd: Int, confidence: Double, in text: PIIText) -> PIICandidate {
        // Scheme and host are case-insensitive, the rest is not.
        var value = text.original(range.lowerBound..<hostEnd).lowercased() + text.original(hostEnd..<range.upperBound)
        if value.hasSuffix("/") { value.removeLast() }
        return PIICandidate(type: .url, range: range, confidence: confidence, normalizedValue: value, preview: nil)
    }

    /// Host-name labels, or nil when one is empty, too long, or starts or ends with a hyphen.
    static func labels(_ range: Range<Int>, in text: PIIText) -> [Range<Int>]? {
        var labels: [Range<Int>] = []
        var labelStart = range.lowerBound
        for index in range.lowerBound...range.upperBound where index == range.upperBound || text[index] == 0x2E {
            let label = labelStart..<index
            guard !label.isEmpty, label.count <= 63, text[label.lowerBound] != 0x2D, text[index - 1] != 0x2D else { return nil }
            labels.append(label)
            labelStart = index + 1
        }
        return labels
    }

    private func matches(_ pattern: [UInt8], at start: Int, in text: PIIText) -> Bool {
        for offset in 0..<pattern.count where text[start + offset].lowercasedASCII != pattern[offset] { return false }
        return true
    }

    /// Units that may appear in a URL (RFC 3986 reserved and unreserved, `%`, and letters of other scripts).
    private func isURLUnit(_ unit: UInt8) -> Bool {
        unit == PIIText.otherLetter || (unit > 0x20 && unit < 0x7F && !Self.excluded.contains(unit))
    }

    private static let excluded: Set<UInt8> = Set("<>\"{}|\\^`".utf8)

    private func extent(from start: Int, in text: PIIText) -> Int {
        var end = start
        while end < text.count && isURLUnit(text[end]) { end += 1 }
        return end
    }

    /// Drops sentence punctuation after a URL, and closing brackets that the URL did not open.
    private func trimmedEnd(start: Int, end: Int, in text: PIIText) -> Int {
        var end = end
        while end > start {
            let last = text[end - 1]
            if ".,;:!?'*".utf8.contains(last) {
                end -= 1
            } else if last == 0x29 || last == 0x5D {
                let open: UInt8 = last == 0x29 ? 0x28 : 0x5B
                let opened = (start..<end).count { text[$0] == open }
                let closed = (start..<end).count { text[$0] == last }
                guard closed > opened else { break }
                end -= 1
            } else {
                break
            }
        }
        return end
    }
}
