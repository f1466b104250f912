/// The offline PII engine: deterministic recognizers with checksum validation, context scoring, a confidence
/// threshold, overlap resolution and typed redaction. Linear in the length of the text; no network, no model.
///
/// Pipeline: every recognizer proposes candidates; each candidate's confidence is moved by context words for its
/// type (`PIIContextRule`); candidates under `threshold` are dropped; overlaps are resolved; the survivors are
/// hashed under `hashKey` and replaced by their type's token in `redactedText`.
public struct PIIDetector: Sendable {
    public var threshold: Double
    public var hashKey: PIIHashKey
    /// The name results carry for this engine.
    public static let engine = "offline-patterns"

    private static let recognizers: [any PIIRecognizer] = [
        EmailRecognizer(), URLRecognizer(), PhoneRecognizer(), PaymentCardRecognizer(), IBANRecognizer(), SSNRecognizer(),
        IPAddressRecognizer(), CryptoWalletRecognizer(), DateOfBirthRecognizer(),
    ]

    public init(threshold: Double = 0.5, hashKey: PIIHashKey = .builtIn) {
        self.threshold = threshold
        self.hashKey = hashKey
    }

    public func analyze(_ text: String) -> PIIResult {
        let scanned = PIIText(text)
        let scan = PIIScan(scanned)
        var candidates: [PIICandidate] = []
        for recognizer in Self.recognizers { recognizer.collect(in: scan, into: &candidates) }
        for index in candidates.indices {
            let rule = PIIContextRule.rule(for: candidates[index].type)
            candidates[index].confidence = rule.adjusted(candidates[index].confidence, for: candidates[index].range, in: scanned)
        }
        let accepted = Self.resolveOverlaps(candidates.filter { $0.confidence >= threshold })
        let entities = accepted.map { candidate in
            PIIEntity(
                type: candidate.type, range: candidate.range, confidence: Double(Int(candidate.confidence * 100 + 0.5)) / 100,
                valueHash: hashKey.hash(candidate.type, candidate.normalizedValue), redactedPreview: candidate.preview
            )
        }
        return PIIResult(entities: entities, redactedText: Self.redact(text, entities))
    }

    /// The text with personal data replaced by typed tokens; what may go into a prompt, a summary or a log.
    public func redact(_ text: String) -> String {
        analyze(text).redactedText
    }

    /// A candidate inside another one goes with it (an email's domain is not also a URL, a number inside an IBAN is
    /// not also a phone); partial overlaps go to the higher confidence, then the longer span, then the earlier one.
    static func resolveOverlaps(_ candidates: [PIICandidate]) -> [PIICandidate] {
        let outermost = candidates.enumerated().filter { index, candidate in
            !candidates.enumerated().contains { other, container in
                other != index && container.range.encloses(candidate.range)
                    && (container.range != candidate.range || isPreferred(container, over: candidate))
            }
        }.map(\.element)
        var accepted: [PIICandidate] = []
        for candidate in outermost.sorted(by: isPreferred) where !accepted.contains(where: { $0.range.overlaps(candidate.range) }) {
            accepted.append(candidate)
        }
        return accepted.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }

    private static func isPreferred(_ lhs: PIICandidate, over rhs: PIICandidate) -> Bool {
        if lhs.confidence != rhs.confidence { return lhs.confidence > rhs.confidence }
        if lhs.range.count != rhs.range.count { return lhs.range.count > rhs.range.count }
        if lhs.range.lowerBound != rhs.range.lowerBound { return lhs.range.lowerBound < rhs.range.lowerBound }
        return lhs.type.rawValue < rhs.type.rawValue
    }

    /// Copies the text between entities as is (entity bounds are ASCII, so never inside a surrogate pair).
    private static func redact(_ text: String, _ entities: [PIIEntity]) -> String {
        guard !entities.isEmpty else { return text }
        var output = ""
        output.reserveCapacity(text.utf8.count)
        var cursor = text.startIndex
        for entity in entities {
            let start = String.Index(utf16Offset: entity.range.lowerBound, in: text)
            output += text[cursor..<start]
            output += entity.type.redactionToken
            cursor = String.Index(utf16Offset: entity.range.upperBound, in: text)
        }
        output += text[cursor...]
        return output
    }
}

extension Range where Bound == Int {
    fileprivate func encloses(_ other: Range<Int>) -> Bool {
        lowerBound <= other.lowerBound && other.upperBound <= upperBound
    }
}
