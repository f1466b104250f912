/// IPv4 addresses in dotted-decimal form (each octet 0–255, no leading zeros) and IPv6 addresses in the text forms
/// of RFC 4291 §2.2 (full, `::`-compressed, with an embedded IPv4 tail). A dotted quad of single digits
/// (`1.2.3.4`) looks like a version number and needs a context word; "version", "build" push any quad down.
struct IPAddressRecognizer: PIIRecognizer {
    func collect(in scan: PIIScan, into candidates: inout [PIICandidate]) {
        collectIPv4(in: scan, into: &candidates)
        collectIPv6(in: scan.text, into: &candidates)
    }

    private func collectIPv4(in scan: PIIScan, into candidates: inout [PIICandidate]) {
        for run in scan.numberRuns where run.groups.count >= 4 && run.plusIndex == nil {
            for first in 0...(run.groups.count - 4) {
                let window = first...(first + 3)
                guard run.innerSeparators(window).allSatisfy({ $0 == 0x2E }), isBounded(run, window),
                    let octets = octets(run, window, in: scan.text)
                else { continue }
                let confidence = octets.allSatisfy { $0 < 10 } ? 0.45 : 0.75
                let value = octets.map(String.init).joined(separator: ".")
                candidates.append(
                    PIICandidate(type: .ipAddress, range: run.range(window), confidence: confidence, normalizedValue: value, preview: nil)
                )
            }
        }
    }

    /// Not part of a longer dotted sequence; a `/prefix` (CIDR) may follow.
    private func isBounded(_ run: PIINumberRun, _ window: ClosedRange<Int>) -> Bool {
        let before = window.lowerBound == 0 || run.groups[window.lowerBound].separator == 0x20
        let next = window.upperBound + 1
        let after = next == run.groups.count ? !run.isGluedAtEnd : (run.groups[next].separator == 0x20 || run.groups[next].separator == 0x2F)
        return before && after
    }

    private func octets(_ run: PIINumberRun, _ window: ClosedRange<Int>, in text: PIIText) -> [Int]? {
        var octets: [Int] = []
        for group in run.groups[window] {
            guard !group.isParenthesized, group.length <= 3, group.length == 1 || text[group.digits.lowerBound] != 0x30 else { return nil }
            let value = group.digits.reduce(0) { $0 * 10 + text[$1].digitValue }
            guard value <= 255 else { return nil }
            octets.append(value)
        }
        return octets[0] == 0 ? nil : octets
    }

    private func collectIPv6(in text: PIIText, into candidates: inout [PIICandidate]) {
        var index = 0
        while index < text.count {
            let unit = text[index]
            guard unit.isHexDigit || unit == 0x3A, text.isWordStart(index), text[index - 1] != 0x3A, text[index - 1] != 0x2E else {
                index += 1
                continue
            }
            var end = index
            var colons = 0
            while text[end].isHexDigit || text[end] == 0x3A || text[end] == 0x2E {
                if text[end] == 0x3A { colons += 1 }
                end += 1
            }
            defer { index = max(end, index + 1) }
            // A sentence may end right after the address.
            while end > index && text[end - 1] == 0x2E { end -= 1 }
            if end - index >= 2 && text[end - 1] == 0x3A && text[end - 2] != 0x3A { end -= 1 }
            guard colons >= 2, !text[end].isWordUnit, let address = IPv6Address(text.slice(index..<end)) else { continue }
            candidates.append(
                PIICandidate(
                    type: .ipAddress, range: index..<end, confidence: address.isCompressed ? 0.8 : 0.85, normalizedValue: address.canonical,
                    preview: nil
                )
            )
        }
    }
}

/// A parsed IPv6 address, validated as RFC 4291 §2.2 text.
struct IPv6Address {
    let groups: [UInt16]
    let isCompressed: Bool

    /// Eight lowercase groups without leading zeros, so every spelling of one address hashes alike.
    var canonical: String { groups.map { String($0, radix: 16) }.joined(separator: ":") }

    init?(_ text: String) {
        let units = Array(text.utf8)
        let doubleColons = units.indices.dropLast().filter { units[$0] == 0x3A && units[$0 + 1] == 0x3A }
        guard doubleColons.count <= 1 else { return nil }
        isCompressed = doubleColons.count == 1
        let halves =
            doubleColons.first.map { [String(decoding: units[..<$0], as: UTF8.self), String(decoding: units[($0 + 2)...], as: UTF8.self)] } ?? [text]
        func parse(_ part: String, allowIPv4Tail: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (offset, piece) in pieces.enumerated() {
                if piece.contains(".") {
                    guard allowIPv4Tail, offset == pieces.count - 1, let tail = IPv6Address.ipv4Groups(piece) else { return nil }
                    result += tail
                } else {
                    guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { return nil }
                    result.append(value)
                }
            }
            return result
        }
        guard let head = parse(halves[0], allowIPv4Tail: !isCompressed) else { return nil }
        let tail = isCompressed ? parse(halves[1], allowIPv4Tail: true) : []
        guard let tail else { return nil }
        if isCompressed {
            // `::` stands for at least one zero group; a lone `::` or `x::` with one group is too vague to be an address.
            guard head.count + tail.count <= 7, head.count + tail.count >= 1, text != "::" else { return nil }
            if head.count + tail.count == 1 && !(head.isEmpty && tail == [1]) { return nil }
            groups = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard head.count == 8 else { return nil }
            groups = head
        }
    }

    private static func ipv4Groups(_ text: Substring) -> [UInt16]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt16] = []
        for part in parts {
            guard (1...3).contains(part.count), part.count == 1 || !part.hasPrefix("0"), let value = UInt16(part), value <= 255 else { return nil }
            bytes.append(value)
        }
        return [bytes[0] << 8 | bytes[1], bytes[2] << 8 | bytes[3]]
    }
}
