/// One piece of personal data found in a message. It never carries the value itself: only where it was,
/// a keyed hash of its normalized form (so a conversation can tell "the same card again" apart from a new one)
/// and, for some types, a preview that is safe to show (`****1234`).
public struct PIIEntity: Sendable, Equatable, Codable {
    public var type: PIIType
    /// Offsets in UTF-16 code units of the analysed text (what `NSString`, JavaScript and most UIs count).
    /// Use `stringRange(in:)` to turn them back into `String.Index`es of the same text.
    public var range: Range<Int>
    /// 0…1; recognizers start from how strong their validation is, context words move it up or down.
    public var confidence: Double
    /// SipHash-2-4 of `type` and the normalized value under the detector's `PIIHashKey`, 16 hex digits.
    public var valueHash: String
    public var redactedPreview: String?

    public init(type: PIIType, range: Range<Int>, confidence: Double, valueHash: String, redactedPreview: String?) {
        self.type = type
        self.range = range
        self.confidence = confidence
        self.valueHash = valueHash
        self.redactedPreview = redactedPreview
    }

    /// The entity's range as indices of `text`, the string that was analysed; nil if it does not fit.
    public func stringRange(in text: String) -> Range<String.Index>? {
        guard range.lowerBound >= 0, range.upperBound <= text.utf16.count else { return nil }
        let start = String.Index(utf16Offset: range.lowerBound, in: text)
        let end = String.Index(utf16Offset: range.upperBound, in: text)
        return start..<end
    }
}

/// What the detector found in one text. Safe to store, log and put in events: no raw value is in it.
public struct PIIResult: Sendable, Equatable, Codable {
    /// Sorted by position, never overlapping.
    public var entities: [PIIEntity]
    /// The analysed text with every entity replaced by its type's token (`[EMAIL]`, `[PHONE]`, …).
    public var redactedText: String
    public var hasPII: Bool

    public init(entities: [PIIEntity], redactedText: String) {
        self.entities = entities
        self.redactedText = redactedText
        self.hasPII = !entities.isEmpty
    }
}
