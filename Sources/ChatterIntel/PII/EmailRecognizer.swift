/// Email addresses: a dot-atom local part (RFC 5322 without quoted strings or comments), `@`, and a host name
/// whose last label is alphabetic. Found from each `@` outwards, so the scan is linear.
struct EmailRecognizer: PIIRecognizer {
    static let confidence = 0.9

    func collect(in scan: PIIScan, into candidates: inout [PIICandidate]) {
        let text = scan.text
        for at in 0..<text.count where text[at] == 0x40 {
            guard let local = localPart(endingBefore: at, in: text), let domainEnd = EmailRecognizer.hostEnd(from: at + 1, in: text)
            else { continue }
            let range = local.lowerBound..<domainEnd
            let value = text.original(range).lowercased()
            candidates.append(
                PIICandidate(type: .email, range: range, confidence: Self.confidence, normalizedValue: value, preview: Self.preview(value))
            )
        }
        collectObfuscated(in: text, into: &candidates)
    }

    private func localPart(endingBefore at: Int, in text: PIIText) -> Range<Int>? {
        var start = at
        while start > 0 && at - start < 64 && isLocalUnit(text[start - 1]) { start -= 1 }
        while start < at && text[start] == 0x2E { start += 1 }  // a local part does not start with a dot
        guard start < at, text[at - 1] != 0x2E else { return nil }
        return start..<at
    }

    func isLocalUnit(_ unit: UInt8) -> Bool {
        // Letters of other scripts are allowed too (RFC 6531), so `müller@…` is not cut to `ller@…`.
        unit.isLetter || unit.isDigit || unit == 0x2E || unit == 0x5F || unit == 0x25 || unit == 0x2B || unit == 0x2D || unit == 0x27
    }

    /// The end of a valid host name starting at `start` (labels of letters, digits and inner hyphens; at least two
    /// labels; an alphabetic last label of two or more letters), dropping a sentence's closing dot.
    static func hostEnd(from start: Int, in text: PIIText) -> Int? {
        var end = start
        while end < text.count && end - start < 253 && (text[end].isASCIIAlphanumeric || text[end] == 0x2D || text[end] == 0x2E) {
            end += 1
        }
        while end > start && (text[end - 1] == 0x2E || text[end - 1] == 0x2D) { end -= 1 }
        guard end > start, !text[end].isWordUnit else { return nil }
        var labelStart = start
        var labels = 0
        for index in start...end where index == end || text[index] == 0x2E {
            let length = index - labelStart
            guard length > 0, length <= 63, text[labelStart] != 0x2D, text[index - 1] != 0x2D else { return nil }
            labels += 1
            if index == end {
                guard labels >= 2, length >= 2, (labelStart..<end).allSatisfy({ text[$0].isASCIILetter }) else { return nil }
            }
            labelStart = index + 1
        }
        return end
    }

    /// `j***@***.com`: the first character of the local part and the top-level domain only.
    static func preview(_ email: String) -> String? {
        guard let first = email.first, let tld = email.split(separator: ".").last else { return nil }
        return "\(first)***@***.\(tld)"
    }
}
